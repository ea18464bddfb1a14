"""Reminders through the real HTTP app and the scheduler tick: nudges, the heads-up before
the interview, the organizer's escalation, the reminder buttons and /panel reminders.

Time moves only when a test moves the bot's clock; `tick()` is one scheduler pass. The
round starts on Wednesday 2 December 2026 at 10:00 UTC, the interview is at 15:00 UTC and,
unless a test says otherwise, feedback is due 24 h later (Thursday 15:00 UTC).

Where the panelists are (seed_workspace): ANA in Tokyo (UTC+9), BEN in New York (UTC-5 in
December); CY and DEE get the stand-in's default zone, Europe/Berlin (UTC+1 in December).
Quiet hours are 20:00-08:00 and weekends in each panelist's own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from bot.codec import Snooze, decode
from bot.domain.work_kinds import escalate_key
from storage.models import DueWork
from tests.slack.state import V
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    DEE,
    HIRING,
    ORG,
    Harness,
    button,
    has_button,
    modal_named,
)
from tests.support.rows import status_of
from tests.support.seeding import seed_due_nudges

WED = datetime(2026, 12, 2, tzinfo=UTC)  # a Wednesday
THU, FRI, SAT, SUN, MON = (WED + timedelta(days=d) for d in range(1, 6))
INTERVIEW = WED.replace(hour=15)
NUDGE_1 = INTERVIEW + timedelta(hours=2)  # the interview's hour, then one more
DUE = INTERVIEW + timedelta(days=1)
LATE = timedelta(seconds=30)  # a tick a little after something fell due

REMINDER = "Reminder: your feedback on Ada Lovelace is due"
HEADS_UP = "Your interview with Ada Lovelace starts soon"
OVERDUE = "Feedback on Ada Lovelace is overdue"
LEFT_PANEL = "A panelist left the panel for Ada Lovelace"


# -- helpers -------------------------------------------------------------------------------
def epoch(when: datetime) -> int:
    return int(when.timestamp())


def start(h: Harness, panelists: Sequence[str], *, due: datetime | None = None) -> int:
    """A round started on Wednesday 10:00 UTC for an interview at 15:00 UTC."""
    h.clock.set(WED.replace(hour=10))
    form: dict[str, Any] = {"interview_at": epoch(INTERVIEW)}
    if due is not None:
        form["due_at"] = epoch(due)
    return h.start_round(panelists=panelists, **form)


def sent(h: Harness, user: str, title: str) -> list[dict[str, Any]]:
    """What the bot posted to this user's DM under this title (chat.postMessage calls that
    succeeded: later edits of those messages don't hide them)."""
    return [
        call.args
        for call in h.standin.calls_to("chat.postMessage")
        if call.ok and call.args.get("channel") == f"D{user}" and call.args.get("text") == title
    ]


def nudge_count(h: Harness, *users: str) -> dict[str, int]:
    return {user: len(sent(h, user, REMINDER)) for user in users}


def stored(h: Harness, user: str, title: str) -> list[dict[str, Any]]:
    """Messages in the user's DM with this title as they are now (edits applied)."""
    return [m for m in h.standin.messages_in(f"D{user}") if m.get("text") == title]


def latest(h: Harness, user: str, title: str) -> dict[str, Any]:
    found = stored(h, user, title)
    assert found, f"no {title!r} in {user}'s DM"
    return found[-1]


def now_as(h: Harness, message: dict[str, Any]) -> dict[str, Any]:
    """A message as it is stored now (after chat.update or a response_url replace)."""
    for current in h.standin.messages_in(message["channel"]):
        if current["ts"] == message["ts"]:
            return current
    raise AssertionError(f"message {message['ts']} is gone")


def reads(h: Harness, message: dict[str, Any], words: str) -> bool:
    return words in str(now_as(h, message).get("text"))


def responses_after(h: Harness, seen: int, what: str) -> list[dict[str, Any]]:
    """Wait for posts to response_urls beyond the first `seen`; returns the new ones."""
    return h.wait_for(lambda: h.standin.responses[seen:], what)


def snoozed_nudge(message: dict[str, Any]) -> int:
    """Which nudge the message's Snooze button names."""
    return decode(Snooze, button(message, "nudge_snooze")["value"]).n


