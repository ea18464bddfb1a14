"""Reminders, answered: what panelists and organizers can do from a reminder — snooze it,
say they didn't attend, nudge everyone late now. The other reminder modules:
bot/services/reminder_schedule.py says when they fall due, bot/services/due_work.py sends
them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.panel import RoundSnapshot, Status
from bot.domain.work_kinds import not_attended_key
from bot.errors import NotAllowed, RoundNotOpen
from bot.services.context import Resources
from bot.services.due_writer import DueWorkWriter
from bot.services.lifecycle import complete_if_all_in, find_round
from bot.services.outbox import OutboxWriter
from bot.services.rounds import Changed
from bot.services.snapshots import snapshot, submitted_by
from storage.models import Round

SNOOZE = timedelta(hours=2)


@dataclass(frozen=True)
class Snoozed:
    round: RoundSnapshot
    until: datetime


@dataclass(frozen=True)
class NudgedNow:
    round: RoundSnapshot
    nudged: tuple[str, ...]


class ReminderService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def snooze(self, team_id: str, user_id: str, round_id: int, number: int) -> Snoozed:
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = _owed_by(session, team_id, user_id, round_id)
            until = now + SNOOZE
            # Keyed by the nudge snoozed: a double click snoozes once.
            DueWorkWriter(session, team_id).snooze(round_id, user_id, number, until)
            return Snoozed(snapshot(session, rnd), until)

    def not_attended(self, team_id: str, user_id: str, round_id: int) -> Changed:
        """The panelist leaves the panel; the organizer is told; the round may complete."""
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = find_round(session, team_id, round_id, lock=True)
            mine = next((p for p in rnd.panelists if p.user_id == user_id), None)
            if mine is None:
                raise NotAllowed("You're not on this panel.")
            if not mine.active:  # a double click, or a retry
                return Changed(snapshot(session, rnd), removed=())
            if rnd.status != Status.OPEN:
                raise RoundNotOpen(f"This round is already {rnd.status}; nothing to change.")
            submitted = submitted_by(session, rnd)
            if user_id in submitted:
                raise NotAllowed(
                    "You've already given feedback on this candidate, so you did attend. "
                    f"Ask <@{rnd.organizer_id}> if you should be taken off the panel."
                )
            mine.removed_at = now
            session.flush()
            claimed = complete_if_all_in(session, rnd, now, submitted)
            snap = snapshot(None, rnd, submitted)
            out = OutboxWriter(session, team_id, now)
            out.round_changed(snap, summary_claimed=claimed, briefs_of=[user_id])
            out.post(
                not_attended_key(round_id, user_id),
                self.resources.render.not_attended_notice(snap, user_id),
                label=f"the note that a panelist didn't attend ({snap.candidate_name})",
                user_id=rnd.organizer_id,
                round_id=round_id,
            )
            return Changed(snap, summary_claimed=claimed, removed=(user_id,))

    def nudge_now(self, team_id: str, user_id: str, round_id: int, message_ts: str) -> NudgedNow:
        """The organizer's "Nudge them now": one nudge per late panelist and escalation
        message (keyed by it), still within each panelist's quiet hours."""
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = find_round(session, team_id, round_id, lock=False)
            if rnd.organizer_id != user_id:
                raise NotAllowed(f"Only the organizer, <@{rnd.organizer_id}>, can nudge the panel.")
            if rnd.status != Status.OPEN:
                raise RoundNotOpen(f"This round is {rnd.status}; nobody needs a nudge.")
            snap = snapshot(session, rnd)
            due = DueWorkWriter(session, team_id)
            for panelist in snap.missing:
                due.nudge_now(round_id, panelist.user_id, message_ts, now)
            return NudgedNow(snap, tuple(p.user_id for p in snap.missing))


def _owed_by(session: Session, team_id: str, user_id: str, round_id: int) -> Round:
    rnd = find_round(session, team_id, round_id, lock=False)
    if not any(p.user_id == user_id and p.active for p in rnd.panelists):
        raise NotAllowed("You're not on this panel any more, so there's nothing to remind you of.")
    if rnd.status != Status.OPEN:
        raise RoundNotOpen(f"This round is {rnd.status}; no reminder is needed.")
    return rnd
