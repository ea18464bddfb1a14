"""Finished rounds with feedback, written straight through the ORM in one transaction.

`seed_finished_rounds` stores what the bot would have stored for rounds that ran their
course: the round (complete, or closed early), its panelists, and each submitting
panelist's feedback the way FeedbackService keeps it (the draft as `answers`, the ratings
normalised into `ratings` rows, revision 1 in `feedback_revisions`). Bulk inserts keep
hundreds of rounds fast on both databases.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    QuestionAnswer,
    Rating,
    Resolution,
    draft_to_data,
)
from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from storage import queries
from storage.db import Database
from storage.feedback_rows import answer_columns
from storage.models import (
    Feedback,
    FeedbackRevision,
    Panelist,
    Question,
    RatingRow,
    RoleRubric,
    Round,
)
from tests.support.clock import TEST_START
from tests.support.round_rows import HIRING, ORGANIZER, TEAM, Seeded, round_row

PANEL = ("UANA", "UBEN", "UCY")
NAMES = {"UANA": "Ana Tanaka", "UBEN": "Ben Miller", "UCY": "Cy Weber", "UDEE": "Dee Jones"}
# Weeks before any round a test starts through the app (those start at the test clock's
# TEST_START or later), so those are the role's newest rounds.
BASE = TEST_START - timedelta(days=60)

# (round number, panelist) → one rating for every criterion, or criterion key → rating
# (a criterion left out is left unrated).
Ratings = Callable[[int, str], int | Mapping[str, int]]
# (round number, panelist, doubt position) → their answer to that round-1 doubt, or None.
Resolutions = Callable[[int, str, int], Resolution | None]


def seed_finished_rounds(
    db: Database,
    count: int,
    *,
    role: str = "Staff Engineer",
    team: str = TEAM,
    organizer: str = ORGANIZER,
    channel: str = HIRING,
    panel: Sequence[str] = PANEL,
    rubric: Rubric = SECOND_INTERVIEW,
    ratings: Ratings = lambda n, user: 3,
    recommendation: Callable[[int, str], int] = lambda n, user: 3,
    submitted: Callable[[int], Sequence[str]] | None = None,
    candidate: Callable[[int], str] = lambda n: f"Candidate {n + 1:03d}",
    finished_at: Callable[[int], datetime] = lambda n: BASE + timedelta(hours=n),
    status: str = Status.COMPLETE,
    asked: str | Callable[[int, str], str] = "",
    doubts: int = 0,
    resolution: Resolutions = lambda n, user, position: None,
) -> Seeded:
    """`count` finished rounds of `role` (created when new) in `channel`, numbered 0…count-1
    for the callables: each round's panel is `panel`, of whom `submitted(n)` (default: all)
    gave feedback. A COMPLETE round is `completed_at` its finish time, a CLOSED one
    `closed_at` it (closed early: give fewer submitters). Each round has `doubts` round-1
    doubts, which each submitter answers as `resolution` says; `asked` is what the candidate
    asked, the same for everyone or per (round number, panelist)."""
    batch = uuid.uuid4().hex[:8]
    with db.transaction() as session:
        role_id = queries.ensure_role(session, team, role).id
        round_ids = list(
            session.scalars(
                insert(Round).returning(Round.id, sort_by_parameter_order=True),
                [
                    _round_row(
                        team,
                        role_id,
                        organizer,
                        channel,
                        rubric,
                        candidate(n),
                        finished_at(n),
                        status,
                        f"seed-{batch}-{n}",
                    )
                    for n in range(count)
                ],
            )
        )
        session.execute(
            insert(Panelist),
            [
                {
                    "team_id": team,
                    "round_id": round_id,
                    "user_id": user,
                    "display_name": NAMES.get(user, user),
                    "tz": "UTC",
                    "added_at": finished_at(n) - timedelta(days=3),
                }
                for n, round_id in enumerate(round_ids)
                for user in panel
            ],
        )
        question_ids = {
            round_id: list(
                session.scalars(
                    insert(Question).returning(Question.id, sort_by_parameter_order=True),
                    [
                        {
                            "team_id": team,
                            "round_id": round_id,
                            "position": position,
                            "text": f"Doubt {position + 1}",
                        }
                        for position in range(doubts)
                    ],
                )
            )
            if doubts
            else []
            for round_id in round_ids
        }
        given = [
            (n, round_id, user)
            for n, round_id in enumerate(round_ids)
            for user in (panel if submitted is None else submitted(n))
        ]
        drafts = [
            _draft(
                rubric,
                ratings(n, user),
                recommendation(n, user),
                asked if isinstance(asked, str) else asked(n, user),
                tuple(
                    QuestionAnswer(question_id, found)
                    for position, question_id in enumerate(question_ids[round_id])
                    if (found := resolution(n, user, position)) is not None
                ),
            )
            for n, round_id, user in given
        ]
        feedback_ids = []
        if given:
            feedback_ids = list(
                session.scalars(
                    insert(Feedback).returning(Feedback.id, sort_by_parameter_order=True),
                    [
                        {
                            "team_id": team,
                            "round_id": round_id,
                            "user_id": user,
                            "revision": 1,
                            "recommendation": draft.recommendation,
                            "answers": draft_to_data(draft),
                            **answer_columns(draft_to_data(draft)),
                            "submitted_at": finished_at(n) - timedelta(hours=1),
                            "updated_at": finished_at(n) - timedelta(hours=1),
                        }
                        for (n, round_id, user), draft in zip(given, drafts, strict=True)
                    ],
                )
            )
            rating_rows = [
                {
                    "team_id": team,
                    "feedback_id": feedback_id,
                    "criterion_key": r.criterion_key,
                    "rating": r.rating,
                }
                for feedback_id, draft in zip(feedback_ids, drafts, strict=True)
                for r in draft.ratings
            ]
            if rating_rows:
                session.execute(insert(RatingRow), rating_rows)
            session.execute(
                insert(FeedbackRevision),
                [
                    {
                        "team_id": team,
                        "feedback_id": feedback_id,
                        "revision": 1,
                        "answers": draft_to_data(draft),
                    }
                    for feedback_id, draft in zip(feedback_ids, drafts, strict=True)
                ],
            )
    return Seeded(role_id, round_ids, [(round_id, user) for _, round_id, user in given])


def _round_row(
    team: str,
    role_id: int,
    organizer: str,
    channel: str,
    rubric: Rubric,
    candidate: str,
    finished: datetime,
    status: str,
    view_id: str,
) -> dict[str, Any]:
    """A round that ran its course: its summary out at `finished`."""
    return round_row(
        role_id,
        candidate,
        view_id,
        interview_at=finished - timedelta(days=1),
        due_at=finished,
        created_at=finished - timedelta(days=3),
        team=team,
        organizer=organizer,
        channel=channel,
        rubric=rubric,
        status=status,
    ) | {
        "summary_claimed_at": finished,
        "completed_at": finished if status == Status.COMPLETE else None,
        "closed_at": finished if status == Status.CLOSED else None,
    }


def _draft(
    rubric: Rubric,
    given: int | Mapping[str, int],
    recommendation: int,
    asked: str,
    answers: tuple[QuestionAnswer, ...],
) -> FeedbackDraft:
    def rating_of(key: str) -> int | None:
        return given if isinstance(given, int) else given.get(key)

    return FeedbackDraft(
        ratings=tuple(
            Rating(c.key, rating, f"Seen in the interview ({c.name}).")
            for c in rubric.criteria
            if (rating := rating_of(c.key)) is not None
        ),
        recommendation=recommendation,
        question_answers=answers,
        candidate_questions=asked,
        engagement=Engagement.HIGH,
    )


def rubric_versions(db: Database, role_id: int) -> list[int]:
    with db.read() as session:
        return list(
            session.scalars(
                select(RoleRubric.version)
                .where(RoleRubric.role_id == role_id)
                .order_by(RoleRubric.version)
            )
        )
