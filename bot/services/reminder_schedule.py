"""Reminders, when: the due work a round schedules — the pre-interview brief, the nudges of
each panelist (after the interview, at the due time, then on the workspace's cadence) and
the organizer's escalation. The other reminder modules: bot/services/due_work.py sends each
when it falls due, bot/services/reminder_actions.py is what people do from one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.domain.schedule import Cadence, nudge_at
from bot.services.due_writer import DueWorkWriter
from storage.models import Round, WorkspaceSettings

PRE_INTERVIEW_LEAD = timedelta(minutes=30)


def cadence_of(session: Session, team_id: str) -> Cadence:
    row = session.get(WorkspaceSettings, team_id)
    if row is None:
        return Cadence()
    return Cadence(
        after_interview=timedelta(minutes=row.nudge_after_minutes),
        every=timedelta(minutes=row.nudge_every_minutes),
        enabled=row.nudges_enabled,
    )


def next_regular_nudge(
    rnd: Round, cadence: Cadence, after: datetime, start: int = 1
) -> tuple[int, datetime] | None:
    """The first scheduled nudge (number, time) from number `start` on that falls after
    `after`; a panel formed late, or an outage, never brings a burst of past nudges."""
    n = start
    while True:
        at = nudge_at(n, rnd.interview_at, rnd.due_at, cadence)
        if at is None and n > 1:  # reminders are off (only the first nudge may be absent)
            return None
        if at is not None and at > after:
            return n, at
        n += 1


def schedule_round(session: Session, rnd: Round, user_ids: Iterable[str], now: datetime) -> None:
    """The reminders of a round for these panelists, and the organizer's escalation."""
    cadence = cadence_of(session, rnd.team_id)
    due = DueWorkWriter(session, rnd.team_id)
    for user_id in user_ids:
        pre = rnd.interview_at - PRE_INTERVIEW_LEAD
        if pre > now:
            due.pre_interview(rnd.id, user_id, pre)
        # The first nudge (after the interview) and the one at the due time; each nudge
        # from the due time on schedules the next when it is handled.
        first = next_regular_nudge(rnd, cadence, now)
        if first is not None:
            due.nudge(rnd.id, user_id, *first)
            if first[0] == 1 and (second := next_regular_nudge(rnd, cadence, now, 2)):
                due.nudge(rnd.id, user_id, *second)
    due.escalation(rnd.id, rnd.due_at)