def progress(h: Harness) -> str:
    return str((h.announcement() or {}).get("blocks"))


def make_admin(h: Harness, user: str) -> None:
    h.standin.add_user(user, "olga", real_name="Olga Organizer", is_admin=True)


def command(h: Harness, user: str, text: str) -> str:
    """/panel <text> in the hiring channel; what the person is told, wherever it arrives
    (the ack's body for parse errors, the response_url for the rest)."""
    seen = len(h.standin.responses)
    reply = h.driver.command(user, text, channel_id=HIRING)
    assert reply.status == 200, reply.body
    body = reply.json()
    if body and body.get("text"):
        return str(body["text"])
    return str(responses_after(h, seen, f"the reply to /panel {text}")[-1]["text"])


# -- 1. the first nudge --------------------------------------------------------------------
def test_first_nudge_goes_to_those_who_owe_feedback_in_their_waking_hours(
    harness: Harness,
) -> None:
    h = harness
    start(h, [ANA, BEN, CY, DEE])
    h.give_feedback(DEE)  # before the first nudge: DEE is never nudged
    h.wait_for(lambda: "1 of 4 submitted" in progress(h), "DEE's feedback on the announcement")

    h.tick_at(NUDGE_1 - timedelta(minutes=1))
    assert nudge_count(h, ANA, BEN, CY, DEE) == {ANA: 0, BEN: 0, CY: 0, DEE: 0}

    # 17:00 UTC: 12:00 in New York, 18:00 in Berlin, but 02:00 (Thursday) in Tokyo.
    h.tick_at(NUDGE_1 + LATE)
    assert nudge_count(h, ANA, BEN, CY, DEE) == {ANA: 0, BEN: 1, CY: 1, DEE: 0}
    nudge = latest(h, BEN, REMINDER)
    for action in ("give_feedback", "nudge_not_attended", "nudge_snooze"):
        assert has_button(nudge, action), action
    assert "I didn't attend" in str(nudge["blocks"]) and "Snooze 2 h" in str(nudge["blocks"])

    h.tick_at(WED.replace(hour=22, minute=59))  # 07:59 in Tokyo
    assert nudge_count(h, ANA)[ANA] == 0
    h.tick_at(WED.replace(hour=23) + LATE)  # 08:00 in Tokyo
    assert nudge_count(h, ANA)[ANA] == 1
    assert has_button(latest(h, ANA, REMINDER), "nudge_snooze")

    for _ in range(5):
        h.settled_tick()
    h.clock.advance(timedelta(hours=3))
    h.settled_tick()
    assert nudge_count(h, ANA, BEN, CY, DEE) == {ANA: 1, BEN: 1, CY: 1, DEE: 0}
    assert h.standin.warnings == []


# -- 2. the due-time nudge, daily nudges, weekends ----------------------------------------
def test_due_time_and_daily_nudges_skip_the_weekend_and_stop_on_submission(
    harness: Harness,
) -> None:
    h = harness
    start(h, [BEN, CY, DEE])
    h.tick_at(NUDGE_1 + LATE)
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 1, CY: 1, DEE: 1}

    h.tick_at(DUE - timedelta(minutes=1))
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 1, CY: 1, DEE: 1}
    h.tick_at(DUE + LATE)  # Thursday 15:00 UTC: nudge 2, the due-time one
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 2, CY: 2, DEE: 2}
    assert snoozed_nudge(latest(h, CY, REMINDER)) == 2

    # Friday 15:00 UTC: nudge 3 falls due. DEE submits after it is enqueued but before it
    # is sent: it is never sent.
    h.clock.set(FRI.replace(hour=15) + LATE)
    h.services.due_work.run()
    h.give_feedback(DEE)
    h.wait_for(lambda: "1 of 3 submitted" in progress(h), "DEE's feedback on the announcement")
    h.settled_tick()
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 3, CY: 3, DEE: 2}
    assert snoozed_nudge(latest(h, BEN, REMINDER)) == 3

    # Nudge 4 falls due on Saturday: it waits for Monday 08:00 in each panelist's zone.
    h.tick_at(SAT.replace(hour=15) + LATE)
    h.tick_at(SUN.replace(hour=15) + LATE)
    h.tick_at(MON.replace(hour=6, minute=59))
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 3, CY: 3, DEE: 2}
    h.tick_at(MON.replace(hour=7) + LATE)  # 08:00 in Berlin, 02:00 in New York
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 3, CY: 4, DEE: 2}
    h.tick_at(MON.replace(hour=12, minute=59))
    assert nudge_count(h, BEN)[BEN] == 3
    h.tick_at(MON.replace(hour=13) + LATE)  # 08:00 in New York
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 4, CY: 4, DEE: 2}
    for _ in range(3):
        h.settled_tick()
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 4, CY: 4, DEE: 2}

    # Back on the daily cadence: Monday 15:00 UTC (nudge 6; Sunday's nudge 5 is not sent
    # late), and a submission stops it at once.
    h.give_feedback(CY)
    h.wait_for(lambda: "2 of 3 submitted" in progress(h), "CY's feedback on the announcement")
    h.tick_at(MON.replace(hour=15) + LATE)
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 5, CY: 4, DEE: 2}
    assert snoozed_nudge(latest(h, BEN, REMINDER)) == 6
    h.tick_at(MON.replace(hour=15) + timedelta(days=1, seconds=30))
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 6, CY: 4, DEE: 2}


