"""What one panelist says about a candidate: plain data, no Slack and no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Resolution(StrEnum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    NOT_RESOLVED = "not"

    @property
    def label(self) -> str:
        return {"resolved": "Resolved", "partly": "Partly", "not": "Not resolved"}[self.value]


class Engagement(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {"low": "Low", "medium": "Medium", "high": "High"}[self.value]


class Asked(StrEnum):
    """What the panelist says about the candidate's questions: answered in the interview,
    or someone must get back to the candidate."""

    ANSWERED = "answered"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return {"answered": "Answered in the interview", "follow_up": "Needs a follow-up"}[
            self.value
        ]


@dataclass(frozen=True)
class Rating:
    criterion_key: str
    rating: int
    evidence: str = ""


@dataclass(frozen=True)
class QuestionAnswer:
    question_id: int
    resolution: Resolution
    note: str = ""


@dataclass(frozen=True)
class FeedbackDraft:
    """A panelist's complete answer to the feedback modal."""

    ratings: tuple[Rating, ...]
    recommendation: int
    question_answers: tuple[QuestionAnswer, ...] = ()
    candidate_questions: str = ""
    engagement: Engagement | None = None
    asked: Asked | None = None

    def rating_for(self, criterion_key: str) -> Rating | None:
        return next((r for r in self.ratings if r.criterion_key == criterion_key), None)

    def ratings_by_key(self) -> dict[str, Rating]:
        """rating_for of every key rated, at once (the first rating of a key, as there)."""
        found: dict[str, Rating] = {}
        for r in self.ratings:
            found.setdefault(r.criterion_key, r)
        return found


def kept_for(
    draft: FeedbackDraft, criterion_keys: Sequence[str], question_ids: Sequence[int]
) -> FeedbackDraft:
    """The draft's answers to these criteria and questions only, in their order: a form
    read back whole carries whatever was sent, and a forged one may carry others."""
    ratings = {r.criterion_key: r for r in draft.ratings}
    answers = {a.question_id: a for a in draft.question_answers}
    return replace(
        draft,
        ratings=tuple(ratings[key] for key in criterion_keys if key in ratings),
        question_answers=tuple(answers[q] for q in question_ids if q in answers),
    )


@dataclass(frozen=True)
class PanelistFeedback:
    """Submitted feedback with who gave it, as the summary sees it."""

    user_id: str
    display_name: str
    draft: FeedbackDraft
    revision: int = 1


def draft_to_data(draft: FeedbackDraft) -> dict[str, Any]:
    return {
        "ratings": [
            {"criterion": r.criterion_key, "rating": r.rating, "evidence": r.evidence}
            for r in draft.ratings
        ],
        "recommendation": draft.recommendation,
        "questions": [
            {"id": a.question_id, "resolution": a.resolution.value, "note": a.note}
            for a in draft.question_answers
        ],
        "candidate_questions": draft.candidate_questions,
        "engagement": draft.engagement.value if draft.engagement else None,
        "asked": draft.asked.value if draft.asked else None,
    }


def draft_from_data(data: dict[str, Any]) -> FeedbackDraft:
    return FeedbackDraft(
        ratings=tuple(
            Rating(r["criterion"], int(r["rating"]), r.get("evidence", "")) for r in data["ratings"]
        ),
        recommendation=int(data["recommendation"]),
        question_answers=tuple(
            QuestionAnswer(int(a["id"]), Resolution(a["resolution"]), a.get("note", ""))
            for a in data.get("questions", [])
        ),
        candidate_questions=data.get("candidate_questions", ""),
        engagement=Engagement(data["engagement"]) if data.get("engagement") else None,
        asked=Asked(data["asked"]) if data.get("asked") else None,
    )
