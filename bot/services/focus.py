"""The organizer changes the panelists' focus areas, until feedback starts coming in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from bot.domain.focus import focus_errors
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.rubric import Rubric
from bot.errors import InvalidInput, RoundNotOpen
from bot.services.context import Resources
from bot.services.outbox import OutboxWriter
from bot.services.rounds import organized_round
from bot.services.snapshots import snapshot
from storage import queries
from storage.models import Round

FIXED = "Feedback has started coming in, so the focus areas are fixed now."


class FocusService:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    def for_organizer(self, team_id: str, user_id: str, round_id: int) -> RoundSnapshot:
        with self.resources.db.read() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=False)
            _check_changeable(session, rnd)
            return snapshot(session, rnd)

    def save(
        self, team_id: str, user_id: str, round_id: int, chosen: Mapping[str, Sequence[str]]
    ) -> RoundSnapshot:
        """Store the focus areas picked per panelist (criterion keys); every criterion must
        keep its two panelists. The round is locked first, as a feedback submission locks
        it: a change never lands after the first feedback."""
        now = self.resources.now()
        with self.resources.db.transaction() as session:
            rnd = organized_round(session, team_id, user_id, round_id, lock=True)
            _check_changeable(session, rnd)
            rubric = Rubric.from_data(rnd.rubric)
            active = [p for p in rnd.panelists if p.active]
            assignment = {
                p.user_id: tuple(
                    c.key for c in rubric.criteria if c.key in chosen.get(p.user_id, ())
                )
                for p in active
            }
            names = {p.user_id: p.display_name for p in active}
            errors = focus_errors(rubric, names, assignment)
            if errors:
                raise InvalidInput(errors)
            changed = [p.user_id for p in active if tuple(p.focus or ()) != assignment[p.user_id]]
            for p in active:
                p.focus = list(assignment[p.user_id])
            session.flush()
            snap = snapshot(session, rnd)
            if changed:  # each brief lists its panelist's focus first
                OutboxWriter(session, team_id, now).round_changed(
                    snap, summary_claimed=False, briefs_of=changed
                )
            return snap


def _check_changeable(session: Session, rnd: Round) -> None:
    if rnd.status != Status.OPEN or queries.feedback_for_round(session, rnd.team_id, rnd.id):
        raise RoundNotOpen(FIXED)