# -- 3. before the interview ---------------------------------------------------------------
def test_heads_up_half_an_hour_before_the_interview_with_the_round_one_doubts(
    harness: Harness,
) -> None:
    h = harness
    start(h, [BEN, CY])
    h.tick_at(INTERVIEW - timedelta(minutes=31))
    assert sent(h, BEN, HEADS_UP) == [] and sent(h, CY, HEADS_UP) == []

    h.tick_at(INTERVIEW - timedelta(minutes=30) + LATE)
    for user in (BEN, CY):
        (heads_up,) = sent(h, user, HEADS_UP)
        text = str(heads_up["blocks"])
        assert "Round-1 doubts to probe" in text
        assert "Why did they leave Acme" in text and "Salary expectations" in text
        assert "What to probe" in text
    h.settled_tick()
    h.tick_at(INTERVIEW + LATE)
    assert len(sent(h, BEN, HEADS_UP)) == 1 and len(sent(h, CY, HEADS_UP)) == 1
    assert nudge_count(h, BEN, CY) == {BEN: 0, CY: 0}


def test_no_heads_up_or_nudges_for_a_cancelled_round(harness: Harness) -> None:
    h = harness
    round_id = start(h, [BEN, CY])
    h.click(ORG, h.announcement() or {}, "cancel_round")
    h.wait_for(lambda: status_of(h.db, round_id) == "cancelled", "the round cancelled")
    h.wait_for(lambda: "Cancelled" in progress(h), "the announcement says so")

    for when in (INTERVIEW - timedelta(minutes=29), NUDGE_1 + LATE, DUE + LATE):
        h.tick_at(when)
    for user in (BEN, CY):
        assert sent(h, user, HEADS_UP) == []
        assert sent(h, user, REMINDER) == []
    assert sent(h, ORG, OVERDUE) == []


