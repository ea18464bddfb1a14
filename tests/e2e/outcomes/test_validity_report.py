"""The validity report from the database, on both databases: `/panel validity <role>` through
the real HTTP app answers the requester alone (an ephemeral table, the chart in their DM,
nothing in the hiring channel), for the role's organizers and workspace admins only, with
numbers when there are enough outcomes and "too few to say" when not; `all` is for admins;
the report reads a role in the same number of queries however many rounds it has."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.calibration import Rated
from bot.domain.validity import (
    AGAINST,
    RANGE_RESTRICTED,
    OutcomeKind,
    RoundOutcome,
    validity_table,
)
from bot.services.validity import role_validity
from bot.views.validity import validity_message
from storage import role_queries
from storage.db import Database
from tests.slack.blockkit import message_errors
from tests.support.cli import run_cli
from tests.support.finished_outcomes import AGAINST as AGAINST_KEY
from tests.support.finished_outcomes import seed_role_with_outcomes
from tests.support.harness import ANA, HIRING, ORG, Harness
from tests.support.statements import statements_sent
from tests.support.texts import strings_in

ADMIN = "UADMIN"
TEAM = "T0001"


def report(h: Harness, user: str, text: str) -> list[dict[str, Any]]:
    before = len(h.standin.responses)
    reply = h.driver.command(user, f"validity {text}", channel_id=HIRING)
    assert reply.status == 200, reply.body
    return h.wait_for(lambda: h.standin.responses[before:], f"/panel validity {text}")


def table_cells(message: dict[str, Any]) -> list[list[str]]:
    (table,) = [b for b in message["blocks"] if b["type"] == "table"]
    return [[cell["text"] for cell in row] for row in table["rows"]]


def test_the_report_with_enough_outcomes_and_with_too_few(harness: Harness) -> None:
    h = harness
    seed_role_with_outcomes(h.db, 240, 80)
    seed_role_with_outcomes(h.db, 12, 4, role="Designer")

    (told,) = report(h, ORG, "staff engineer")
    assert told["response_type"] == "ephemeral"
    cells = table_cells(told)
    assert cells[0] == ["Score", "Agreement (α)", *(k.label for k in OutcomeKind)]
    assert [row[0] for row in cells[1:3]] == ["Overall score", "Depth of skills and experience"]
    overall = cells[1]
    assert overall[2].startswith("+") and "], n = 240" in overall[2]  # advanced vs not
    assert "n = 80" in overall[3]  # performance at 6 months, hires only
    text = "\n".join(strings_in(told["blocks"]))
    assert "240 finished rounds with ratings" in text
    flagged = [row for row in cells[1:] if row[0].startswith("⚠")]
    assert len(flagged) == 1 and AGAINST_KEY not in flagged[0][0]  # the name, not the key
    assert f"{AGAINST}." in text
    assert RANGE_RESTRICTED in str(told["blocks"])
    # The chart is in the requester's DM, never in the hiring channel.
    (chart,) = h.wait_for(lambda: h.standin.files_in(ORG), "the chart in the DM")
    assert chart["filename"] == "validity.png" and chart["content"].startswith(b"\x89PNG")
    assert h.standin.files_in(HIRING) == []
    channel = str(h.standin.messages_in(HIRING))
    assert "Agreement" not in channel and "validity" not in channel.lower()

    (few,) = report(h, ORG, "designer")
    cells = table_cells(few)
    assert cells[1][3] == "n = 4: 26 more needed"
    text = "\n".join(strings_in(few["blocks"]))
    assert "*Too few to say yet* (a correlation needs 30 pairs)" in text
    assert "• Performance at 6 months: 4 known, 26 more needed" in text


def test_only_organizers_and_admins(harness: Harness) -> None:
    h = harness
    seed_role_with_outcomes(h.db, 40, 10)
    (refused,) = report(h, ANA, "staff engineer")
    assert refused["text"] == (
        "Only organizers of Staff Engineer panels and workspace admins can see whether its "
        "panels predict outcomes."
    )
    (refused,) = report(h, ORG, "all")
    assert refused["text"] == "Only workspace admins can see the validity of every role."
    h.standin.add_user(ADMIN, "adele", real_name="Adele Admin", is_admin=True)
    (shown,) = report(h, ADMIN, "all")
    assert "Do the Staff Engineer panels predict" in str(shown["blocks"])
    (shown,) = report(h, ADMIN, "staff engineer")
    assert table_cells(shown)[1][0] == "Overall score"


@pytest.mark.parametrize("rounds", [60, 300])
def test_a_constant_number_of_queries(database: Database, rounds: int) -> None:
    seeded = seed_role_with_outcomes(database, rounds, rounds // 4)
    with statements_sent(database) as statements, database.read() as session:
        role = role_queries.role(session, TEAM, seeded.role_id)
        assert role is not None
        found = role_validity(session, TEAM, role)
    assert len(statements) == 6, statements  # the role, then role_validity's five
    assert found.table.rounds == rounds
    assert found.table.with_outcome[OutcomeKind.PERF_12M] == rounds // 4


def test_the_cli_prints_the_report(cli: Database, capsys: pytest.CaptureFixture[str]) -> None:
    seed_role_with_outcomes(cli, 60, 20)
    code, out, err = run_cli(capsys, "validity", "--role", "staff ENGINEER", "--team", TEAM)
    assert (code, err) == (0, "")
    assert out.startswith("Staff Engineer: 60 finished rounds with ratings\n\nOverall score")
    assert "  Performance at 6 months: too few to say: 20 pairs, 10 more needed\n" in out
    assert "Advanced: +" in out and RANGE_RESTRICTED in out
    code, out, err = run_cli(capsys, "validity", "--role", "nobody", "--team", TEAM)
    assert code == 2 and out == ""
    assert err == 'panelbot: No single role matches "nobody". Roles: Staff Engineer.\n'


def test_the_worst_case_report_fits_and_is_escaped() -> None:
    """Eight criteria with long names full of mrkdwn, a long role name: within Slack's
        limits (the stand-in's own check), the names escaped where they are mrkdwn, with flagged
    criteria among them."""
    evil = "<!channel> *bold* <https://x.example|y> & "
    criteria = [(f"c{i}", (evil * 10)[:200]) for i in range(8)]
    rated = [
        Rated(rid, user, "r", {k: (1 + (rid + i) % 4) for i, (k, _) in enumerate(criteria)}, 3)
        for rid in range(1, 41)
        for user in ("U1", "U2")
    ]
    # Whoever rated higher did worse: every criterion goes against how people did.
    outcomes = {
        rid: RoundOutcome(advanced=(1 + rid % 4) < 3, perf_6m=4 - rid % 4) for rid in range(1, 41)
    }
    table = validity_table(criteria, rated, outcomes)
    built = validity_message((evil * 5)[:100], table, chart=True)
    assert message_errors(built.blocks) == []
    assert len([b for b in built.blocks if b["type"] == "table"]) == 1
    for block in built.blocks:
        if block["type"] == "section":
            assert "<!channel>" not in block["text"]["text"]
    (grid,) = [b for b in built.blocks if b["type"] == "table"]
    assert len(grid["rows"]) == 10 and all(len(row) == 6 for row in grid["rows"])
    assert "&lt;!channel&gt;" in str(built.blocks)
    assert any(row.against for row in table.rows), "a flagged row is rendered too"


def test_the_chart_is_a_png_the_same_for_the_same_table() -> None:
    from bench.validity import CRITERIA, seeded_role
    from bot.views.validity_chart import validity_png

    rated, outcomes = seeded_role(120, 40)
    table = validity_table(CRITERIA, rated, outcomes)
    first = validity_png("Staff <!channel> $x$ Engineer", table)
    assert first.startswith(b"\x89PNG") and first == validity_png(
        "Staff <!channel> $x$ Engineer", table
    )
    assert validity_png("Empty", validity_table(CRITERIA, [], {})).startswith(b"\x89PNG")
