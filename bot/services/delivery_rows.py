"""The round a delivery renders from, read as plain rows (bot/services/deliveries.py).

Read through the ORM (queries.get_round, then the round's feedback) it cost about 1 ms of
CPU a read, the largest part of a submission's delivery (docs/performance.md). Here two
statements built once select only what the messages show: the round with its role's name
and its questions, then every panelist (removed ones too: a brief's refresh edits their DM)
with their feedback joined."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain.feedback import PanelistFeedback
from bot.domain.panel import RoundSnapshot
from bot.services.snapshot_rows import COLUMNS, row_snapshot
from bot.services.snapshots import panel_feedback
from storage.models import Feedback, Panelist, Question, Role, Round

# The round with its role's name and its questions joined, one row a question (a single row
# with none): a round has a few, and a statement fewer is worth more than repeating its
# columns.
_ROUND = (
    select(*COLUMNS, Question.id.label("question_id"), Question.text.label("question"))
    .join_from(Round, Role, Role.id == Round.role_id)
    .outerjoin(Question, Question.round_id == Round.id)
    .where(Round.id == bindparam("round_id"), Round.team_id == bindparam("team_id"))
    .order_by(Question.position)
)
# One row a panelist, their feedback (if any) joined: a round has at most a dozen.
_PANEL = (
    select(
        Panelist.user_id,
        Panelist.display_name,
        Panelist.focus,
        Panelist.removed_at,
        Panelist.dm_channel,
        Panelist.dm_ts,
        Feedback.id.label("feedback_id"),
        Feedback.answers,
        Feedback.revision,
    )
    .outerjoin_from(
        Panelist,
        Feedback,
        (Feedback.round_id == Panelist.round_id) & (Feedback.user_id == Panelist.user_id),
    )
    .where(Panelist.round_id == bindparam("round_id"))
    .order_by(Panelist.id)
)


@dataclass(frozen=True)
class CurrentRound:
    """The outbox row's round as it is at delivery, which is what a message shows."""

    snap: RoundSnapshot
    feedback: list[PanelistFeedback]  # the active panelists', in panel order
    # Each panelist's brief (removed ones' too), user id → (DM channel, ts): None until posted.
    dms: Mapping[str, tuple[str | None, str | None]]


def current_round(session: Session, team_id: str, round_id: int) -> CurrentRound | None:
    """The round as a delivery renders it, or None when it is gone."""
    connection = session.connection()  # Core: plain rows, without the ORM's result layer
    params: dict[str, Any] = {"round_id": round_id, "team_id": team_id}
    rows = connection.execute(_ROUND, params).all()
    if not rows:
        return None
    row = rows[0]
    questions = [(q.question_id, q.question) for q in rows if q.question_id is not None]
    panel = connection.execute(_PANEL, params).all()
    active = [p for p in panel if p.removed_at is None]
    # Who has given feedback: only the active panel is asked (removed panelists' is left out).
    given = {p.user_id: p for p in active if p.feedback_id is not None}
    feedback = panel_feedback(active, given)
    dms = {p.user_id: (p.dm_channel, p.dm_ts) for p in panel}
    return CurrentRound(row_snapshot(row, active, questions, set(given)), feedback, dms)
