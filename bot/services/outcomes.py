"""What happened after a decision to advance, and a hire's check-ins at 6 and 12 months.

The organizer records the offer (and a hire's start date) from the decision's message; that
schedules the check-ins as due work (keys `check_in:<round>:<months>`), which ask the
organizer in a DM in their working hours. "Not my report any more" hands the question to the
person they name. Everything here is shown only to the person it is about: outcomes never
reach a hiring channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.decision import Outcome
from bot.domain.outcome import (
    CHECK_IN_MONTHS,
    NO_SUCH_CHECK_IN,
    CheckInForm,
    Offer,
    OutcomeForm,
    RecordedOutcome,
    check_in_at,
    check_in_errors,
    outcome_errors,
)
from bot.domain.panel import RoundSnapshot
from bot.domain.schedule import next_allowed
from bot.domain.work_kinds import check_in_ask_key
from bot.errors import InvalidInput, NotAllowed, NotFound, RoundNotOpen
from bot.services.context import Resources
from bot.services.due_writer import DueWorkWriter
from bot.services.lifecycle import find_round
from bot.services.outbox import OutboxWriter
from bot.services.rendering import Renderer
from bot.services.snapshots import snapshot
from storage import queries
from storage.models import DueWork, Round
from storage.outcome_models import CheckIn, RoundOutcomeRow

NOT_ADVANCED = "The outcome follows a decision to advance: record that decision first."


@dataclass(frozen=True)
class OutcomeContext:
    round: RoundSnapshot
    outcome: RecordedOutcome | None  # None: nothing recorded yet


@dataclass(frozen=True)
class OutcomeSaved:
    round: RoundSnapshot
    outcome: RecordedOutcome


@dataclass(frozen=True)
class CheckInContext:
    round: RoundSnapshot
    months: int


def recorded(row: RoundOutcomeRow) -> RecordedOutcome:
    return RecordedOutcome(Offer(row.offer), row.start_date, row.recorded_by, row.recorded_at)


def outcome_row(session: Session, round_id: int) -> RoundOutcomeRow | None:
    return session.scalar(select(RoundOutcomeRow).where(RoundOutcomeRow.round_id == round_id))


def check_in_row(session: Session, round_id: int, months: int) -> CheckIn | None:
    return session.scalar(
        select(CheckIn).where(CheckIn.round_id == round_id, CheckIn.months == months)
    )


class OutcomeService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    # -- the organizer's outcome ---------------------------------------------------------
    def start(self, team_id: str, user_id: str, round_id: int) -> OutcomeContext:
        with self.resources.db.read() as session:
            rnd = _advanced_round(session, team_id, user_id, round_id, lock=False)
            found = outcome_row(session, rnd.id)
            return OutcomeContext(snapshot(session, rnd), recorded(found) if found else None)

    def record(self, team_id: str, user_id: str, round_id: int, form: OutcomeForm) -> OutcomeSaved:
        """Save the outcome (sent again, the same values are saved again: harmless) and, for
        a hire, schedule the check-ins from the start date (moved when the date changes)."""
        now = self.resources.now()
        errors = outcome_errors(form, now.date())
        if errors or form.offer is None:
            raise InvalidInput(errors)
        with self.resources.db.transaction() as session:
            rnd = _advanced_round(session, team_id, user_id, round_id, lock=True)
            row = outcome_row(session, rnd.id)
            if row is None:
                row = RoundOutcomeRow(team_id=team_id, round_id=rnd.id)
                session.add(row)
            row.offer = form.offer.value
            row.start_date = form.start_date if form.offer == Offer.ACCEPTED else None
            row.recorded_by = user_id
            row.recorded_at = now
            session.flush()
            if row.start_date is not None:
                due = DueWorkWriter(session, team_id)
                for months in CHECK_IN_MONTHS:
                    at = check_in_at(row.start_date, months, rnd.organizer_tz)
                    due.check_in(rnd.id, rnd.organizer_id, months, at)
            return OutcomeSaved(snapshot(session, rnd), recorded(row))

    # -- a hire's check-in ---------------------------------------------------------------
    def open_check_in(
        self, team_id: str, user_id: str, round_id: int, months: int
    ) -> CheckInContext:
        with self.resources.db.read() as session:
            rnd = find_round(session, team_id, round_id, lock=False)
            _asked(session, rnd, months, user_id)
            return CheckInContext(snapshot(session, rnd), months)

    def answer(
        self, team_id: str, user_id: str, round_id: int, months: int, form: CheckInForm
    ) -> CheckInContext:
        """Save the answer; sent again (a retry), the same answer is saved again."""
        errors = check_in_errors(form)
        if errors:
            raise InvalidInput(errors)
        with self.resources.db.transaction() as session:
            rnd = find_round(session, team_id, round_id, lock=True)
            row = _asked(session, rnd, months, user_id)
            row.still_there = form.still_there
            row.rating = form.rating
            row.note = form.note or None
            row.answered_by = user_id
            row.answered_at = self.resources.now()
            return CheckInContext(snapshot(session, rnd), months)

    def delegate(
        self, team_id: str, user_id: str, round_id: int, months: int, to: str | None
    ) -> CheckInContext:
        """Hand the check-in to `to`, who is asked in a DM (once, however often this is sent)."""
        if not to:
            raise InvalidInput({"delegate": "Pick who should answer instead."})
        if to == user_id:
            raise InvalidInput({"delegate": "Pick someone else: this question is yours now."})
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = find_round(session, team_id, round_id, lock=True)
            row = check_in_row(session, rnd.id, months)
            if row is not None and row.asked_user == to and row.delegated_by == user_id:
                return CheckInContext(snapshot(session, rnd), months)  # a retry
            row = _asked(session, rnd, months, user_id)
            row.asked_user, row.delegated_by = to, user_id
            snap = snapshot(session, rnd)
            outcome = outcome_row(session, rnd.id)
            if outcome is not None and outcome.start_date is not None:
                OutboxWriter(session, team_id, now).post(
                    check_in_ask_key(rnd.id, months, to),
                    self.resources.render.check_in_message(
                        snap, months, outcome.start_date, user_id
                    ),
                    label=f"the {months}-month check-in on {snap.candidate_name}",
                    user_id=to,
                    round_id=rnd.id,
                )
            return CheckInContext(snap, months)


def ask_check_in(
    session: Session, row: DueWork, now: datetime, render: Renderer
) -> datetime | str | None:
    """The due check-in: None when asked now, a time when it must wait (quiet hours), or
    why it is not asked at all."""
    rnd = queries.get_round(session, row.team_id, row.round_id or 0)
    if rnd is None:
        return "the round is gone"
    outcome = outcome_row(session, rnd.id)
    if (
        rnd.decision != Outcome.ADVANCE
        or outcome is None
        or outcome.offer != Offer.ACCEPTED
        or outcome.start_date is None
    ):
        return "not a hire"
    months = int(row.payload.get("months") or 0)
    check_in = check_in_row(session, rnd.id, months)
    if check_in is not None and check_in.answered_at is not None:
        return "answered"
    allowed = next_allowed(now, rnd.organizer_tz)
    if allowed > now:
        return allowed
    if check_in is None:
        check_in = CheckIn(
            team_id=rnd.team_id, round_id=rnd.id, months=months, asked_user=rnd.organizer_id
        )
        session.add(check_in)
        session.flush()
    snap = snapshot(session, rnd)
    OutboxWriter(session, row.team_id, now).post(
        check_in_ask_key(rnd.id, months, check_in.asked_user),
        render.check_in_message(snap, months, outcome.start_date, check_in.delegated_by),
        label=f"the {months}-month check-in on {snap.candidate_name}",
        user_id=check_in.asked_user,
        round_id=rnd.id,
    )
    return None


def _advanced_round(
    session: Session, team_id: str, user_id: str, round_id: int, *, lock: bool
) -> Round:
    rnd = find_round(session, team_id, round_id, lock=lock)
    if rnd.organizer_id != user_id:
        raise NotAllowed(
            f"Only the organizer, <@{rnd.organizer_id}>, can record the outcome of this round."
        )
    if rnd.decision != Outcome.ADVANCE:
        raise RoundNotOpen(NOT_ADVANCED)
    return rnd


def _asked(session: Session, rnd: Round, months: int, user_id: str) -> CheckIn:
    row = check_in_row(session, rnd.id, months)
    if row is None:
        raise NotFound(NO_SUCH_CHECK_IN)
    if row.asked_user != user_id:
        raise NotAllowed(f"This check-in is asked of <@{row.asked_user}>.")
    return row
