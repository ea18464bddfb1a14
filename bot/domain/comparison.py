"""Candidates for one role side by side on the same rubric, optionally calibrated for each
interviewer's leniency. Pure: no Slack, no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from bot.domain.calibration import Interviewer, Rated, adjusted, agreement_of_counts
from bot.domain.decision import DecisionVersion
from bot.domain.feedback import PanelistFeedback
from bot.domain.outcome import OutcomeFacts
from bot.domain.panel import RoundSnapshot
from bot.domain.panel_figures import PanelFigures, figures_of
from bot.domain.rubric import BUILT_IN_RUBRICS, DEFAULT_RUBRIC_KEY, Rubric
from bot.domain.stats import spread_disagreement
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
    panel: PanelFigures,
    rubric: Rubric,
    calibration: dict[str, Interviewer] | None,
    rated: Sequence[Rated],
) -> CandidateRow:
    if calibration is None:
        means = {
            c.key: (f.mean if (f := panel.criteria.get(c.key)) is not None else None)
            for c in rubric.criteria
        }
    else:
        means = {}
        for criterion in rubric.criteria:
            # fmean sums with fsum, exactly: the order of the panelists does not matter.
            ratings = [
                adjusted(rating, calibration.get(r.user_id))
                for r in rated
                if (rating := r.ratings.get(criterion.key)) is not None
            ]
            means[criterion.key] = fmean(ratings) if ratings else None
    present = [m for m in means.values() if m is not None]
    recs = panel.recommendations
    return CandidateRow(
        round=panel.round,
        overall=fmean(present) if present else None,
        means=means,
        tally={rating: recs.get(rating, 0) for rating in (4, 3, 2, 1)},
        disagreements=tuple(
            c.key
            for c in rubric.criteria
            if (f := panel.criteria.get(c.key)) is not None and f.disagreement
        ),
        split_recommendation=bool(recs)
        and spread_disagreement(sum(recs.values()), min(recs), max(recs)),
        strong_no=recs.get(1, 0) > 0,
        unresolved=panel.unresolved,
        partial=panel.round.partial,
        finished_at=panel.finished_at,
        decision=panel.round.decision,
    )


# Means computed in different orders can differ in the last bits; compare them rounded.
_TIE_DIGITS = 9


def _ranked(
    rows: list[tuple[CandidateRow, PanelFigures]], sort_by: str | None
) -> list[tuple[CandidateRow, PanelFigures]]:
    def score(row: CandidateRow) -> tuple[bool, float]:
        value = row.overall if sort_by is None else row.means.get(sort_by)
        return (value is None, 0.0 if value is None else -round(value, _TIE_DIGITS))

    # Stable sorts, least significant key first: round id, then newer finished first, then
    # the score (best first, rows without one last).
    ordered = sorted(rows, key=lambda rp: rp[0].round.id)
    ordered.sort(key=lambda rp: rp[0].finished_at, reverse=True)
    ordered.sort(key=lambda rp: score(rp[0]))
    return ordered


def compared_rubric(panels: Sequence[FinishedPanel | PanelFigures]) -> Rubric:
    """The rubric a comparison is on: that of the most recently finished panel."""
    return max(panels, key=lambda p: (p.finished_at, p.round.id)).round.rubric


def build_comparison(
    role_name: str,
    panels: Sequence[FinishedPanel],
    *,
    sort_by: str | None = None,
    calibration: dict[str, Interviewer] | None = None,
) -> Comparison:
    """compare_panels of panels whose feedback is at hand."""
    return compare_panels(
        role_name,
        [figures_of(p.round, p.feedback, p.finished_at) for p in panels],
        sort_by=sort_by,
        calibration=calibration,
        rated=[r for p in panels for r in rated_of(p)] if calibration is not None else (),
    )


def compare_panels(
    role_name: str,
    panels: Sequence[PanelFigures],
    *,
    sort_by: str | None = None,
    calibration: dict[str, Interviewer] | None = None,
    rated: Iterable[Rated] = (),
) -> Comparison:
    """The role's candidates side by side on the rubric of its most recently finished panel.

    Like with like: panels rated on another rubric, or another version of it, are left out
    and counted in `other_rubric_rounds`. With `calibration`, every mean is of ratings
    adjusted for their interviewer's leniency (`calibration.adjusted`), which takes each
    panelist's ratings: `rated` holds them (for the compared rounds at least; calibration's
    own facts do); disagreements are always judged on the ratings as given. With no panel at
    all, the comparison is empty, on the built-in default rubric. Raises ValueError when
    `sort_by` is not a criterion key of the compared rubric.
    """
    rubric = compared_rubric(panels) if panels else BUILT_IN_RUBRICS[DEFAULT_RUBRIC_KEY]
    if sort_by is not None and rubric.criterion(sort_by) is None:
        raise ValueError(f"{sort_by!r} is not a criterion of rubric {rubric.key!r}")
    compared = [p for p in panels if p.round.rubric.identity == rubric.identity]
    by_round: dict[int, list[Rated]] = {}
    if calibration is not None:
        ids = {p.round.id for p in compared}
        for r in rated:
            if r.round_id in ids:
                by_round.setdefault(r.round_id, []).append(r)
    rows = [(_row(p, rubric, calibration, by_round.get(p.round.id, [])), p) for p in compared]
    ranked = _ranked(rows, sort_by)

    calibrated: tuple[str, ...] = ()
    uncalibrated: tuple[str, ...] = ()
    if calibration is not None:
        users = sorted({user for p in compared for user in p.submitters})
        calibrated = tuple(u for u in users if (i := calibration.get(u)) and i.calibrated)
        uncalibrated = tuple(u for u in users if u not in calibrated)

    units = {(p.round.id, key): f for p in compared for key, f in p.criteria.items()}
    return Comparison(
        role_name=role_name,
        rubric=rubric,
        rows=tuple(row for row, _ in ranked),
        sort_by=sort_by,
        calibrated=calibration is not None,
        calibrated_interviewers=calibrated,
        uncalibrated_interviewers=uncalibrated,
        other_rubric_rounds=len(panels) - len(compared),
        themes=count_themes((p.round.id, asked) for _, p in ranked for asked in p.asked),
        agreement=None
        if not all(f.in_scale for f in units.values())
        else agreement_of_counts({unit: f.by_value for unit, f in units.items()}),
    )
