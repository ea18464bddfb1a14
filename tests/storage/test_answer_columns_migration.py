"""Migration 0009 copies what the candidate asked and the round-1 doubts' answers out of
every feedback's answers into their own columns, as storage.feedback_rows writes them
(the comparison reads only these: docs/performance.md), on both databases, and leaves every
other row as it was: on SQLite a table rebuild's DROP TABLE feedback would cascade to the
ratings and revisions (foreign keys are on)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

from bot.domain.feedback import Resolution
from storage.db import Database
from storage.feedback_rows import answer_columns
from storage.migrate import downgrade, is_current, upgrade
from storage.models import Feedback, FeedbackRevision, RatingRow
from tests.support.finished_rounds import seed_finished_rounds

RESOLUTIONS = (Resolution.RESOLVED, Resolution.PARTLY, None)


def stored(database: Database) -> list[tuple[int, dict[str, Any], str, list[Any]]]:
    with database.read() as session:
        found = session.execute(
            select(
                Feedback.id, Feedback.answers, Feedback.candidate_questions, Feedback.doubt_answers
            ).order_by(Feedback.id)
        )
        return [tuple(row) for row in found]


def kept_rows(database: Database) -> tuple[int, int]:
    """How many ratings and revisions there are: what hangs on the feedback rows."""
    with database.read() as session:
        ratings = session.scalar(select(func.count()).select_from(RatingRow))
        revisions = session.scalar(select(func.count()).select_from(FeedbackRevision))
    return int(ratings or 0), int(revisions or 0)


def test_the_migration_fills_the_columns_and_keeps_every_other_row(database: Database) -> None:
    seed_finished_rounds(
        database,
        6,
        ratings=lambda n, user: 1 + (n + len(user)) % 4,
        asked=lambda n, user: "How is on-call?" if n % 2 else "",
        doubts=2,
        resolution=lambda n, user, position: RESOLUTIONS[(n + position) % 3],
    )
    written = stored(database)
    before = kept_rows(database)
    assert any(asked for _, _, asked, _ in written) and any(d for _, _, _, d in written)
    assert all(before)
    downgrade(database.engine, "0008")
    try:
        columns = {c["name"] for c in inspect(database.engine).get_columns("feedback")}
        assert "candidate_questions" not in columns and "doubt_answers" not in columns
        assert kept_rows(database) == before
    finally:
        upgrade(database.engine)
    assert is_current(database.engine)
    backfilled = stored(database)
    assert backfilled == written
    assert kept_rows(database) == before
    for _, answers, asked, doubts in backfilled:
        assert {"candidate_questions": asked, "doubt_answers": doubts} == answer_columns(answers)
