"""Steps every use case on a round shares: find it (or say it's gone), and complete it
once everyone on the panel has submitted."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.decision import first_decision_nudge
from bot.domain.panel import Status
from bot.errors import NotFound
from bot.services.due_writer import DueWorkWriter
from storage import queries
from storage.models import Round


def find_round(session: Session, team_id: str, round_id: int, *, lock: bool) -> Round:
    """The team's round; `lock` takes the row lock that serializes changes to it."""
    rnd = (queries.lock_round if lock else queries.get_round)(session, team_id, round_id)
    if rnd is None:
        raise NotFound()
    return rnd


def complete_if_all_in(
    session: Session, rnd: Round, now: datetime, submitted: Collection[str]
) -> bool:
    """With the round row locked, and `submitted` (who has given feedback) read under that
    lock: when no active panelist is missing, complete the round and claim its summary.
    True for the one transaction that claimed it. Every change of a panel or of feedback
    locks the round first, so what was read under the lock is still so."""
    if rnd.status != Status.OPEN or any(
        p.active and p.user_id not in submitted for p in rnd.panelists
    ):
        return False
    claimed = claim_summary(session, rnd, now)
    rnd.status = Status.COMPLETE
    rnd.completed_at = now
    session.flush()
    return claimed


def claim_summary(session: Session, rnd: Round, now: datetime) -> bool:
    """Claim the round's summary (True for the one transaction that does) and, with it,
    the nudge to decide: the organizer hears from us if no decision follows."""
    claimed = queries.claim_summary(session, rnd.id, now)
    if claimed:
        first = first_decision_nudge(now, rnd.organizer_tz)
        DueWorkWriter(session, rnd.team_id).decision_nudge(rnd.id, rnd.organizer_id, 1, first)
    return claimed
