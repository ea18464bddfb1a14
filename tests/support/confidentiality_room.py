"""The confidentiality scan's machinery (tests/campaigns/test_confidentiality.py and
test_confidentiality_outcomes.py): a room of people with a round, who does what, and whether
anything the bot showed reached someone not entitled to it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.evidence import KEEP_AS_WRITTEN
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support.adversarial import Audit, Shown
from tests.support.decision_form import decision_values
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    DEE,
    HIRING,
    ORG,
    OUTSIDER,
    Harness,
    button,
)
from tests.support.slack_requests import command_fields, event_envelope, post_event, post_form

FOREIGN_TEAM, FOREIGN = "T0002", "UFOREIGN"
FLAGGED_WORD = "overqualified"  # the shipped evidence rules point it out
EVERYONE = (ORG, ANA, BEN, CY, DEE, OUTSIDER, FOREIGN)


# -- driving the workspace, with everything attributed ----------------------------------------
@dataclass
class Room:
    h: Harness
    audit: Audit
    settle: Callable[[], None]
    replies: list[tuple[str, Reply]]  # (who, the HTTP answer) of every request sent
    events: int = 0

    def driver_for(self, user: str) -> Any:
        return self.h.driver.for_team(FOREIGN_TEAM) if user == FOREIGN else self.h.driver

    def sent(self, user: str, reply: Reply) -> Reply:
        self.settle()
        self.replies.append((user, reply))
        return reply

    def command(self, user: str, text: str, channel: str = HIRING) -> Reply:
        with self.audit.acting(user):
            fields = command_fields(self.h, user, text, channel)
        fields["team_id"] = self.driver_for(user).team_id
        return self.sent(user, post_form(self.h, fields))

    def click(self, user: str, message: dict[str, Any], action_id: str, value: str) -> Reply:
        driver = self.driver_for(user)
        with self.audit.acting(user):
            reply = driver.block_action(user, action_id, value=value, message=message)
        return self.sent(user, reply)

    def home(self, user: str) -> Reply:
        self.events += 1
        envelope = event_envelope(
            self.h, {"type": "app_home_opened", "user": user, "tab": "home"}, self.events
        )
        envelope["team_id"] = self.driver_for(user).team_id
        return self.sent(user, post_event(self.h, envelope))

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Reply:
        with self.audit.acting(user):
            reply = self.driver_for(user).view_submission(user, view, values)
        return self.sent(user, reply)

    def open_modal(self, user: str, callback_id: str, open: Any) -> dict[str, Any]:
        def act() -> None:
            open()
            self.settle()

        return self.h.modal_opened_by(user, callback_id, act)

    def shown(self) -> list[Shown]:
        """Everything the bot showed, with the HTTP answers (acks) to their senders."""
        return self.audit.shown() + [
            Shown(f"HTTP answer to {user}", frozenset({user}), reply.body)
            for user, reply in self.replies
        ]


def make_room(h: Harness) -> Room:
    room = Room(h, Audit(h), h.settle_listeners, [])
    h.standin.add_user(FOREIGN, "fred", real_name="Fred Foreign", team_id=FOREIGN_TEAM)
    return room


def room_with_a_round(h: Harness) -> tuple[Room, int]:
    """The room, and a round the organizer started in it."""
    room = make_room(h)
    with room.audit.acting(ORG):
        round_id = h.start_round()
    return room, round_id


def feedback_values(
    view: dict[str, Any], marker: str, rating: int, flagged: str = ""
) -> dict[str, Any]:
    """Every input of a feedback modal filled, whatever its rubric: each free-text field
    carries `marker`, each evidence note also `flagged` (words the evidence rules point out)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        block_id = block["block_id"]
        if block_id.startswith("rating:"):
            values[block_id] = {"value": V.radio(str(rating))}
        elif block_id.startswith("evidence:"):
            note = f"{marker} evidence {block_id[9:]} {flagged}".strip()
            values[block_id] = {"value": V.text(note)}
        elif block_id.startswith("qnote:"):
            values[block_id] = {"value": V.text(f"{marker} note")}
        elif block_id.startswith("q:"):
            values[block_id] = {"value": V.radio("partly")}
    values["candidate_questions"] = {"value": V.text(f"{marker} asked about pay")}
    # A follow-up: the question goes to the organizer's checklist once the decision is made.
    values["asked"] = {"value": V.radio("follow_up")}
    values["engagement"] = {"value": V.radio("high")}
    values["recommendation"] = {"value": V.radio(str(rating))}
    return values


