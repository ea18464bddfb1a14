"""Evidence nudges: what was pointed out to whom (counts, and a hash while it waits for an
answer), and a workspace's own rules. Every query takes the team_id or a locked round's id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.evidence import NudgeOutcome
from bot.domain.panel import Status
from storage.models import EvidenceFlag, Round, WorkspaceEvidenceRules


def workspace_rules(session: Session, team_id: str) -> dict[str, Any] | None:
    row = session.get(WorkspaceEvidenceRules, team_id)
    return row.rules if row is not None else None


def save_workspace_rules(
    session: Session, team_id: str, rules: dict[str, Any], by: str, now: datetime
) -> None:
    row = session.get(WorkspaceEvidenceRules, team_id, with_for_update=True)
    if row is None:
        session.add(WorkspaceEvidenceRules(team_id=team_id, rules=rules, updated_by=by))
    else:
        row.rules, row.updated_by, row.updated_at = rules, by, now
    session.flush()


def pending_flags(session: Session, round_id: int, user_id: str) -> Sequence[EvidenceFlag]:
    """The nudges this panelist has yet to answer on this round (the round row is locked)."""
    return session.scalars(_PENDING_FLAGS, {"round_id": round_id, "user_id": user_id}).all()


# Built once: every feedback submission runs it.
_PENDING_FLAGS = (
    select(EvidenceFlag)
    .where(
        EvidenceFlag.round_id == bindparam("round_id"),
        EvidenceFlag.user_id == bindparam("user_id"),
        EvidenceFlag.outcome == NudgeOutcome.PENDING,
    )
    .order_by(EvidenceFlag.id)
)


def answered_flags(session: Session, team_id: str) -> Sequence[Any]:
    """(panelist, round id, criterion key, outcome) of every answered nudge on the team's
    finished rounds: what calibration counts. Open rounds stay out: feedback is sealed."""
    return session.execute(
        select(
            EvidenceFlag.user_id,
            EvidenceFlag.round_id,
            EvidenceFlag.criterion_key,
            EvidenceFlag.outcome,
        )
        .join(Round, Round.id == EvidenceFlag.round_id)
        .where(
            EvidenceFlag.team_id == team_id,
            Round.status.in_(Status.FINISHED),
            EvidenceFlag.outcome != NudgeOutcome.PENDING,
        )
    ).all()
