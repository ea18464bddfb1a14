"""The comparison read as counts (compared_panels: ratings counted by the database, the
drafts decoded only in part) is the comparison built from every draft (finished_panels +
build_comparison), to the last bit of every mean, on both databases: ties, criteria left
unrated, removed panelists, rounds closed early, round-1 doubts, two rubric versions, the
calibrated view and a sort by criterion (docs/performance.md, issue 15)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.calibration import calibrate
from bot.domain.comparison import Comparison, build_comparison
from bot.domain.feedback import FeedbackDraft, QuestionAnswer, Rating, Resolution, draft_to_data
from bot.domain.panel import Status
from bot.domain.panel_figures import figures_of
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import summarize
from bot.services.comparisons import CompareRequest, load_comparison
from bot.services.role_data import finished_panels, rated
from storage import queries, role_queries
from storage.db import Database
from storage.feedback_rows import save_feedback
from storage.models import Feedback, Panelist, Question
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.round_rows import TEAM, Seeded

ROLE = "Staff Engineer"
V1 = replace(SECOND_INTERVIEW, version=1)
V2 = replace(SECOND_INTERVIEW, version=2)
KEYS = [c.key for c in SECOND_INTERVIEW.criteria]
ASKED = (
    "What is the salary range?",
    "How do promotions work?\nWho is on the team?",
    "Is there on-call? What about équipe SALARY",
    "",
)


def ratings(n: int, user: str) -> dict[str, int]:
    """Spread ratings, a criterion nobody rated every fifth round, one a panelist skips."""
    rng = random.Random(f"{n}-{user}")
    given = {key: rng.randint(1, 4) for key in KEYS}
    if n % 5 == 0:
        del given[KEYS[0]]
    if user == "UBEN" and n % 3 == 0:
        del given[KEYS[1]]
    if n % 7 == 3:  # the same for everyone: ties
        given = dict.fromkeys(KEYS, 3)
    return given


def recommendation(n: int, user: str) -> int:
    return 3 if n % 4 == 0 else random.Random(f"rec-{n}-{user}").randint(1, 4)


def resolution(n: int, user: str, position: int) -> Resolution | None:
    choices = [Resolution.RESOLVED, Resolution.RESOLVED, Resolution.PARTLY, None]
    return random.Random(f"doubt-{n}-{user}-{position}").choice(choices)


def seed(database: Database, count: int, **kw: Any) -> Seeded:
    return seed_finished_rounds(
        database,
        count,
        role=ROLE,
        ratings=ratings,
        recommendation=recommendation,
        asked=lambda n, user: ASKED[(n + len(user)) % len(ASKED)],
        doubts=2,
        resolution=resolution,
        **kw,
    )


def seed_role(database: Database) -> int:
    role_id = seed(database, 4, rubric=V1).role_id
    seed(
        database,
        14,
        rubric=V2,
        panel=("UANA", "UBEN", "UCY", "UDEE"),
        submitted=lambda n: ("UANA", "UBEN", "UCY") if n % 6 else ("UANA", "UBEN", "UCY", "UDEE"),
        finished_at=lambda n: BASE + timedelta(days=2, hours=n),
    )
    closed = seed(
        database,
        4,
        rubric=V2,
        status=Status.CLOSED,
        submitted=lambda n: ("UANA",) if n == 0 else ("UANA", "UCY"),
        finished_at=lambda n: BASE + timedelta(days=3, hours=n),
    )
    # Another role: calibration reads the whole workspace.
    seed_finished_rounds(
        database, 6, role="Designer", ratings=ratings, recommendation=recommendation
    )
    with database.transaction() as session:  # UCY left two panels after giving feedback
        session.execute(
            update(Panelist)
            .where(Panelist.round_id.in_(closed.round_ids[2:]), Panelist.user_id == "UCY")
            .values(removed_at=BASE)
        )
    return role_id


def both_ways(
    database: Database, role_id: int, request: CompareRequest
) -> tuple[Comparison, Comparison]:
    with database.read() as session:
        role = role_queries.role(session, TEAM, role_id)
        assert role is not None
        counted, resolved = load_comparison(session, TEAM, role, request)
        panels = finished_panels(session, TEAM, role_id)
        interviewers = calibrate(rated(session, TEAM)) if request.calibrated else None
    decoded = build_comparison(
        role.name, panels, sort_by=resolved.sort_by, calibration=interviewers
    )
    # The figures from the drafts say what the panel summary says.
    for p in panels:
        summary = summarize(p.round.rubric, list(p.feedback), list(p.round.questions))
        figures = figures_of(p.round, p.feedback, p.finished_at)
        assert figures.unresolved == len(summary.open_questions)
        assert [c.key for c in summary.criteria if c.disagreement] == [
            k for k in KEYS if (f := figures.criteria.get(k)) and f.disagreement
        ]
    return counted, decoded


@pytest.mark.parametrize("calibrated", [False, True])
@pytest.mark.parametrize("sort_by", [None, KEYS[0]])
def test_counted_comparison_is_the_decoded_one(
    database: Database, calibrated: bool, sort_by: str | None
) -> None:
    role_id = seed_role(database)
    counted, decoded = both_ways(database, role_id, CompareRequest(role_id, sort_by, calibrated))
    assert counted == decoded
    # The data reaches every case named above.
    rows = counted.rows
    assert len(rows) == 18 and counted.other_rubric_rounds == 4
    assert any(r.partial for r in rows) and any(r.unresolved for r in rows)
    assert any(r.means[KEYS[0]] is None for r in rows)
    assert any(r.disagreements for r in rows) and any(r.split_recommendation for r in rows)
    assert any(r.strong_no for r in rows)
    overall = [r.overall for r in rows]
    assert len(set(overall)) < len(overall)  # ties
    assert counted.themes and counted.agreement is not None
    if calibrated:
        assert counted.calibrated_interviewers and counted.uncalibrated_interviewers


def test_an_empty_role_compares_alike(database: Database) -> None:
    with database.transaction() as session:
        role_id = queries.ensure_role(session, TEAM, ROLE).id
    counted, decoded = both_ways(database, role_id, CompareRequest(role_id))
    assert counted == decoded and not counted.rows


def test_feedback_saved_later_compares_alike(database: Database) -> None:
    """The columns the comparison reads are written by every save (storage.feedback_rows),
    a first submission and an edit alike, not only by the seed."""
    panel, submitted = ("UANA", "UBEN", "UCY"), ("UANA", "UBEN")
    seeded = seed(database, 2, rubric=V2, panel=panel, submitted=lambda n: submitted)
    first, second = seeded.round_ids
    given = tuple(Rating(k, 2, "seen") for k in KEYS)
    with database.transaction() as session:
        doubts = session.scalars(
            select(Question.id).where(Question.round_id == first).order_by(Question.position)
        ).all()
        partly = tuple(QuestionAnswer(q, Resolution.PARTLY) for q in doubts)
        saves: tuple[tuple[int, str, str, tuple[QuestionAnswer, ...]], ...] = (
            (first, "UCY", "Is there equity?", partly),
            (second, "UANA", "", ()),
        )
        for round_id, user, asked, answered in saves:
            draft = FeedbackDraft(given, 1, answered, asked)
            mine = session.scalar(
                select(Feedback).where(Feedback.round_id == round_id, Feedback.user_id == user)
            )
            assert (mine is None) == (user == "UCY")  # a first submission, then an edit
            ratings = [(r.criterion_key, r.rating) for r in given]
            save_feedback(
                session, TEAM, round_id, user, mine, draft_to_data(draft), 1, ratings, BASE
            )
    counted, decoded = both_ways(database, seeded.role_id, CompareRequest(seeded.role_id))
    assert counted == decoded
    by_round = {r.round.id: r for r in counted.rows}
    assert by_round[first].unresolved == len(doubts) == 2
    assert by_round[second].tally[1] >= 1
    assert any("Is there equity?" in t.examples for t in counted.themes)
