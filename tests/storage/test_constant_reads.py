"""The comparison and the digest read a role's or a channel's rounds in a fixed number of
statements, whatever their number: 501 rounds is one past the 500 parents per query that
relationship loading batched by, which cost them extra statements before (bench.compare,
bench.digest, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.domain.panel import Status
from bot.services.digests import compose
from bot.services.role_data import calibration, finished_panels
from storage.db import Database
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.round_rows import HIRING, TEAM

SIZES = [3, 501]


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    """The SQL statements sent meanwhile, transaction control left out."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:8].upper().startswith(("BEGIN", "COMMIT", "PRAGMA")):
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


@pytest.mark.parametrize("rounds", SIZES)
def test_the_comparison_reads_in_constant_statements(database: Database, rounds: int) -> None:
    role_id = seed_finished_rounds(database, rounds).role_id
    with counted(database) as statements, database.read() as session:
        panels = finished_panels(session, TEAM, role_id)
        calibration(session, TEAM)
    assert len(panels) == rounds and all(len(p.feedback) == 3 for p in panels)
    # rounds, panelists, questions, feedback, decisions, outcomes and check-ins; then
    # calibration's feedback and ratings
    assert len(statements) == 9, statements


@pytest.mark.parametrize("rounds", SIZES)
def test_the_digest_reads_in_constant_statements(database: Database, rounds: int) -> None:
    seed_finished_rounds(database, rounds, status=Status.OPEN, submitted=lambda n: ["UANA"])
    seed_finished_rounds(database, rounds)
    now = BASE + timedelta(days=30)
    with counted(database) as statements, database.read() as session:
        digest = compose(session, TEAM, HIRING, None, now)
    assert len(digest.in_flight) == rounds
    assert sum(len(r.rounds) for r in digest.rankings) == rounds
    # open rounds, panelists, questions, who submitted; finished rounds, panelists,
    # questions, feedback; first decisions
    assert len(statements) == 9, statements
