"""The mechanical aggregate of a panel: computed, never negotiated (Conway et al. 1995)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import fmean

from bot.domain.feedback import Asked, Engagement, PanelistFeedback, Resolution
from bot.domain.rubric import Rubric

DISAGREEMENT_SPREAD = 2


def is_disagreement(ratings: list[int]) -> bool:
    """A spread of 2+ points, or yes-side and no-side votes together, is worth a debrief."""
    if len(ratings) < 2:
        return False
    return spread_disagreement(len(ratings), min(ratings), max(ratings))


def spread_disagreement(count: int, low: int, high: int) -> bool:
    """is_disagreement of `count` ratings from `low` to `high`: a yes-side and a no-side
    vote together is the lowest at most 2 and the highest at least 3."""
    return count >= 2 and (high - low >= DISAGREEMENT_SPREAD or (low <= 2 and high >= 3))


@dataclass(frozen=True)
class CriterionStats:
    key: str
    name: str
    ratings: tuple[int, ...]
    mean: float | None
    spread: int | None
    disagreement: bool
    # (panelist's display name, rating) of those who rated it, in panel order.
    by_panelist: tuple[tuple[str, int], ...] = ()

    @property
    def high(self) -> tuple[tuple[str, int], ...]:
        """Who gave the highest rating (for the debrief: ask them first)."""
        top = max(self.ratings, default=None)
        return tuple(p for p in self.by_panelist if p[1] == top)

    @property
    def low(self) -> tuple[tuple[str, int], ...]:
        """Who gave the lowest rating."""
        bottom = min(self.ratings, default=None)
        return tuple(p for p in self.by_panelist if p[1] == bottom)


@dataclass(frozen=True)
class QuestionOutcome:
    question_id: int
    text: str
    counts: dict[Resolution, int]

    @property
    def resolved(self) -> bool:
        return doubt_resolved(sum(self.counts.values()), self.counts.get(Resolution.RESOLVED, 0))


def doubt_resolved(answered: int, resolved: int) -> bool:
    """A round-1 doubt is resolved only when every panelist who answered it says so (the
    summary's QuestionOutcome and the comparison's open_doubts both ask this)."""
    return answered > 0 and resolved == answered


@dataclass(frozen=True)
class CandidateQuestions:
    panelist: str
    asked: str
    engagement: Engagement | None
    follow_up: bool = False  # the panelist says someone must get back to the candidate


@dataclass(frozen=True)
class PanelSummary:
    criteria: tuple[CriterionStats, ...]
    overall: float | None
    tally: dict[int, int]
    recommendation_disagreement: bool
    strong_no_from: tuple[str, ...]
    questions: tuple[QuestionOutcome, ...]
    candidate_questions: tuple[CandidateQuestions, ...]
    submitted: int
    # (panelist's display name, recommendation) in panel order.
    recommendations: tuple[tuple[str, int], ...] = ()

    @property
    def strong_no_ratings(self) -> tuple[tuple[str, str], ...]:
        """(panelist, criterion name) of every criterion rated 1: whose evidence to hear."""
        return tuple(
            (name, c.name) for c in self.criteria for name, rating in c.by_panelist if rating == 1
        )

    @property
    def open_questions(self) -> tuple[QuestionOutcome, ...]:
        return tuple(q for q in self.questions if not q.resolved)

    @property
    def flagged(self) -> tuple[CriterionStats, ...]:
        return tuple(c for c in self.criteria if c.disagreement)

    @property
    def follow_ups(self) -> tuple[CandidateQuestions, ...]:
        """What the candidate asked that still needs an answer from the team."""
        return tuple(cq for cq in self.candidate_questions if cq.follow_up)


def criterion_stats(rubric: Rubric, feedback: list[PanelistFeedback]) -> tuple[CriterionStats, ...]:
    stats = []
    by_key = [(f.display_name, f.draft.ratings_by_key()) for f in feedback]
    for criterion in rubric.criteria:
        rated = [
            (name, r.rating)
            for name, found in by_key
            if (r := found.get(criterion.key)) is not None
        ]
        ratings = [rating for _, rating in rated]
        stats.append(
            CriterionStats(
                key=criterion.key,
                name=criterion.name,
                ratings=tuple(ratings),
                mean=fmean(ratings) if ratings else None,
                spread=(max(ratings) - min(ratings)) if ratings else None,
                disagreement=is_disagreement(ratings),
                by_panelist=tuple(rated),
            )
        )
    return tuple(stats)


def overall_score(criteria: tuple[CriterionStats, ...]) -> float | None:
    """Every criterion weighs the same; criteria nobody rated are left out."""
    means = [c.mean for c in criteria if c.mean is not None]
    return fmean(means) if means else None


def summarize(
    rubric: Rubric,
    feedback: list[PanelistFeedback],
    questions: list[tuple[int, str]],
) -> PanelSummary:
    criteria = criterion_stats(rubric, feedback)
    recommendations = [f.draft.recommendation for f in feedback]
    tally = Counter(recommendations)
    outcomes = []
    for question_id, text in questions:
        counts: Counter[Resolution] = Counter(
            a.resolution
            for f in feedback
            for a in f.draft.question_answers
            if a.question_id == question_id
        )
        outcomes.append(QuestionOutcome(question_id, text, dict(counts)))
    asked = tuple(
        CandidateQuestions(
            f.display_name,
            f.draft.candidate_questions,
            f.draft.engagement,
            follow_up=f.draft.asked == Asked.FOLLOW_UP,
        )
        for f in feedback
        if f.draft.candidate_questions or f.draft.engagement
    )
    return PanelSummary(
        criteria=criteria,
        overall=overall_score(criteria),
        tally={rating: tally.get(rating, 0) for rating in (4, 3, 2, 1)},
        recommendation_disagreement=is_disagreement(recommendations),
        strong_no_from=tuple(f.display_name for f in feedback if f.draft.recommendation == 1),
        questions=tuple(outcomes),
        candidate_questions=asked,
        submitted=len(feedback),
        recommendations=tuple((f.display_name, f.draft.recommendation) for f in feedback),
    )
