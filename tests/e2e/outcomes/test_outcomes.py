"""Outcomes end to end through the real HTTP app, on both databases: after a decision to
advance the organizer records the offer and a start date from the decision's message
(nobody else may); 6 and 12 months after the start Panelbot asks the organizer in a DM
through the scheduler's clock (quiet hours hold it, retries send it once); "Not my report
any more" hands the 12-month question to another person, who answers it. No outcome ever
reaches the hiring channel."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.work_kinds import check_in_key
from storage.db import Database
from storage.models import DueWork, Round, WorkState
from storage.outcome_models import CheckIn, RoundOutcomeRow
from storage.retention import purge_finished_rounds
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support.check_in_dates import SIX, START
from tests.support.decision_form import decision_values
from tests.support.finished_outcomes import hire
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.forgetting import ask_to_forget, confirm
from tests.support.harness import ANA, BEN, CY, DEE, HIRING, ORG, Harness, button
from tests.support.rows import count
from tests.support.slack_requests import send_together, submission

TWELVE = datetime(2028, 1, 5, 9, tzinfo=UTC)
LATE = timedelta(seconds=30)
TEAM = "T0001"
NOTE = "Leads the <!channel> migration *well*"
RATIONALE = "Strong on every criterion; the debrief agreed with the aggregate."


def advanced(h: Harness) -> tuple[int, dict[str, Any]]:
    """A round whose panel said yes, decided Advance: the decision's message in the thread."""
    round_id = h.start_round()
    for user in (ANA, BEN, CY):
        h.give_feedback(user)
    summary = h.wait_for(lambda: h.thread(), "the summary")[0]
    view = h.click_for_modal(ORG, summary, "record_decision", "panel_decision")
    values = decision_values("advance", RATIONALE, [ORG, ANA, BEN, CY])
    reply = h.driver.view_submission(ORG, view, values)
    assert reply.json()["response_action"] == "update", reply.body
    posted = h.wait_for(
        lambda: [m for m in h.thread() if "Decision on Ada Lovelace" in m.get("text", "")],
        "the decision in the thread",
    )
    return round_id, posted[0]


def outcome_values(offer: str, start: str | None) -> dict[str, dict[str, Any]]:
    return {"offer": {"value": V.radio(offer)}, "start_date": {"value": V.date(start)}}


def check_in_dms(h: Harness, user: str, months: int) -> list[dict[str, Any]]:
    return h.standin.posted(f"D{user}", text_contains=f"{months}-month check-in")


def answer(h: Harness, user: str, dm: dict[str, Any], values: dict[str, Any]) -> Reply:
    view = h.click_for_modal(user, dm, "answer_check_in", "panel_check_in")
    return h.driver.view_submission(user, view, values)


def check_ins(h: Harness, round_id: int) -> list[tuple[int, str, bool | None, int | None, Any]]:
    with h.db.read() as session:
        rows = session.scalars(
            select(CheckIn).where(CheckIn.round_id == round_id).order_by(CheckIn.months)
        ).all()
        return [(r.months, r.asked_user, r.still_there, r.rating, r.note) for r in rows]