# -- 4. the organizer's escalation ---------------------------------------------------------
def test_escalation_and_nudge_them_now(harness: Harness) -> None:
    h = harness
    # Due Thursday 06:00 UTC: 15:00 in Tokyo, 07:00 (quiet) in Berlin.
    due = THU.replace(hour=6)
    start(h, [ANA, BEN, CY], due=due)
    h.give_feedback(BEN)
    h.wait_for(lambda: "1 of 3 submitted" in progress(h), "BEN's feedback on the announcement")
    h.tick_at(NUDGE_1 + LATE)  # CY's nudge 1
    h.tick_at(WED.replace(hour=23) + LATE)  # ANA's nudge 1, at 08:00 in Tokyo
    h.tick_at(due - timedelta(minutes=1))
    assert sent(h, ORG, OVERDUE) == []

    h.tick_at(due + LATE)
    (overdue,) = sent(h, ORG, OVERDUE)
    text = str(overdue["blocks"])
    assert f"<@{ANA}>" in text and f"<@{CY}>" in text and f"<@{BEN}>" not in text
    assert "1 of 3 submitted" in text
    escalation = latest(h, ORG, OVERDUE)
    assert has_button(escalation, "nudge_now") and has_button(escalation, "close_round")
    h.tick_at(due + timedelta(minutes=5))
    assert len(sent(h, ORG, OVERDUE)) == 1
    h.tick_at(due + timedelta(hours=1, seconds=30))  # CY's nudge 2, at 08:00 in Berlin
    assert nudge_count(h, ANA, BEN, CY) == {ANA: 2, BEN: 0, CY: 2}

    # Thursday 12:00 UTC: 13:00 in Berlin, 21:00 in Tokyo.
    h.clock.set(THU.replace(hour=12))
    seen = len(h.standin.responses)
    assert h.click(ORG, escalation, "nudge_now").status == 200
    (reply,) = responses_after(h, seen, "the escalation replaced")
    assert reply.get("replace_original") is True
    h.wait_for(lambda: not has_button(now_as(h, escalation), "nudge_now"), "the button gone")
    replaced = now_as(h, escalation)
    assert has_button(replaced, "close_round")
    assert "Nudged" in str(replaced["blocks"]) and f"<@{CY}>" in str(replaced["blocks"])
    h.wait_for(lambda: nudge_count(h, CY)[CY] == 3, "CY nudged now")

    # The same click again (a stale copy, or Slack's retry): nobody is nudged twice.
    seen = len(h.standin.responses)
    h.click(ORG, escalation, "nudge_now")
    responses_after(h, seen, "the second click answered")
    h.settled_tick()
    assert nudge_count(h, ANA, BEN, CY) == {ANA: 2, BEN: 0, CY: 3}

    # ANA is asleep in Tokyo: her nudge waits for 08:00 there (23:00 UTC).
    h.tick_at(THU.replace(hour=22, minute=59))
    assert nudge_count(h, ANA)[ANA] == 2
    h.tick_at(THU.replace(hour=23) + LATE)
    h.settled_tick()
    assert nudge_count(h, ANA, BEN, CY) == {ANA: 3, BEN: 0, CY: 3}
    assert len(sent(h, ORG, OVERDUE)) == 1


def test_only_the_organizer_may_nudge_and_close_now_posts_a_partial_summary(
    harness: Harness,
) -> None:
    h = harness
    round_id = start(h, [BEN, CY])
    h.give_feedback(BEN)
    h.wait_for(lambda: "1 of 2 submitted" in progress(h), "BEN's feedback on the announcement")
    h.tick_at(NUDGE_1 + LATE)
    h.tick_at(DUE + LATE)
    escalation = latest(h, ORG, OVERDUE)
    before = nudge_count(h, BEN, CY)
    assert before == {BEN: 0, CY: 2}

    seen = len(h.standin.responses)
    h.click(CY, escalation, "nudge_now")
    (refusal,) = responses_after(h, seen, "the refusal")
    assert "Only the organizer" in refusal["text"]
    assert not refusal.get("replace_original")
    h.settled_tick()
    assert nudge_count(h, BEN, CY) == before
    assert has_button(now_as(h, escalation), "nudge_now")

    h.click(ORG, escalation, "close_round")
    summary = h.wait_for(h.thread, "the partial summary")[0]
    assert "Partial" in str(summary["blocks"]) and f"<@{CY}>" in str(summary["blocks"])
    assert status_of(h.db, round_id) == "closed"
    h.tick_at(DUE + timedelta(days=1, seconds=30))
    assert nudge_count(h, BEN, CY) == before
    assert len(h.thread()) == 1


def test_no_escalation_when_everyone_submitted_before_the_due_time(harness: Harness) -> None:
    h = harness
    start(h, [BEN, CY])
    h.give_feedback(BEN)
    h.tick_at(NUDGE_1 + LATE)
    h.give_feedback(CY)
    h.wait_for(h.thread, "the summary")
    h.tick_at(DUE + LATE)
    h.tick_at(DUE + timedelta(days=1, seconds=30))
    assert sent(h, ORG, OVERDUE) == []
    assert nudge_count(h, BEN, CY) == {BEN: 0, CY: 1}


