"""People playing whole rounds through the real app while something fails underneath them
(Slack, the database), for the fault campaigns. They act the way people do: an error
message or a modal that never opens means trying again; a form that comes back with an
inline error is submitted again; a modal replaced by an error notice is opened and filled
in afresh. What the bot acknowledged is remembered (tests/delivery_audit.Acked), so the
audit can check it was kept.

The harness's own helpers wait for one clean outcome; these tolerate failures and retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func, select

from bot.views import ids
from storage.models import DigestSchedule, Outbox, Round, WorkState
from tests.slack.records import Json
from tests.slack.standin import SlackStandIn
from tests.support.delivery_audit import Acked, inline_errors, saved_title, until_modal
from tests.support.harness import Harness, button, has_button

PANEL_STARTED = "Panel started"
FEEDBACK_SAVED = "Feedback saved"
TRIES = 8
PAUSE = 0.3  # a person reading an error before trying again


def epoch(when: datetime) -> int:
    return int(when.timestamp())


@dataclass
class Players:
    h: Harness
    settle: Callable[[], None]
    acked: Acked = field(default_factory=Acked)
    submissions: int = 0  # acknowledged ones
    asked_again: int = 0  # forms that came back with an inline error, to submit again

    @classmethod
    def on(cls, h: Harness) -> Players:
        return cls(h, h.settle_listeners)

    # -- the organizer -----------------------------------------------------------------------
    def start_panel(self, candidate: str, panelists: tuple[str, ...], interview: datetime) -> int:
        """/panel new, fill in, submit, until the panel is started; returns the round id."""
        h = self.h
        values = h.new_panel_values(
            candidate=candidate, panelists=list(panelists), interview_at=epoch(interview)
        )
        for _ in range(TRIES):
            view = until_modal(
                h,
                h.team.org,
                ids.NEW_PANEL,
                lambda: h.driver.command(h.team.org, "new", channel_id=h.team.hiring),
                self.settle,
            )
            for _ in range(TRIES):
                reply = h.driver.view_submission(h.team.org, view, values)
                self.settle()
                if saved_title(reply) == PANEL_STARTED:
                    return self.round_of(candidate)
                if not inline_errors(reply):
                    break  # an error notice replaced the form: open a new one
                self.asked_again += 1
                time.sleep(PAUSE)  # "Slack is slow": the form is still there, submit again
        raise AssertionError(f"the panel for {candidate} never started")

    def round_of(self, candidate: str) -> int:
        with self.h.db.read() as session:
            found = session.scalar(select(Round.id).where(Round.candidate_name == candidate))
        assert found is not None, f"no round for {candidate}"
        return found

    def digest_daily(self, at: str = "09:00") -> None:
        h = self.h
        for _ in range(TRIES):
            h.driver.command(h.team.org, f"digest daily {at}", channel_id=h.team.hiring)
            self.settle()
            with h.db.read() as session:
                if session.scalar(select(func.count()).select_from(DigestSchedule)):
                    return
            time.sleep(PAUSE)
        raise AssertionError("the digest was never set up")

    def close_from_escalation(self, round_id: int) -> None:
        """The organizer's "Close now" on the late-feedback DM."""
        h = self.h
        for _ in range(TRIES):
            escalation = self.latest_with(h.team.org, ids.CLOSE_ROUND, round_id)
            h.click(h.team.org, escalation, ids.CLOSE_ROUND)
            self.settle()
            with h.db.read() as session:
                if session.scalar(select(Round.status).where(Round.id == round_id)) != "open":
                    return
            time.sleep(PAUSE)
        raise AssertionError(f"round {round_id} never closed")

    # -- a panelist --------------------------------------------------------------------------
    def give_feedback(self, user: str, round_id: int, marker: str) -> None:
        """Click Give feedback on the newest DM that has it, fill in, submit until saved;
        `marker` (the evidence) identifies this submission in the stored answers."""
        h = self.h
        for _ in range(TRIES):
            message = self.latest_with(user, ids.GIVE_FEEDBACK, round_id)
            view = until_modal(
                h,
                user,
                ids.FEEDBACK,
                partial(h.click, user, message, ids.GIVE_FEEDBACK),
                self.settle,
            )
            reply = h.driver.view_submission(user, view, h.feedback_values(view, evidence=marker))
            if saved_title(reply) == FEEDBACK_SAVED:
                self.acked.feedback[(round_id, user)] = marker
                self.submissions += 1
                self.settle()
                return
            self.settle()
            time.sleep(PAUSE)
        raise AssertionError(f"{user}'s feedback on round {round_id} was never saved")

    def latest_with(self, user: str, action_id: str, round_id: int) -> Json:
        return latest_with(self.h.standin, user, action_id, round_id)

    # -- time --------------------------------------------------------------------------------
    def at(self, when: datetime) -> None:
        """Move the bot's clock to `when` and deliver everything due by then."""
        self.h.clock.set(when)
        self.drain()

    def drain(self, rounds: int = 300) -> None:
        """Tick until no outbox row is pending, moving the clock past each backoff,
        Retry-After and lease left by work that failed half-way (never by sleeping)."""
        h = self.h
        for _ in range(rounds):
            self.settle()
            h.tick()
            self.settle()
            with h.db.read() as session:
                pending = session.execute(
                    select(Outbox.due_at, Outbox.lease_until).where(
                        Outbox.status == WorkState.PENDING
                    )
                ).all()
            if not pending:
                return
            next_due = min(max(due, lease or due) for due, lease in pending)
            if next_due > h.clock():
                h.clock.set(next_due + timedelta(milliseconds=10))
        raise AssertionError("the outbox never drained")


def stored_keys(h: Harness, **where: Any) -> dict[str, str]:
    """Outbox rows (key → status) matching `where`."""
    with h.db.read() as session:
        rows = session.execute(select(Outbox.key, Outbox.status).filter_by(**where)).all()
    return {key: status for key, status in rows}


def latest_with(standin: SlackStandIn, user: str, action_id: str, round_id: int) -> Json:
    """The newest message in the user's DM with this button for this round."""
    for message in reversed(standin.messages_in(f"D{user}")):
        if has_button(message, action_id) and button(message, action_id)["value"] == str(round_id):
            return message
    raise AssertionError(f"{user} has no {action_id} button for round {round_id}")