def test_outcome_then_check_ins_at_6_and_12_months(harness: Harness) -> None:
    h = harness
    round_id, decision = advanced(h)
    assert button(decision, "record_outcome")["text"]["text"] == "Record outcome"

    # Only the organizer may record it, told where they clicked.
    seen = len(h.standin.responses)
    assert h.click(DEE, decision, "record_outcome").status == 200
    told = h.wait_for(lambda: h.standin.responses[seen:], "the refusal")
    assert "Only the organizer, <@UORG>, can record the outcome" in told[0]["text"]
    assert told[0]["response_type"] == "ephemeral"

    view = h.click_for_modal(ORG, decision, "record_outcome", "panel_outcome")
    reply = h.driver.view_submission(ORG, view, outcome_values("accepted", None))
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"start_date": "Give the start date: the check-ins count from it."},
    }
    raw = submission(h, ORG, view, outcome_values("accepted", START.isoformat()))
    reply, _ = send_together(h, raw, raw)  # a retry: saved the same, scheduled once
    shown = str(reply.json()["view"]["blocks"])
    assert "Offer accepted (hired)" in shown and "6 and 12 months after that" in shown
    with h.db.read() as session:
        outcome = session.scalars(select(RoundOutcomeRow)).one()
        assert (outcome.offer, outcome.start_date) == ("accepted", START)
        due = dict(
            session.execute(
                select(DueWork.key, DueWork.due_at).where(DueWork.kind == "check_in")
            ).all()
        )
    assert due == {check_in_key(round_id, 6): SIX, check_in_key(round_id, 12): TWELVE}

    # Nothing before the day; at 10:00 on it, one DM, however often the scheduler ticks.
    h.tick_at(SIX - timedelta(hours=1))
    assert check_in_dms(h, ORG, 6) == []
    h.tick_at(SIX + LATE)
    h.tick_at(SIX + 2 * LATE)
    dms = check_in_dms(h, ORG, 6)
    assert len(dms) == 1
    assert "started Tuesday 5 January 2027:" in dms[0]["blocks"][0]["text"]["text"]
    assert "6 months on, are they still with the company" in dms[0]["blocks"][0]["text"]["text"]

    # Someone else can't answer the organizer's question.
    seen = len(h.standin.responses)
    h.driver.block_action(
        DEE, "answer_check_in", value=button(dms[0], "answer_check_in")["value"], message=dms[0]
    )
    told = h.wait_for(lambda: h.standin.responses[seen:], "the refusal")
    assert "This check-in is asked of <@UORG>." in told[0]["text"]

    values = {
        "still_there": {"value": V.radio("yes")},
        "rating": {"value": V.radio("3")},
        "note": {"value": V.text(NOTE)},
    }
    unselected = {"type": "radio_buttons", "selected_option": None}
    missing = {**values, "rating": {"value": unselected}}
    assert answer(h, ORG, dms[0], missing).json()["errors"] == {
        "rating": "Rate how they are doing against the role."
    }
    reply = answer(h, ORG, dms[0], values)
    assert "the 6-month check-in on *Ada Lovelace* is saved" in str(reply.json()["view"])
    assert check_ins(h, round_id) == [(6, ORG, True, 3, NOTE)]

    # 12 months: the evening is quiet hours, so it waits for the morning.
    h.tick_at(TWELVE.replace(hour=20))  # 21:00 in Berlin
    assert check_in_dms(h, ORG, 12) == []
    with h.db.read() as session:
        held = session.scalar(
            select(DueWork.due_at).where(DueWork.key == check_in_key(round_id, 12))
        )
    assert held == datetime(2028, 1, 6, 7, tzinfo=UTC)  # 08:00 in Berlin
    h.tick_at(held + LATE)
    (dm12,) = check_in_dms(h, ORG, 12)

    # Not my report any more: Dee is asked instead, once, however often it is sent.
    view = h.click_for_modal(ORG, dm12, "delegate_check_in", "panel_check_in_delegate")
    raw = submission(h, ORG, view, {"delegate": {"value": V.user(DEE)}})
    for reply in send_together(h, raw, raw):
        assert "<@UDEE> is asked the 12-month check-in" in str(reply.json()["view"])
    h.settle()
    (asked,) = h.wait_for(lambda: check_in_dms(h, DEE, 12), "Dee's check-in")
    assert asked["blocks"][0]["text"]["text"].startswith("<@UORG> named you to answer this.")
    h.settle()
    assert len(check_in_dms(h, DEE, 12)) == 1
    reply = answer(
        h, DEE, asked, {"still_there": {"value": V.radio("no")}, "note": {"value": V.text("")}}
    )
    assert reply.json()["response_action"] == "update", reply.body
    assert check_ins(h, round_id) == [(6, ORG, True, 3, NOTE), (12, DEE, False, None, None)]
    with h.db.read() as session:
        pending = session.scalars(
            select(DueWork.key).where(DueWork.kind == "check_in", DueWork.status != WorkState.DONE)
        ).all()
    assert pending == []

    # The hiring channel never saw any of it.
    channel = str(h.standin.messages_in(HIRING)) + str(
        [h.standin.replies_to(HIRING, m["ts"]) for m in h.standin.messages_in(HIRING)]
    )
    for word in ("check-in", "Offer accepted", "Leads the", "still with"):
        assert word not in channel

    # Exported with the round (CSV and JSON), for the role's organizers.
    with h.db.read() as session:
        role_id = session.scalars(select(Round.role_id)).one()
    rows = list(
        csv.DictReader(io.StringIO(h.services.comparisons.export(TEAM, ORG, role_id, "csv", None)))
    )
    assert {
        (
            r["offer"],
            r["start_date"],
            r["still_there_6m"],
            r["performance_6m"],
            r["note_6m"],
            r["still_there_12m"],
            r["performance_12m"],
        )
        for r in rows
    } == {("accepted", "2027-01-05", "yes", "3", NOTE, "no", "")}
    exported = json.loads(h.services.comparisons.export(TEAM, ORG, role_id, "json", None))
    assert exported[0]["outcome"]["check_ins"][1]["answered_by"] == DEE

    # Retention kept the round while a check-in was to come (its age counts from the last
    # answer); /panel forget erases the outcome with the candidate.
    view = ask_to_forget(h, "Ada Lovelace")
    confirm(h, view)
    for model in (RoundOutcomeRow, CheckIn):
        assert count(h.db, model) == 0


def test_only_a_decision_to_advance_has_an_outcome(harness: Harness) -> None:
    h = harness
    round_id, decision = advanced(h)
    # Forged: the outcome of a round not decided Advance.
    h.start_round()
    with h.db.read() as session:
        other = max(session.scalars(select(DueWork.round_id)).all(), key=lambda r: r or 0)
    assert other and other != round_id
    seen = len(h.standin.responses)
    h.driver.block_action(ORG, "record_outcome", value=str(other), message=decision)
    told = h.wait_for(lambda: h.standin.responses[seen:], "the refusal")
    assert "The outcome follows a decision to advance" in told[0]["text"]


def test_retention_keeps_a_hire_until_its_check_ins_are_done(database: Database) -> None:
    """A finished round older than the retention period goes, unless it is a hire with a
    check-in still to come or answered within the period; then it goes when its latest
    news is older too."""
    seeded = seed_finished_rounds(database, 3)
    _, waiting, answered = seeded.round_ids
    for rid in (waiting, answered):
        hire(database, rid)
    with database.transaction() as session:
        session.add(
            DueWork(
                team_id=TEAM,
                key=check_in_key(waiting, 12),
                kind="check_in",
                due_at=TWELVE,
                round_id=waiting,
                payload={"months": 12},
            )
        )
        row = session.scalars(select(CheckIn).where(CheckIn.round_id == answered)).one()
        row.answered_at, row.answered_by, row.still_there = SIX, ORG, True

    def purge(cutoff: datetime) -> list[int]:
        with database.transaction() as session:
            purge_finished_rounds(session, cutoff, 100)
        with database.read() as session:
            return sorted(session.scalars(select(Round.id)).all())

    assert purge(SIX - timedelta(days=1)) == [waiting, answered]
    assert purge(SIX + timedelta(days=1)) == [waiting]