# -- 5. "I didn't attend" ------------------------------------------------------------------
def test_i_did_not_attend_takes_the_panelist_off_the_panel(harness: Harness) -> None:
    h = harness
    start(h, [ANA, BEN, CY])
    h.tick_at(NUDGE_1 + LATE)
    nudge = latest(h, CY, REMINDER)

    seen = len(h.standin.responses)
    h.click(CY, nudge, "nudge_not_attended")
    (reply,) = responses_after(h, seen, "the nudge replaced")
    assert reply.get("replace_original") is True
    h.wait_for(lambda: "Removed you from the panel" in str(now_as(h, nudge)["blocks"]), "reply")
    assert f"<@{ORG}>" in str(now_as(h, nudge)["blocks"])
    assert not has_button(now_as(h, nudge), "nudge_snooze")
    h.wait_for(lambda: "0 of 2 submitted" in progress(h), "the announcement shows 0 of 2")
    notice = h.wait_for(lambda: sent(h, ORG, LEFT_PANEL), "the organizer told")
    assert f"<@{CY}>" in str(notice[0]["blocks"]) and "didn't attend" in str(notice[0]["blocks"])

    # A double click changes nothing and tells the organizer nothing new.
    seen = len(h.standin.responses)
    h.click(CY, nudge, "nudge_not_attended")
    responses_after(h, seen, "the second click answered")
    h.settled_tick()
    assert len(sent(h, ORG, LEFT_PANEL)) == 1
    assert "0 of 2 submitted" in progress(h)

    # BEN gave feedback after his nudge: he did attend, and is told so.
    h.give_feedback(BEN)
    h.wait_for(lambda: "1 of 2 submitted" in progress(h), "BEN's feedback on the announcement")
    seen = len(h.standin.responses)
    h.click(BEN, latest(h, BEN, REMINDER), "nudge_not_attended")
    (refusal,) = responses_after(h, seen, "the refusal")
    assert "already given feedback" in refusal["text"]
    assert not refusal.get("replace_original")
    h.settled_tick()
    assert "1 of 2 submitted" in progress(h)
    assert len(sent(h, ORG, LEFT_PANEL)) == 1

    h.tick_at(DUE + LATE)
    h.tick_at(DUE + timedelta(days=1, seconds=30))
    assert nudge_count(h, BEN, CY)[CY] == 1
    (overdue,) = sent(h, ORG, OVERDUE)
    assert f"<@{ANA}>" in str(overdue["blocks"]) and f"<@{CY}>" not in str(overdue["blocks"])


def test_i_did_not_attend_from_the_last_one_missing_completes_the_round(
    harness: Harness,
) -> None:
    h = harness
    round_id = start(h, [BEN, CY])
    h.give_feedback(BEN)
    h.tick_at(NUDGE_1 + LATE)
    h.click(CY, latest(h, CY, REMINDER), "nudge_not_attended")
    summary = h.wait_for(h.thread, "the summary")[0]
    assert "from 1 of 1 panelists" in str(summary["blocks"])
    assert status_of(h.db, round_id) == "complete"
    h.wait_for(lambda: sent(h, ORG, LEFT_PANEL), "the organizer told")
    h.tick_at(DUE + LATE)
    assert nudge_count(h, CY)[CY] == 1
    assert sent(h, ORG, OVERDUE) == []


