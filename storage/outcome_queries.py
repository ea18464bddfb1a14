"""Reading outcomes: a few rounds' for the export, a role's for the validity report — each
in a fixed number of queries, never one per round."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.domain.decision import Outcome
from bot.domain.outcome import CheckInFacts, Offer, OutcomeFacts
from bot.domain.panel import Status
from bot.domain.validity import RoundOutcome
from storage.models import Round
from storage.outcome_models import CheckIn, RoundOutcomeRow


def outcomes_of_rounds(
    session: Session, team_id: str, round_ids: Sequence[int]
) -> dict[int, OutcomeFacts]:
    """Round id → its outcome and check-ins (two queries)."""
    if not round_ids:
        return {}
    return _facts(session, RoundOutcomeRow.round_id.in_(round_ids), team_id)


def _facts(session: Session, which: ColumnElement[bool], team_id: str) -> dict[int, OutcomeFacts]:
    check_ins: dict[int, list[CheckInFacts]] = {}
    for row in session.scalars(
        select(CheckIn)
        .join(RoundOutcomeRow, RoundOutcomeRow.round_id == CheckIn.round_id)
        .where(CheckIn.team_id == team_id, which)
        .order_by(CheckIn.round_id, CheckIn.months)
    ):
        check_ins.setdefault(row.round_id, []).append(
            CheckInFacts(
                row.months,
                row.asked_user,
                row.still_there,
                row.rating,
                row.note,
                row.answered_by,
                row.answered_at,
            )
        )
    return {
        rid: OutcomeFacts(Offer(offer), start, tuple(check_ins.get(rid, ())))
        for rid, offer, start in session.execute(
            select(
                RoundOutcomeRow.round_id, RoundOutcomeRow.offer, RoundOutcomeRow.start_date
            ).where(RoundOutcomeRow.team_id == team_id, which)
        )
    }


def role_outcomes(session: Session, team_id: str, role_id: int) -> dict[int, RoundOutcome]:
    """Round id → what validity compares the ratings with, for each finished round of the
    role with a decision (two queries): advanced or not, and a hire's answered check-ins."""
    check_ins: dict[int, dict[int, tuple[bool | None, int | None]]] = {}
    for rid, months, there, rating in session.execute(
        select(CheckIn.round_id, CheckIn.months, CheckIn.still_there, CheckIn.rating)
        .join(Round, Round.id == CheckIn.round_id)
        .where(
            CheckIn.team_id == team_id,
            Round.role_id == role_id,
            CheckIn.answered_at.is_not(None),
        )
    ):
        check_ins.setdefault(rid, {})[months] = (there, rating)
    found: dict[int, RoundOutcome] = {}
    for rid, decision, offer in session.execute(
        select(Round.id, Round.decision, RoundOutcomeRow.offer)
        .outerjoin(RoundOutcomeRow, RoundOutcomeRow.round_id == Round.id)
        .where(
            Round.team_id == team_id,
            Round.role_id == role_id,
            Round.status.in_(Status.FINISHED),
            Round.decision.is_not(None),
        )
    ):
        known = check_ins.get(rid, {}) if offer == Offer.ACCEPTED else {}
        six, twelve = known.get(6, (None, None)), known.get(12, (None, None))
        found[rid] = RoundOutcome(
            advanced=decision == Outcome.ADVANCE,
            perf_6m=six[1],
            perf_12m=twelve[1],
            # Gone by 6 months is gone at 12, asked or not.
            retained_12m=False if six[0] is False else twelve[0],
        )
    return found
