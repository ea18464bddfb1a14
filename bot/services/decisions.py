"""The organizer records the hiring decision after the debrief, and may change it with a
reason; every version is kept. Recording closes the round."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.decision import DecisionForm, DecisionVersion, decision_errors
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.stats import PanelSummary, summarize
from bot.domain.work_kinds import DueKind, follow_ups_key
from bot.errors import InvalidInput, NotAllowed, RoundNotOpen
from bot.services.context import Resources
from bot.services.lifecycle import find_round
from bot.services.outbox import OutboxWriter
from bot.services.snapshots import (
    decision_version,
    decision_versions,
    snapshot,
    snapshot_with_feedback,
)
from storage import queries
from storage.models import Decision, DueWork, Round
from storage.work import cancel_pending

NOT_YET = "The panel is still collecting feedback: the decision comes after the summary."


@dataclass(frozen=True)
class DecisionContext:
    """What the decision modal shows."""

    round: RoundSnapshot
    summary: PanelSummary
    versions: tuple[DecisionVersion, ...]


@dataclass(frozen=True)
class Recorded:
    round: RoundSnapshot
    version: DecisionVersion
    created: bool  # False: the same modal submitted again (a retry, a double click)
    follow_ups: int = 0  # the candidate's questions sent to the organizer as a checklist


class DecisionService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def start(self, team_id: str, user_id: str, round_id: int) -> DecisionContext:
        with self.resources.db.read() as session:
            rnd = _decider(session, team_id, user_id, round_id, lock=False)
            _check_decidable(rnd)
            return _context(session, rnd)

    def record(
        self,
        team_id: str,
        user_id: str,
        round_id: int,
        view_id: str,
        based_on: int,
        form: DecisionForm,
    ) -> Recorded:
        """Record a version of the decision. `based_on` is how many versions the modal
        showed: another version recorded since (a second modal, submitted first) is not
        silently overwritten. The round row is locked first, as a feedback edit locks it, so
        a late edit lands either before the decision (and counts) or after it (refused)."""
        now = self.resources.now()
        try:
            with self.resources.db.transaction() as session:
                rnd = _decider(session, team_id, user_id, round_id, lock=True)
                existing = queries.decision_by_view(session, team_id, view_id)
                if existing is not None:
                    return Recorded(snapshot(session, rnd), decision_version(existing), False)
                _check_decidable(rnd)
                context = _context(session, rnd)
                if len(context.versions) != based_on:
                    latest = context.versions[-1] if context.versions else None
                    raise RoundNotOpen(_recorded_meanwhile(latest))
                errors = decision_errors(
                    form,
                    context.summary,
                    context.round.rubric,
                    changing=bool(context.versions),
                )
                if errors or form.outcome is None:
                    raise InvalidInput(errors)
                row = Decision(
                    team_id=team_id,
                    round_id=rnd.id,
                    version=len(context.versions) + 1,
                    outcome=form.outcome,
                    rationale=form.rationale,
                    change_reason=(form.change_reason or None) if context.versions else None,
                    participants=list(form.participants),
                    decided_by=user_id,
                    decided_at=now,
                    source_view_id=view_id,
                )
                session.add(row)
                rnd.decision = form.outcome
                rnd.decided_at = now
                if rnd.status == Status.COMPLETE:  # deciding closes the round
                    rnd.status = Status.CLOSED
                    rnd.closed_at = now
                session.flush()
                # Reminders, the escalation and the decision nudges: nothing is owed now. A
                # hire's check-ins stay (they ask only while the decision is still Advance).
                cancel_pending(
                    session, DueWork, DueWork.round_id == rnd.id, DueWork.kind != DueKind.CHECK_IN
                )
                after = snapshot(session, rnd)
                out = OutboxWriter(session, team_id, now)
                out.round_changed(
                    after, summary_claimed=False, briefs_of=[p.user_id for p in after.panelists]
                )
                version = decision_version(row)
                out.decision(after, row.version)
                if row.version == 1 and context.summary.follow_ups:
                    out.post(
                        follow_ups_key(rnd.id),
                        self.resources.render.follow_ups_message(after, context.summary, version),
                        label=f"the follow-ups for {after.candidate_name}",
                        user_id=after.organizer_id,
                        round_id=rnd.id,
                    )
                return Recorded(after, version, True, len(context.summary.follow_ups))
        except IntegrityError:
            # The same submission raced itself on PostgreSQL; the other one won.
            with self.resources.db.read() as session:
                existing = queries.decision_by_view(session, team_id, view_id)
                if existing is None:
                    raise
                rnd = find_round(session, team_id, round_id, lock=False)
                return Recorded(snapshot(session, rnd), decision_version(existing), False)


def _decider(session: Session, team_id: str, user_id: str, round_id: int, *, lock: bool) -> Round:
    rnd = find_round(session, team_id, round_id, lock=lock)
    if rnd.organizer_id != user_id:
        raise NotAllowed(
            f"Only the organizer, <@{rnd.organizer_id}>, can record the decision on this round."
        )
    return rnd


def _check_decidable(rnd: Round) -> None:
    if rnd.status == Status.OPEN:
        raise RoundNotOpen(NOT_YET)
    if rnd.status == Status.CANCELLED:
        raise RoundNotOpen("This round was cancelled: there is no decision to record.")


def _context(session: Session, rnd: Round) -> DecisionContext:
    snap, feedback = snapshot_with_feedback(session, rnd)
    summary = summarize(snap.rubric, feedback, list(snap.questions))
    return DecisionContext(snap, summary, decision_versions(session, rnd.team_id, rnd.id))


def _recorded_meanwhile(latest: DecisionVersion | None) -> str:
    what = f" ({latest.outcome.label}, by <@{latest.decided_by}>)" if latest else ""
    return (
        f"The decision changed while this form was open{what}. Nothing was saved: open "
        "the decision again from the summary to see it and change it."
    )
