"""The comparison and the digest read a role's or a channel's rounds in a fixed number of
statements, whatever their number: 501 rounds is one past the 500 parents per query that
relationship loading batched by, which cost them extra statements before (bench.compare,
bench.digest, docs/performance.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.panel import Status
from bot.services.comparisons import CompareRequest, load_comparison
from bot.services.digests import compose
from bot.services.role_data import finished_panels
from storage import role_queries
from storage.db import Database
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.round_rows import HIRING, TEAM
from tests.support.statements import statements_sent

SIZES = [3, 501]


@pytest.mark.parametrize("rounds", SIZES)
def test_the_comparison_reads_in_constant_statements(database: Database, rounds: int) -> None:
    role_id = seed_finished_rounds(database, rounds).role_id
    with database.read() as session:
        role = role_queries.role(session, TEAM, role_id)
    assert role is not None
    request = CompareRequest(role_id, calibrated=True)
    with statements_sent(database) as statements, database.read() as session:
        comparison, _ = load_comparison(session, TEAM, role, request)
    assert len(comparison.rows) == rounds
    assert all(sum(row.tally.values()) == 3 for row in comparison.rows)
    # rounds, panelists, questions, feedback, criterion counts; then calibration's
    # feedback and ratings
    assert len(statements) == 7, statements


@pytest.mark.parametrize("rounds", SIZES)
def test_the_export_reads_in_constant_statements(database: Database, rounds: int) -> None:
    role_id = seed_finished_rounds(database, rounds).role_id
    with statements_sent(database) as statements, database.read() as session:
        panels = finished_panels(session, TEAM, role_id)
    assert len(panels) == rounds and all(len(p.feedback) == 3 for p in panels)
    # rounds, panelists, questions, feedback, decisions, outcomes and check-ins
    assert len(statements) == 7, statements


@pytest.mark.parametrize("rounds", SIZES)
def test_the_digest_reads_in_constant_statements(database: Database, rounds: int) -> None:
    seed_finished_rounds(database, rounds, status=Status.OPEN, submitted=lambda n: ["UANA"])
    seed_finished_rounds(database, rounds)
    now = BASE + timedelta(days=30)
    with statements_sent(database) as statements, database.read() as session:
        digest = compose(session, TEAM, HIRING, None, now)
    assert len(digest.in_flight) == rounds
    assert sum(len(r.rounds) for r in digest.rankings) == rounds
    # the open and finished rounds (with their first decisions and panel sizes); the
    # panelists (of the open rounds who is missing), questions and feedback of the finished
    assert len(statements) == 2, statements
