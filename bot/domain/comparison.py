"""Candidates for one role side by side on the same rubric, optionally calibrated for each
interviewer's leniency. Pure: no Slack, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from bot.domain.calibration import Interviewer, Rated, adjusted, agreement
from bot.domain.decision import DecisionVersion
from bot.domain.feedback import PanelistFeedback
from bot.domain.outcome import OutcomeFacts
from bot.domain.panel import RoundSnapshot
from bot.domain.rubric import BUILT_IN_RUBRICS, DEFAULT_RUBRIC_KEY, Rubric
from bot.domain.stats import summarize
from bot.domain.themes import ThemeCount, count_themes


@dataclass(frozen=True)
class FinishedPanel:
    """A complete (or closed early) round with its feedback: the input of a comparison."""

    round: RoundSnapshot
    feedback: tuple[PanelistFeedback, ...]
    finished_at: datetime
    decisions: tuple[DecisionVersion, ...] = ()  # every version, oldest first
    outcome: OutcomeFacts | None = None  # after a decision to advance (organizers only)


@dataclass(frozen=True)
class CandidateRow:
    """One candidate's line in the comparison."""

    round: RoundSnapshot
    overall: float | None  # mean of the criterion means (calibrated when asked)
    means: dict[str, float | None]  # criterion key → mean (calibrated when asked)
    tally: dict[int, int]  # recommendation (4..1) → count
    disagreements: tuple[str, ...]  # criterion keys the panel disagrees on (raw ratings)
    split_recommendation: bool
    strong_no: bool
    unresolved: int  # round-1 doubts not resolved by every panelist who answered
    partial: bool  # closed before everyone submitted
    finished_at: datetime
    decision: str | None = None  # the latest outcome (bot.domain.decision.Outcome)


@dataclass(frozen=True)
class Comparison:
    role_name: str
    rubric: Rubric  # the rubric every row was rated on
    rows: tuple[CandidateRow, ...]  # sorted: by `sort_by` (None: overall), best first
    sort_by: str | None  # a criterion key, or None for the overall score
    calibrated: bool
    # Interviewers whose ratings were adjusted / left as rated (fewer than MIN_ROUNDS).
    calibrated_interviewers: tuple[str, ...]
    uncalibrated_interviewers: tuple[str, ...]
    # Rounds left out because they were rated on another rubric or version.
    other_rubric_rounds: int
    themes: tuple[ThemeCount, ...]
    agreement: float | None  # Krippendorff's alpha (ordinal) of the role's panels


def rated_of(panel: FinishedPanel) -> list[Rated]:
    """The panel's feedback as calibration sees it: one Rated per panelist."""
    return [
        Rated(
            round_id=panel.round.id,
            user_id=f.user_id,
            role_name=panel.round.role_name,
            ratings={r.criterion_key: r.rating for r in f.draft.ratings},
            recommendation=f.draft.recommendation,
        )
        for f in panel.feedback
    ]


def _row(
    panel: FinishedPanel, rubric: Rubric, calibration: dict[str, Interviewer] | None
) -> CandidateRow:
    feedback = list(panel.feedback)
    summary = summarize(rubric, feedback, list(panel.round.questions))
    if calibration is None:
        means = {c.key: c.mean for c in summary.criteria}
    else:
        means = {}
        by_key = [(f.draft.ratings_by_key(), calibration.get(f.user_id)) for f in feedback]
        for criterion in rubric.criteria:
            ratings = [
                adjusted(r.rating, interviewer)
                for found, interviewer in by_key
                if (r := found.get(criterion.key)) is not None
            ]
            means[criterion.key] = fmean(ratings) if ratings else None
    present = [m for m in means.values() if m is not None]
    return CandidateRow(
        round=panel.round,
        overall=fmean(present) if present else None,
        means=means,
        tally=summary.tally,
        disagreements=tuple(c.key for c in summary.flagged),
        split_recommendation=summary.recommendation_disagreement,
        strong_no=bool(summary.strong_no_from),
        unresolved=len(summary.open_questions),
        partial=panel.round.partial,
        finished_at=panel.finished_at,
        decision=panel.round.decision,
    )


# Means computed in different orders can differ in the last bits; compare them rounded.
_TIE_DIGITS = 9


def _ranked(
    rows: list[tuple[CandidateRow, FinishedPanel]], sort_by: str | None
) -> list[tuple[CandidateRow, FinishedPanel]]:
    def score(row: CandidateRow) -> tuple[bool, float]:
        value = row.overall if sort_by is None else row.means.get(sort_by)
        return (value is None, 0.0 if value is None else -round(value, _TIE_DIGITS))

    # Stable sorts, least significant key first: round id, then newer finished first, then
    # the score (best first, rows without one last).
    ordered = sorted(rows, key=lambda rp: rp[0].round.id)
    ordered.sort(key=lambda rp: rp[0].finished_at, reverse=True)
    ordered.sort(key=lambda rp: score(rp[0]))
    return ordered


def compared_rubric(panels: Sequence[FinishedPanel]) -> Rubric:
    """The rubric a comparison is on: that of the most recently finished panel."""
    return max(panels, key=lambda p: (p.finished_at, p.round.id)).round.rubric


def build_comparison(
    role_name: str,
    panels: Sequence[FinishedPanel],
    *,
    sort_by: str | None = None,
    calibration: dict[str, Interviewer] | None = None,
) -> Comparison:
    """The role's candidates side by side on the rubric of its most recently finished panel.

    Like with like: panels rated on another rubric, or another version of it, are left out
    and counted in `other_rubric_rounds`. With `calibration`, every mean is of ratings
    adjusted for their interviewer's leniency (`calibration.adjusted`); disagreements are
    always judged on the ratings as given. With no panel at all, the comparison is empty,
    on the built-in default rubric. Raises ValueError when `sort_by` is not a criterion key
    of the compared rubric.
    """
    rubric = compared_rubric(panels) if panels else BUILT_IN_RUBRICS[DEFAULT_RUBRIC_KEY]
    if sort_by is not None and rubric.criterion(sort_by) is None:
        raise ValueError(f"{sort_by!r} is not a criterion of rubric {rubric.key!r}")
    compared = [p for p in panels if p.round.rubric.identity == rubric.identity]
    ranked = _ranked([(_row(p, rubric, calibration), p) for p in compared], sort_by)

    calibrated: tuple[str, ...] = ()
    uncalibrated: tuple[str, ...] = ()
    if calibration is not None:
        users = sorted({f.user_id for p in compared for f in p.feedback})
        calibrated = tuple(u for u in users if (i := calibration.get(u)) and i.calibrated)
        uncalibrated = tuple(u for u in users if u not in calibrated)

    return Comparison(
        role_name=role_name,
        rubric=rubric,
        rows=tuple(row for row, _ in ranked),
        sort_by=sort_by,
        calibrated=calibration is not None,
        calibrated_interviewers=calibrated,
        uncalibrated_interviewers=uncalibrated,
        other_rubric_rounds=len(panels) - len(compared),
        themes=count_themes(
            (p.round.id, f.draft.candidate_questions) for _, p in ranked for f in p.feedback
        ),
        agreement=agreement(r for p in compared for r in rated_of(p)),
    )
