"""The confidentiality scan (tests/support/confidentiality_room.py) over outcomes: the
offer, a hire's check-in answers and the validity report reach the organizer alone (a role's
organizers and admins may see them; the matrix's other people are neither), and never a
message in the hiring channel, whoever clicks and types what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.slack.state import V
from tests.support.confidentiality_room import (
    EVERYONE,
    Room,
    all_logs,
    give_feedback,
    leaks,
    room_with_a_round,
    summary_of,
)
from tests.support.decision_form import decision_values
from tests.support.finished_outcomes import seed_role_with_outcomes
from tests.support.harness import HIRING, ORG, Harness
from tests.support.reliability import Outcome, record
from tests.support.rows import database_name

pytestmark = pytest.mark.reliability

NOTE = "ORG-CHECKIN-3e9a"
START = date(2027, 1, 5)
SIX = datetime(2027, 7, 5, 8, 1, tzinfo=UTC)  # 10:01 in Berlin, the organizer's zone


def advance(room: Room, round_id: int) -> dict[str, object]:
    summary = summary_of(room.h)
    view = room.open_modal(
        ORG, "panel_decision", lambda: room.click(ORG, summary, "record_decision", str(round_id))
    )
    values = decision_values("advance", "The panel agreed.", [ORG])
    assert room.submit(ORG, view, values).json()["response_action"] == "update"
    return room.h.wait_for(
        lambda: [m for m in room.h.thread() if "Decision on" in m.get("text", "")], "decision"
    )[0]


def test_outcomes_reach_the_organizer_alone(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    outcome = Outcome("confidentiality: outcomes, 7 people", database_name(h.db))
    with all_logs(caplog):
        room, round_id = room_with_a_round(h)
        seed_role_with_outcomes(h.db, 40, 12)  # enough for the report to show numbers
        for user in ("UANA", "UBEN", "UCY"):
            give_feedback(room, user, f"{user}-notes", 3)
        decision = advance(room, round_id)
        view = room.open_modal(
            ORG, "panel_outcome", lambda: room.click(ORG, decision, "record_outcome", str(round_id))
        )
        values = {
            "offer": {"value": V.radio("accepted")},
            "start_date": {"value": V.date(START.isoformat())},
        }
        assert room.submit(ORG, view, values).json()["response_action"] == "update"
        h.clock.set(SIX)
        h.tick()
        room.settle()
        dm = h.standin.posted(f"D{ORG}", text_contains="6-month check-in")[0]
        value = f"{round_id}:6"
        view = room.open_modal(
            ORG, "panel_check_in", lambda: room.click(ORG, dm, "answer_check_in", value)
        )
        answer = {
            "still_there": {"value": V.radio("yes")},
            "rating": {"value": V.radio("4")},
            "note": {"value": V.text(NOTE)},
        }
        assert room.submit(ORG, view, answer).json()["response_action"] == "update"
        for user in EVERYONE:
            room.click(user, decision, "record_outcome", str(round_id))
            room.click(user, dm, "answer_check_in", value)
            room.click(user, dm, "delegate_check_in", value)
            room.command(user, "validity Staff Engineer")
            room.command(user, "validity all")
            room.command(user, "export Staff Engineer")
        h.clock.advance(timedelta(days=200))
        h.tick()
        room.settle()

        shown = room.shown()
        problems = leaks(shown, NOTE, frozenset({ORG}))
        # The validity table reached the organizer (and the export their DM with the note).
        told = [i for i in shown if "Do the Staff Engineer panels predict" in i.text()]
        assert told and all(i.audience == {ORG} for i in told), [i.where for i in told]
        problems += leaks(shown, "Do the Staff Engineer panels predict", frozenset({ORG}))
        in_channel = [i for i in shown if i.where.endswith((f"→ {HIRING}", f"in {HIRING}"))]
        assert in_channel
        problems += [
            f"{i.where} tells an outcome"
            for i in in_channel
            for word in ("check-in", "Offer accepted", NOTE, "still with", "Agreement (α)")
            if word in i.text()
        ]
        outcome.trials += len(shown)
    outcome.failures = len(problems)
    outcome.notes = problems[:5]
    record(outcome)
    assert not problems, problems