# -- 6. Snooze 2 h -------------------------------------------------------------------------
def test_snooze_reminds_again_two_hours_later_once_and_not_in_quiet_hours(
    harness: Harness,
) -> None:
    h = harness
    start(h, [BEN, CY])
    h.tick_at(NUDGE_1 + LATE)
    ben_nudge, cy_nudge = latest(h, BEN, REMINDER), latest(h, CY, REMINDER)

    # 18:30 UTC: 13:30 in New York; 19:30 in Berlin, so two hours on is quiet there.
    h.clock.set(WED.replace(hour=18, minute=30))
    for user, nudge in ((BEN, ben_nudge), (BEN, ben_nudge), (CY, cy_nudge)):
        seen = len(h.standin.responses)
        assert h.click(user, nudge, "nudge_snooze").status == 200
        (reply,) = responses_after(h, seen, f"{user}'s snooze answered")
        assert reply.get("replace_original") is True
    for nudge in (ben_nudge, cy_nudge):
        h.wait_for(partial(reads, h, nudge, "remind you again"), "the nudge replaced")
        snoozed = now_as(h, nudge)
        assert "I'll remind you again" in str(snoozed["blocks"])
        assert has_button(snoozed, "give_feedback") and not has_button(snoozed, "nudge_snooze")

    h.tick_at(WED.replace(hour=20, minute=29))
    assert nudge_count(h, BEN, CY) == {BEN: 1, CY: 1}
    h.tick_at(WED.replace(hour=20, minute=30) + LATE)
    assert nudge_count(h, BEN, CY) == {BEN: 2, CY: 1}  # one, despite the double click
    again = latest(h, BEN, REMINDER)
    assert again["ts"] != ben_nudge["ts"] and has_button(again, "nudge_snooze")

    h.tick_at(THU.replace(hour=6, minute=59))
    assert nudge_count(h, BEN, CY) == {BEN: 2, CY: 1}
    h.tick_at(THU.replace(hour=7) + LATE)  # 08:00 in Berlin
    h.settled_tick()
    assert nudge_count(h, BEN, CY) == {BEN: 2, CY: 2}


# -- 7. /panel reminders -------------------------------------------------------------------
def test_panel_reminders_shows_checks_and_changes_the_cadence(harness: Harness) -> None:
    h = harness
    shown = command(h, CY, "reminders")
    assert "1 h after the interview ends, at the due time, then every 1 d" in shown
    assert "20:00 and 08:00" in shown

    bad = command(h, ORG, "reminders every 2x")
    assert bad == '"2x" isn\'t a duration I know. Use minutes, hours or days, like 30m, 2h or 1d.'
    bad = command(h, ORG, "reminders fortnightly")
    assert bad.startswith('"fortnightly" isn\'t something I understand here. Use /panel reminders')

    refused = command(h, CY, "reminders off")
    assert refused == "Only a workspace admin or owner can change the reminder schedule."
    assert "1 h after the interview ends" in command(h, CY, "reminders")

    make_admin(h, ORG)
    set_to = command(h, ORG, "reminders after 2h every 12h")
    assert "2 h after the interview ends, at the due time, then every 12 h" in set_to
    assert "then every 12 h" in command(h, CY, "reminders")


def test_reminders_off_stops_the_nudges_of_a_round_already_running(harness: Harness) -> None:
    h = harness
    make_admin(h, ORG)
    start(h, [BEN, CY])
    assert command(h, ORG, "reminders off") == "Reminders are off in this workspace."
    assert command(h, BEN, "reminders") == "Reminders are off in this workspace."
    heads_up = INTERVIEW - timedelta(minutes=29)
    for when in (heads_up, NUDGE_1 + LATE, DUE + LATE, DUE + timedelta(days=1, seconds=30)):
        h.tick_at(when)
    assert nudge_count(h, BEN, CY) == {BEN: 0, CY: 0}
    # The heads-up and the organizer's escalation are not regular nudges.
    assert len(sent(h, BEN, HEADS_UP)) == 1 and len(sent(h, CY, HEADS_UP)) == 1
    assert len(sent(h, ORG, OVERDUE)) == 1


# -- 8. changing the panel -----------------------------------------------------------------
def open_panelists_modal(h: Harness) -> dict[str, Any]:
    h.click(ORG, h.announcement() or {}, "edit_panelists")
    return h.wait_for(lambda: modal_named(h.standin.open_view_for(ORG), "panel_panelists"), "modal")


