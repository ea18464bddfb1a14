"""Rounds and feedback as the domain and the views see them (RoundSnapshot, FinishedRound,
PanelSummary), built without a database: an ordinary round, and the worst case (the longest
text allowed, full of what must be escaped)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain import rules
from bot.domain.digest import FinishedRound
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
)
from bot.domain.panel import PanelistState, RoundSnapshot, Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import CriterionStats, PanelSummary, QuestionOutcome
from tests.support.texts import EVIL

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)

_ORDINARY = RoundSnapshot(
    id=1,
    team_id="T1",
    candidate_name="Ada Lovelace",
    profile_link=None,
    role_name="Backend engineer",
    organizer_id="UORG",
    channel_id="CHIRE",
    interview_at=NOW,
    due_at=NOW + timedelta(days=1),
    rubric=SECOND_INTERVIEW,
    status=Status.OPEN,
    questions=((1, "Depth of SQL?"),),
    panelists=(
        PanelistState("U1", "Bob", True),
        PanelistState("U2", "Carol", False),
        PanelistState("U3", "Dan", False),
    ),
)


def snapshot(**fields: Any) -> RoundSnapshot:
    """An open round of Ada Lovelace's, due a day after her interview, with these fields
    changed (RoundSnapshot's own names)."""
    return replace(_ORDINARY, **fields)


def make_round(
    id: int = 1,
    *,
    candidate: str = "Ada Lovelace",
    role: str = "Backend engineer",
    status: str = Status.OPEN,
    due_at: datetime = NOW + timedelta(days=1),
    panelists: tuple[PanelistState, ...] | None = None,
    questions: tuple[tuple[int, str], ...] = ((1, "Depth of SQL?"),),
) -> RoundSnapshot:
    """A round interviewed the day before it is due."""
    return snapshot(
        id=id,
        candidate_name=candidate,
        role_name=role,
        status=status,
        interview_at=due_at - timedelta(days=1),
        due_at=due_at,
        questions=questions,
        **({} if panelists is None else {"panelists": panelists}),
    )


def evil_round(id: int, status: str = Status.OPEN, due_at: datetime = NOW) -> RoundSnapshot:
    """Worst-case text: the longest names allowed, full of characters that need escaping."""
    return make_round(
        id,
        candidate=(f"{id} {EVIL}" + "x" * rules.CANDIDATE_NAME_MAX)[: rules.CANDIDATE_NAME_MAX],
        role=("Role " + EVIL + "y" * 80)[: rules.ROLE_NAME_MAX],
        status=status,
        due_at=due_at,
        panelists=tuple(
            PanelistState(f"U{id}x{i}", f"{EVIL} panelist {i}" + "n" * 60, i == 0) for i in range(3)
        ),
        questions=tuple((i, f"{EVIL} " + "q" * 250) for i in range(rules.MAX_QUESTIONS)),
    )


def worst_round(status: str = Status.COMPLETE, submitted: bool = True) -> RoundSnapshot:
    """Every field at its limit: the most panelists and questions, the longest text."""
    return snapshot(
        id=7,
        candidate_name=(EVIL + "x" * rules.CANDIDATE_NAME_MAX)[: rules.CANDIDATE_NAME_MAX],
        profile_link="https://example.com/" + "p" * 470,
        role_name=("Role " + EVIL + "y" * 80)[: rules.ROLE_NAME_MAX],
        status=status,
        questions=tuple((i, f"{i} {EVIL} " + "q" * 300) for i in range(rules.MAX_QUESTIONS)),
        panelists=tuple(
            PanelistState(f"U{i:02d}", f"Panelist {EVIL} {i}", submitted)
            for i in range(rules.MAX_PANELISTS)
        ),
        announcement_ts="1.1",
        summary_ts="1.2",
    )


def worst_feedback(r: RoundSnapshot) -> list[PanelistFeedback]:
    """Every panelist's feedback with every field at its limit."""
    draft = FeedbackDraft(
        ratings=tuple(
            Rating(c.key, 1 + i % 4, (EVIL * 40)[: rules.EVIDENCE_MAX])
            for i, c in enumerate(r.rubric.criteria)
        ),
        recommendation=1,
        question_answers=tuple(
            QuestionAnswer(q, Resolution.PARTLY, "n" * rules.NOTE_MAX) for q, _ in r.questions
        ),
        candidate_questions="?" * rules.CANDIDATE_QUESTIONS_MAX,
        engagement=Engagement.LOW,
    )
    return [PanelistFeedback(p.user_id, p.name, draft, 3) for p in r.panelists]


def make_summary(
    overall: float | None = 3.0,
    *,
    strong_no: tuple[str, ...] = (),
    split: bool = False,
    flagged: tuple[str, ...] = (),
    open_doubts: int = 0,
) -> PanelSummary:
    criteria = tuple(
        CriterionStats(
            key=c.key,
            name=c.name,
            ratings=(1, 4) if c.name in flagged else (3, 3),
            mean=2.5 if c.name in flagged else 3.0,
            spread=3 if c.name in flagged else 0,
            disagreement=c.name in flagged,
        )
        for c in SECOND_INTERVIEW.criteria
    )
    return PanelSummary(
        criteria=criteria,
        overall=overall,
        tally={4: 0, 3: 2, 2: 0, 1: len(strong_no)},
        recommendation_disagreement=split,
        strong_no_from=strong_no,
        questions=tuple(QuestionOutcome(i, f"Doubt {i}", {}) for i in range(open_doubts)),
        candidate_questions=(),
        submitted=2,
    )


def finished(r: RoundSnapshot, overall: float | None, at: datetime, **kwargs: Any) -> FinishedRound:
    return FinishedRound(round=r, summary=make_summary(overall, **kwargs), finished_at=at)
