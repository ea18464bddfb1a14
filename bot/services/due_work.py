"""Handles due work: reminders (scheduled by bot/services/reminder_schedule.py), escalations,
digests, decision nudges, check-ins. Each row is handled in one transaction with the outbox
rows it produces, so a message is enqueued exactly once even with several instances ticking
(the row is leased) or a crash halfway (it all rolls back)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.decision import next_decision_nudge
from bot.domain.panel import Status
from bot.domain.schedule import next_allowed
from bot.domain.work_kinds import DueKind, OutboxKind
from bot.services.context import Resources
from bot.services.digests import run_digest
from bot.services.due_writer import DueWorkWriter
from bot.services.outbox import OutboxWriter
from bot.services.outcomes import ask_check_in
from bot.services.reminder_schedule import (
    cadence_of,
    next_regular_nudge,
    schedule_round,
)
from bot.services.rendering import Renderer
from bot.services.snapshots import snapshot
from bot.services.work_loop import Claim, WorkLoop
from storage import queries
from storage.models import DueWork, Outbox, WorkState
from storage.work import Scope, finish, leased

log = logging.getLogger(__name__)

BATCH = 50
RETRY_AFTER_ERROR = timedelta(minutes=1)
# Two nudges to one person closer than this are one too many.
NUDGE_GAP = timedelta(minutes=30)


class LeaseLost(Exception):
    """Raised inside the transaction to roll back work whose lease another instance took."""


@dataclass(frozen=True)
class Later:
    """Not now (quiet hours): due again at `at`."""

    at: datetime


@dataclass(frozen=True)
class Done:
    note: str = ""


Outcome = Later | Done
Handler = Callable[[Session, DueWork, datetime, Renderer], Outcome]


class DueWorkRunner:
    def __init__(self, resources: Resources, owner: str | None = None) -> None:
        self.resources = resources
        self.loop = WorkLoop(resources, DueWork, owner or f"due-{uuid.uuid4().hex[:12]}", BATCH)
        self.stopping = self.loop.stopping
        self.handled = 0

    def adopt_unscheduled_rounds(self) -> int:
        """Schedule the reminders of open rounds that have none (started before an upgrade
        brought reminders); idempotent, so every instance may run it at start."""
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rounds = queries.open_rounds_without_due_work(session)
            for rnd in rounds:
                schedule_round(session, rnd, [p.user_id for p in rnd.panelists if p.active], now)
            return len(rounds)

    def run_round(self, round_id: int) -> int:
        """Handle what is due for one round now (right after a click that made it due).
        The click is committed by then: a failure here is the tick's to retry, logged and
        never told to the person as if their click had failed."""
        try:
            return self.run(budget=10.0, only=Scope("round_id", round_id))
        except Exception:
            log.exception("due work right after a click failed; the next tick retries")
            return 0

    def run(self, budget: float = 20.0, only: Scope | None = None) -> int:
        before = self.handled
        self.loop.drain(self._handle, budget=budget, only=only)
        return self.handled - before

    def _handle(self, row_id: int, claim: Claim) -> bool:
        """Whether the row is due again at once (WorkLoop.drain): only when its handler put
        it off to a moment already past. Each row is handled on its own (of its claim, only
        the lease token is used)."""
        now, token = self.resources.now(), claim.token
        again = False
        try:
            with self.resources.db.transaction() as session:
                rows = leased(session, DueWork, [row_id], token)
                if not rows:
                    return False
                row = rows[0]
                outcome = HANDLERS[row.kind](session, row, now, self.resources.render)
                if isinstance(outcome, Later):
                    kept = finish(session, DueWork, row.id, token, due_at=outcome.at)
                    again = outcome.at <= now
                else:
                    kept = finish(
                        session,
                        DueWork,
                        row.id,
                        token,
                        status=WorkState.DONE,
                        finished_at=now,
                        last_error=outcome.note[:300] or None,
                    )
                if not kept:  # the lease ran out meanwhile: the next owner does it all again
                    raise LeaseLost(row_id)
            self.handled += 1
        except LeaseLost:
            log.warning("due work %s: lease ran out before it was done; rolled back", row_id)
        except Exception as exc:
            error_id = uuid.uuid4().hex[:8]
            log.exception("due work %s failed (error id %s)", row_id, error_id)
            with self.resources.db.transaction() as session:
                finish(
                    session,
                    DueWork,
                    row_id,
                    token,
                    due_at=now + RETRY_AFTER_ERROR,
                    count_attempt=True,
                    last_error=f"{type(exc).__name__} (error id {error_id})",
                )
        return again


def _nudge(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    rnd = queries.get_round(session, row.team_id, row.round_id or 0)
    if rnd is None or rnd.status != Status.OPEN:
        return Done("round no longer open")
    panelist = next((p for p in rnd.panelists if p.user_id == row.user_id and p.active), None)
    if panelist is None:
        return Done("no longer on the panel")
    snap = snapshot(session, rnd)
    if snap.submitted(panelist.user_id):
        return Done("feedback given")
    n = int(row.payload.get("n", 0))
    regular = bool(row.payload.get("regular"))
    cadence = cadence_of(session, row.team_id)
    if regular and not cadence.enabled:
        return Done("reminders are off in this workspace")
    allowed = next_allowed(now, panelist.tz)
    if regular and n == 1 and allowed >= rnd.due_at:
        return Done("the due-time reminder comes first")
    if allowed > now:
        return Later(allowed)
    if regular and n >= 2 and (following := next_regular_nudge(rnd, cadence, now, n + 1)):
        DueWorkWriter(session, row.team_id).nudge(rnd.id, panelist.user_id, *following)
    if _nudged_since(session, row, now - NUDGE_GAP):
        # A snooze or "Nudge them now" held for the same morning as a regular nudge.
        return Done("nudged moments ago")
    OutboxWriter(session, row.team_id, now).reminder(
        row.key, OutboxKind.NUDGE, snap, panelist.user_id, n
    )
    return Done()


def _nudged_since(session: Session, row: DueWork, since: datetime) -> bool:
    return (
        session.scalar(
            select(Outbox.id)
            .where(
                Outbox.round_id == row.round_id,
                Outbox.user_id == row.user_id,
                Outbox.kind == OutboxKind.NUDGE,
                Outbox.due_at > since,
            )
            .limit(1)
        )
        is not None
    )


def _pre_interview(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    rnd = queries.get_round(session, row.team_id, row.round_id or 0)
    if rnd is None or rnd.status != Status.OPEN or now >= rnd.interview_at:
        return Done("too late or not needed")
    snap = snapshot(session, rnd)
    if not snap.has_panelist(row.user_id or ""):
        return Done("no longer on the panel")
    OutboxWriter(session, row.team_id, now).reminder(
        row.key, OutboxKind.PRE_INTERVIEW, snap, row.user_id or "", 0
    )
    return Done()


def _escalate(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    rnd = queries.get_round(session, row.team_id, row.round_id or 0)
    if rnd is None or rnd.status != Status.OPEN:
        return Done("round no longer open")
    snap = snapshot(session, rnd)
    if not snap.missing:
        return Done("nobody is late")
    OutboxWriter(session, row.team_id, now).post(
        row.key,
        render.escalation_message(snap),
        label=f"the late-feedback note for {snap.candidate_name}",
        user_id=snap.organizer_id,
        round_id=snap.id,
    )
    return Done()


def _digest(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    return Done(run_digest(session, row.team_id, row.channel_id or "", row.key, now, render))


def _decide(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    """Remind the organizer of a finished round that no decision is recorded yet, in their
    working hours, then again the next business day."""
    rnd = queries.get_round(session, row.team_id, row.round_id or 0)
    if rnd is None or rnd.status not in Status.FINISHED:
        return Done("round not finished")
    if rnd.decision:
        return Done("decided")
    allowed = next_allowed(now, rnd.organizer_tz)
    if allowed > now:
        return Later(allowed)
    snap = snapshot(session, rnd)
    finished = rnd.completed_at or rnd.closed_at or now
    OutboxWriter(session, row.team_id, now).post(
        row.key,
        render.decision_nudge_message(snap, finished),
        label=f"the reminder to decide on {snap.candidate_name}",
        user_id=snap.organizer_id,
        round_id=snap.id,
    )
    n = int(row.payload.get("n", 1))
    following = next_decision_nudge(now, rnd.organizer_tz)
    DueWorkWriter(session, row.team_id).decision_nudge(rnd.id, rnd.organizer_id, n + 1, following)
    return Done()


def _check_in(session: Session, row: DueWork, now: datetime, render: Renderer) -> Outcome:
    """A hire's check-in at 6 or 12 months, asked in the organizer's working hours."""
    found = ask_check_in(session, row, now, render)
    if isinstance(found, datetime):
        return Later(found)
    return Done(found or "")


HANDLERS: dict[DueKind, Handler] = {
    DueKind.NUDGE: _nudge,
    DueKind.PRE_INTERVIEW: _pre_interview,
    DueKind.ESCALATE: _escalate,
    DueKind.DIGEST: _digest,
    DueKind.DECIDE: _decide,
    DueKind.CHECK_IN: _check_in,
}