def test_a_changed_panel_changes_who_is_nudged(harness: Harness) -> None:
    h = harness
    start(h, [BEN, CY])
    h.tick_at(NUDGE_1 + LATE)
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 1, CY: 1, DEE: 0}

    # Thursday 12:00 UTC: CY off the panel, DEE on it.
    h.clock.set(THU.replace(hour=12))
    view = open_panelists_modal(h)
    reply = h.driver.view_submission(ORG, view, {"panelists": {"value": V.users([BEN, DEE])}})
    assert reply.status == 200, reply.body
    h.wait_for(lambda: h.dm(DEE), "DEE's brief")
    brief = h.standin.messages_in(f"D{CY}")[0]  # the brief; the nudge came after it
    h.wait_for(lambda: "no longer on this panel" in str(now_as(h, brief)["blocks"]), "CY told")
    h.settled_tick()
    assert nudge_count(h, DEE)[DEE] == 0  # no burst of the nudges DEE "missed"

    h.tick_at(DUE + LATE)
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 2, CY: 1, DEE: 1}
    assert snoozed_nudge(latest(h, DEE, REMINDER)) == 2
    h.tick_at(DUE + timedelta(days=1, seconds=30))
    assert nudge_count(h, BEN, CY, DEE) == {BEN: 3, CY: 1, DEE: 2}


# -- edge cases ----------------------------------------------------------------------------
def test_a_first_tick_at_the_due_time_sends_one_nudge_not_two(harness: Harness) -> None:
    """The scheduler was down from before the first nudge until the due time: the panelist
    gets the due-time nudge, not that and the stale first one in the same minute."""
    h = harness
    start(h, [BEN, CY])
    h.tick_at(DUE + LATE)
    assert nudge_count(h, BEN, CY) == {BEN: 1, CY: 1}


def test_nudge_now_in_quiet_hours_does_not_double_the_waiting_due_time_nudge(
    harness: Harness,
) -> None:
    """Due Thursday 15:00 UTC is midnight in Tokyo: ANA's due-time nudge waits for 08:00
    there. "Nudge them now" that evening waits for the same 08:00; she should get one
    reminder then, not two identical ones at once."""
    h = harness
    start(h, [ANA])
    h.tick_at(NUDGE_1 + LATE)
    h.tick_at(WED.replace(hour=23) + LATE)
    h.tick_at(DUE + LATE)
    assert nudge_count(h, ANA)[ANA] == 1
    h.clock.set(THU.replace(hour=16))
    seen = len(h.standin.responses)
    h.click(ORG, latest(h, ORG, OVERDUE), "nudge_now")
    responses_after(h, seen, "the escalation replaced")
    h.tick_at(THU.replace(hour=23) + LATE)
    assert nudge_count(h, ANA)[ANA] == 2


def test_reminders_back_on_resume_the_nudges_of_a_running_round(harness: Harness) -> None:
    """Off on Wednesday, on again on Thursday after the due time: Friday's daily nudge
    should come."""
    h = harness
    make_admin(h, ORG)
    start(h, [BEN, CY])
    h.tick_at(NUDGE_1 + LATE)
    h.clock.set(WED.replace(hour=18))
    command(h, ORG, "reminders off")
    h.tick_at(DUE + LATE)  # the due-time nudge falls due while reminders are off
    assert nudge_count(h, BEN, CY) == {BEN: 1, CY: 1}
    h.clock.set(THU.replace(hour=16))
    command(h, ORG, "reminders on")
    h.tick_at(FRI.replace(hour=15) + LATE)
    assert nudge_count(h, BEN, CY) == {BEN: 2, CY: 2}


def test_rounds_started_before_reminders_existed_are_adopted_once(harness: Harness) -> None:
    """An upgrade: open rounds with no due work get their reminders and escalation when an
    instance starts, once however many instances start."""
    h = harness
    h.clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))  # a Wednesday noon, UTC
    seeded = seed_due_nudges(h.db, 3, now=h.clock(), standin=h.standin, per_round=3, into=None)
    (round_id,) = seeded.round_ids
    assert h.services.due_work.adopt_unscheduled_rounds() == 1
    assert h.services.due_work.adopt_unscheduled_rounds() == 0
    with h.db.read() as session:
        keys = set(session.scalars(select(DueWork.key).where(DueWork.round_id == round_id)))
    assert escalate_key(round_id) in keys
    assert sum(key.startswith(f"nudge:{round_id}:") for key in keys) == 3  # one per panelist
    h.tick()  # the round is past due with everyone missing: the organizer hears of it
    escalations = [m for m in h.standin.messages_in("DUORG") if has_button(m, "nudge_now")]
    assert len(escalations) == 1