def give_feedback(room: Room, user: str, marker: str, rating: int, flagged: str = "") -> Reply:
    """Open the modal from the brief and submit it; when the evidence rules point out a note,
    submit it again as written (the nudge never stops a second submission)."""
    h = room.h
    brief = next(
        m for m in reversed(h.standin.messages_in(f"D{user}")) if "give_feedback" in str(m)
    )
    give = next(
        e
        for b in brief["blocks"]
        for e in b.get("elements") or [b.get("accessory") or {}]
        if isinstance(e, dict) and e.get("action_id") == "give_feedback"
    )
    view = room.open_modal(
        user, "panel_feedback", lambda: room.click(user, brief, "give_feedback", give["value"])
    )
    values = feedback_values(view, marker, rating, flagged)
    reply = room.submit(user, view, values)
    if reply.json().get("response_action") == "errors":
        errors = reply.json()["errors"]
        assert all(block.startswith("evidence:") for block in errors), errors
        assert all(text.endswith(KEEP_AS_WRITTEN) for text in errors.values()), errors
        reply = room.submit(user, view, values)
    return reply


def summary_of(h: Harness) -> dict[str, Any]:
    """The summary in the thread of the first announcement (comparisons and digests are
    posted in the channel too, so the newest message is not the announcement)."""
    announcement = h.standin.messages_in(HIRING)[0]
    return h.wait_for(lambda: h.standin.replies_to(HIRING, announcement["ts"]), "the summary")[0]


def record_decision(room: Room, round_id: int, rationale: str, reason: str | None = None) -> Reply:
    """The organizer records (or, with a reason, changes) the decision from the summary."""
    summary = summary_of(room.h)
    view = room.open_modal(
        ORG,
        "panel_decision",
        lambda: room.click(ORG, summary, "record_decision", str(round_id)),
    )
    values = decision_values("hold", rationale, [ORG, ANA, BEN], reason=reason)
    return room.submit(ORG, view, values)


def everyone_looks(room: Room, round_id: int) -> None:
    """Everything each person can try, to see what they are shown."""
    h = room.h
    announcement = h.standin.messages_in(HIRING)[0]
    for user in EVERYONE:
        room.command(user, "status")
        room.home(user)
        room.click(user, announcement, "see_notes", str(round_id))
        room.click(user, announcement, "notes_page_next", f"{round_id}:1")
        room.click(user, announcement, "notes_page_prev", f"{round_id}:0")
        room.click(user, announcement, "give_feedback", str(round_id))
        room.click(user, announcement, "compare_role", str(round_id))
        room.command(user, "compare Staff Engineer")
        turn_comparison_pages(room, user)
        room.command(user, "export Staff Engineer")
        room.command(user, "calibration")
        room.click(user, announcement, "record_decision", str(round_id))
        room.click(user, announcement, "focus_areas", str(round_id))
    room.command(ORG, "digest now")
    room.click(ORG, announcement, "nudge_now", str(round_id))
    # A day and a half on: reminders to whoever still owes, and the organizer's escalation.
    h.clock.advance(timedelta(hours=36))
    h.tick()
    room.settle()
    h.tick()
    room.settle()


def turn_comparison_pages(room: Room, user: str) -> None:
    """Previous and Next on the channel's latest comparison (forged where the comparison has
    one page: the bot shows the nearest page there is)."""
    compared = room.h.standin.posted(HIRING, text_contains="Comparison for")
    assert compared, "the organizer's comparison is posted first"
    toggle = button(compared[-1], "compare_calibrated")
    state = str(toggle["value"]).rpartition("|")[0]
    room.click(user, compared[-1], "compare_page_prev", f"{state}|0")
    room.click(user, compared[-1], "compare_page_next", f"{state}|1")


@contextmanager
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Everything logged at INFO and above (the default LOG_LEVEL)."""
    caplog.set_level(logging.INFO)
    yield


def leaks(shown: list[Shown], marker: str, entitled: frozenset[str]) -> list[str]:
    return [
        f"{marker} in {item.where} (seen by {sorted(item.audience - entitled)}): "
        f"{_around(item.text(), marker)!r}"
        for item in shown
        if marker in item.text() and not item.audience <= entitled
    ]


def _around(text: str, marker: str) -> str:
    at = text.find(marker)
    return text[max(0, at - 80) : at + 80]
