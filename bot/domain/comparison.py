"""Candidates for one role side by side on the same rubric, optionally calibrated for each
interviewer's leniency. Pure: no Slack, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.feedback import PanelistFeedback
from bot.domain.panel import RoundSnapshot
from bot.domain.rubric import Rubric


@dataclass(frozen=True)
class FinishedPanel:
    """A complete (or closed early) round with its feedback: the input of a comparison."""

    round: RoundSnapshot
    feedback: tuple[PanelistFeedback, ...]
    finished_at: datetime


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


@dataclass(frozen=True)
class ThemeCount:
    """Candidates' questions of one theme across the role."""

    theme: str  # "pay", "growth", "team", "product", "process", or "other"
    candidates: int  # how many candidates asked about it
    examples: tuple[str, ...]  # a few of the questions, as asked (raw user text)


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
