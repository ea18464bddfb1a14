"""Comparisons of candidates (the /panel compare message's data), ordinary and at their
worst: the most rows, the longest names and themes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.domain import rules
from bot.domain.calibration import Rated
from bot.domain.comparison import CandidateRow, Comparison
from bot.domain.panel import PanelistState, RoundSnapshot, Status
from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from bot.domain.themes import ThemeCount
from bot.views.comparison import ROWS_PER_PAGE
from tests.support.snapshots import NOW, snapshot
from tests.support.texts import EVIL

# The comparison table's header on the default rubric (SECOND_INTERVIEW), names cut to fit.
TABLE_HEADER = [
    "Candidate",
    "Overall",
    "Depth of skills…",
    "Culture and team…",
    "Role-specific…",
    "Clarification of…",
    "Candidate's…",
    "Recs",
    "Flags",
    "Doubts",
    "Decision",
]


def a_round(i: int, name: str | None = None, rubric: Rubric = SECOND_INTERVIEW) -> RoundSnapshot:
    """A finished round of Candidate i's, interviewed i days before NOW by two."""
    return snapshot(
        id=i,
        candidate_name=name if name is not None else f"Candidate {i}",
        interview_at=NOW - timedelta(days=i),
        due_at=NOW,
        rubric=rubric,
        status=Status.COMPLETE,
        questions=(),
        panelists=(PanelistState("U1", "Ana", True), PanelistState("U2", "Bo", True)),
    )


def a_row(
    i: int, name: str | None = None, rubric: Rubric = SECOND_INTERVIEW, **kw: Any
) -> CandidateRow:
    fields: dict[str, Any] = {
        "round": a_round(i, name, rubric),
        "overall": 3.25 - i / 1000,
        "means": {c.key: 3.0 for c in rubric.criteria},
        "tally": {4: 2, 3: 1, 2: 0, 1: 0},
        "disagreements": (),
        "split_recommendation": False,
        "strong_no": False,
        "unresolved": 0,
        "partial": False,
        "finished_at": NOW - timedelta(hours=i),
    }
    fields.update(kw)
    return CandidateRow(**fields)


def a_comparison(rows: list[CandidateRow] | int = 3, **kw: Any) -> Comparison:
    if isinstance(rows, int):
        rows = [a_row(i) for i in range(rows)]
    fields: dict[str, Any] = {
        "role_name": "Backend engineer",
        "rubric": SECOND_INTERVIEW,
        "rows": tuple(rows),
        "sort_by": None,
        "calibrated": False,
        "calibrated_interviewers": (),
        "uncalibrated_interviewers": (),
        "other_rubric_rounds": 0,
        "themes": (
            ThemeCount("pay", 7, ("What's the bonus?", "Is there equity?")),
            ThemeCount("team", 2, ("Who would I work with?",)),
        ),
        "agreement": 0.62,
    }
    fields.update(kw)
    return Comparison(**fields)


LONG_NAME = ("Name " + EVIL + "x" * rules.CANDIDATE_NAME_MAX)[: rules.CANDIDATE_NAME_MAX]
LONG_THEMES = tuple(
    ThemeCount(t, 40, tuple((f"{EVIL} {t} {k} " + "q" * 120)[:120] for k in range(3)))
    for t in ("pay", "growth", "team", "product", "process", "other")
)


def worst_rows(rubric: Rubric, n: int = ROWS_PER_PAGE) -> list[CandidateRow]:
    return [
        a_row(
            i,
            LONG_NAME,
            rubric,
            means={c.key: 2.5 for c in rubric.criteria},
            tally={4: 3, 3: 3, 2: 3, 1: 3},  # 12 panelists at most
            disagreements=tuple(c.key for c in rubric.criteria),
            split_recommendation=True,
            strong_no=True,
            unresolved=rules.MAX_QUESTIONS,
            partial=True,
        )
        for i in range(n)
    ]


def worst_comparison(
    rubric: Rubric, rows: list[CandidateRow], *, interviewers: int, **kw: Any
) -> Comparison:
    """A comparison at its longest: these rows, the longest themes, and `interviewers`
    calibrated interviewers and as many uncalibrated ones named."""
    return a_comparison(
        rows,
        rubric=rubric,
        themes=LONG_THEMES,
        calibrated_interviewers=tuple(f"U{i:010d}" for i in range(interviewers)),
        uncalibrated_interviewers=tuple(f"W{i:010d}" for i in range(interviewers)),
        **kw,
    )


def rated(round_id: int, user: str, ratings: dict[str, int], rec: int) -> Rated:
    """One panelist's ratings on a "Backend engineer" round, as calibration reads them."""
    return Rated(round_id, f"U{user}", "Backend engineer", ratings, rec)
