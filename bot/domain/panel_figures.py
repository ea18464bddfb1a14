"""What a comparison needs of one finished panel: counts and sums, not the feedback itself.

A comparison of hundreds of candidates reads every feedback of the role; decoding each
draft (ratings with their evidence, answers, notes) cost more than the reads themselves
(docs/performance.md, issue 15). The table needs per criterion only how many rated it,
their total, lowest and highest rating and how many gave each value (means, disagreement,
agreement), and per panel the recommendations, the round-1 doubts left open and what the
candidate asked: the database can count the first, the rest is small. `figures_of` gives the
same from a FinishedPanel's drafts. Pure: no Slack, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.calibration import SCALE_MAX, SCALE_MIN
from bot.domain.feedback import PanelistFeedback, Resolution
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import doubt_resolved, spread_disagreement

# The rating scale's values, lowest first: CriterionFigures.by_value counts each.
SCALE = tuple(range(SCALE_MIN, SCALE_MAX + 1))


@dataclass(frozen=True)
class CriterionFigures:
    """One criterion's ratings on one panel (its active panelists' feedback)."""

    count: int
    total: int
    low: int
    high: int
    by_value: tuple[int, ...]  # how many gave each value of SCALE, in its order

    @property
    def mean(self) -> float:
        # Exactly fmean of the ratings: both are the correctly rounded quotient of the
        # exact integer sum by the count.
        return self.total / self.count

    @property
    def disagreement(self) -> bool:
        return spread_disagreement(self.count, self.low, self.high)

    @property
    def in_scale(self) -> bool:
        """Every rating is on the scale (agreement is undefined otherwise)."""
        return sum(self.by_value) == self.count

    @classmethod
    def of(cls, ratings: Sequence[int]) -> CriterionFigures:
        return cls(
            count=len(ratings),
            total=sum(ratings),
            low=min(ratings),
            high=max(ratings),
            by_value=tuple(ratings.count(v) for v in SCALE),
        )


@dataclass(frozen=True)
class PanelFigures:
    """One finished round as the comparison table, its themes and its agreement see it."""

    round: RoundSnapshot  # its panelists' `submitted` says whose feedback is counted
    finished_at: datetime
    criteria: Mapping[str, CriterionFigures]  # every criterion key rated on the panel
    recommendations: Mapping[int, int]  # recommendation → how many gave it
    unresolved: int  # round-1 doubts not resolved by every panelist who answered
    asked: tuple[str, ...]  # what the candidate asked, as each panelist recorded it, in panel order

    @property
    def submitters(self) -> tuple[str, ...]:
        return tuple(p.user_id for p in self.round.panelists if p.submitted)


def open_doubts(question_ids: Iterable[int], answers: Iterable[tuple[int, str]]) -> int:
    """How many of the round's doubts are not resolved: a doubt is resolved only when every
    panelist who answered it says so (stats.doubt_resolved); `answers` are
    (question id, resolution) of every answer given, on any question."""
    answered: dict[int, int] = {}
    resolved: dict[int, int] = {}
    for question_id, resolution in answers:
        answered[question_id] = answered.get(question_id, 0) + 1
        if resolution == Resolution.RESOLVED:
            resolved[question_id] = resolved.get(question_id, 0) + 1
    return sum(
        1 for q in question_ids if not doubt_resolved(answered.get(q, 0), resolved.get(q, 0))
    )


def figures_of(
    snapshot: RoundSnapshot, feedback: Sequence[PanelistFeedback], finished_at: datetime
) -> PanelFigures:
    """The figures of a panel whose drafts are at hand."""
    ratings: dict[str, list[int]] = {}
    recommendations: dict[int, int] = {}
    for f in feedback:
        for key, rating in f.draft.ratings_by_key().items():
            ratings.setdefault(key, []).append(rating.rating)
        rec = f.draft.recommendation
        recommendations[rec] = recommendations.get(rec, 0) + 1
    return PanelFigures(
        round=snapshot,
        finished_at=finished_at,
        criteria={key: CriterionFigures.of(values) for key, values in ratings.items()},
        recommendations=recommendations,
        unresolved=open_doubts(
            (q for q, _ in snapshot.questions),
            ((a.question_id, a.resolution) for f in feedback for a in f.draft.question_answers),
        ),
        asked=tuple(f.draft.candidate_questions for f in feedback),
    )
