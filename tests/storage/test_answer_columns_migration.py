"""Migration 0009 copies what the candidate asked and the round-1 doubts' answers out of
every feedback's answers into their own columns, as storage.feedback_rows writes them
(the comparison reads only these: docs/performance.md), on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select

from storage.db import Database
from storage.feedback_rows import answer_columns
from storage.migrate import downgrade, is_current, upgrade
from storage.models import Feedback
from tests.storage.test_comparison_reads import seed


def stored(database: Database) -> list[tuple[int, dict[str, Any], str, list[Any]]]:
    with database.read() as session:
        found = session.execute(
            select(
                Feedback.id, Feedback.answers, Feedback.candidate_questions, Feedback.doubt_answers
            ).order_by(Feedback.id)
        )
        return [tuple(row) for row in found]


def test_the_migration_fills_the_columns_from_the_answers(database: Database) -> None:
    seed(database, 6)
    written = stored(database)
    assert any(asked for _, _, asked, _ in written) and any(d for _, _, _, d in written)
    downgrade(database.engine, "0008")
    try:
        columns = {c["name"] for c in inspect(database.engine).get_columns("feedback")}
        assert "candidate_questions" not in columns and "doubt_answers" not in columns
    finally:
        upgrade(database.engine)
    assert is_current(database.engine)
    backfilled = stored(database)
    assert backfilled == written
    for _, answers, asked, doubts in backfilled:
        assert {"candidate_questions": asked, "doubt_answers": doubts} == answer_columns(answers)
