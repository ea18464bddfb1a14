"""Deleting data: the retention purge (old finished rounds, old finished work rows, the data
of workspaces uninstalled long ago) and the erasure of one candidate.

Purges go in batches: each call deletes at most `limit` rows in the caller's (short)
transaction, so a big purge never holds long locks. Batches are picked with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so instances purging at the same time take different
rows; SQLite serializes writers anyway (BEGIN IMMEDIATE). A row another instance deleted
first is simply not there any more: purging is idempotent.

A round's panelists, questions, feedback (with its ratings and revisions), decisions,
evidence-nudge counts, outcomes and check-ins, due work and outbox rows go with it: their
foreign keys are ON DELETE CASCADE.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.erasure import ErasableRound, candidate_key
from bot.domain.panel import Status
from bot.domain.work_kinds import DueKind, OutboxKind
from storage.models import (
    Decision,
    DigestSchedule,
    DueWork,
    Feedback,
    Outbox,
    Panelist,
    Role,
    RoleRubric,
    Round,
    Workspace,
    WorkspaceEvidenceRules,
    WorkspaceSettings,
    WorkState,
)
from storage.outcome_models import CheckIn, RoundOutcomeRow

# Rounds that will not change any more; their age counts from when they finished.
FINISHED_ROUNDS = (Status.COMPLETE, Status.CLOSED, Status.CANCELLED)
FINISHED_WORK = (
    WorkState.DONE,
    WorkState.SENT,
    WorkState.SKIPPED,
    WorkState.FAILED,
    WorkState.CANCELLED,
)


def _delete_batch(
    session: Session, pk: InstrumentedAttribute[Any], limit: int, *where: ColumnElement[bool]
) -> int:
    """Delete up to `limit` rows matching `where`, oldest id first; how many went."""
    ids = session.scalars(
        select(pk).where(*where).order_by(pk).limit(limit).with_for_update(skip_locked=True)
    ).all()
    if ids:
        session.execute(
            delete(pk.class_).where(pk.in_(ids)).execution_options(synchronize_session=False)
        )
    return len(ids)


# -- the retention purge ----------------------------------------------------------------------
def purge_finished_rounds(session: Session, cutoff: datetime, limit: int) -> int:
    """Rounds that finished (completed, closed or cancelled) before `cutoff`. Open rounds
    stay, however old: someone may still owe feedback; so does a hire's round while a
    check-in is still to be asked, and its age counts from its outcome's latest news (the
    outcome recorded, a check-in answered)."""
    finished_at = func.coalesce(Round.closed_at, Round.completed_at)
    return _delete_batch(
        session,
        Round.id,
        limit,
        Round.status.in_(FINISHED_ROUNDS),
        finished_at < cutoff,
        ~exists().where(
            DueWork.round_id == Round.id,
            DueWork.kind == DueKind.CHECK_IN,
            DueWork.status == WorkState.PENDING,
        ),
        ~exists().where(
            RoundOutcomeRow.round_id == Round.id, RoundOutcomeRow.recorded_at >= cutoff
        ),
        ~exists().where(CheckIn.round_id == Round.id, CheckIn.answered_at >= cutoff),
    )


def purge_finished_work(
    session: Session, model: type[DueWork] | type[Outbox], cutoff: datetime, limit: int
) -> int:
    """Work rows that ended before `cutoff` (cancelled due work has no finished_at: its
    creation counts). Rows of open rounds stay with their round: their unique keys are what
    keeps a nudge or a brief from being sent twice, and a round without any due work would
    get its reminders scheduled again at the next start."""
    open_rounds = select(Round.id).where(Round.status == Status.OPEN)
    return _delete_batch(
        session,
        model.id,
        limit,
        model.status.in_(FINISHED_WORK),
        func.coalesce(model.finished_at, model.created_at) < cutoff,
        or_(model.round_id.is_(None), model.round_id.not_in(open_rounds)),
    )


def expired_workspaces(session: Session, cutoff: datetime) -> list[str]:
    """Workspaces uninstalled before `cutoff`: their data is due to go."""
    return list(
        session.scalars(
            select(Workspace.team_id)
            .where(Workspace.uninstalled_at < cutoff)
            .order_by(Workspace.team_id)
        )
    )


def lock_expired_workspace(session: Session, team_id: str, cutoff: datetime) -> bool:
    """Lock the workspace row if it is still uninstalled since before `cutoff`: a reinstall
    (which clears uninstalled_at) waits for this batch, and the next batch sees it and
    stops."""
    found = session.scalar(
        select(Workspace.team_id)
        .where(Workspace.team_id == team_id, Workspace.uninstalled_at < cutoff)
        .with_for_update()
    )
    return found is not None


# What a workspace's purge deletes, in order (rounds before the roles they point to); the
# slack_* OAuth tables are not here: its tokens went when it uninstalled.
WORKSPACE_TABLES: tuple[tuple[str, InstrumentedAttribute[Any], InstrumentedAttribute[Any]], ...] = (
    ("rounds", Round.id, Round.team_id),
    ("due_work", DueWork.id, DueWork.team_id),
    ("outbox", Outbox.id, Outbox.team_id),
    ("digest_schedules", DigestSchedule.id, DigestSchedule.team_id),
    ("workspace_settings", WorkspaceSettings.team_id, WorkspaceSettings.team_id),
    ("role_rubrics", RoleRubric.id, RoleRubric.team_id),
    ("evidence_rules", WorkspaceEvidenceRules.team_id, WorkspaceEvidenceRules.team_id),
    ("roles", Role.id, Role.team_id),
)


def purge_workspace_table(
    session: Session,
    pk: InstrumentedAttribute[Any],
    team_column: InstrumentedAttribute[Any],
    team_id: str,
    limit: int,
) -> int:
    return _delete_batch(session, pk, limit, team_column == team_id)


def delete_workspace(session: Session, team_id: str) -> int:
    """The workspace row itself, last, once nothing else of the team is left."""
    result = session.execute(
        delete(Workspace)
        .where(Workspace.team_id == team_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- erasing one candidate --------------------------------------------------------------------
def candidate_rounds(
    session: Session, team_id: str, name: str, *, up_to: int | None = None
) -> list[tuple[int, str]]:
    """(id, candidate name as stored) of the team's rounds of the candidate named `name`
    (see `candidate_key`), by id, up to id `up_to` when given. Names are compared here, not
    in SQL: SQLite's lower() only folds ASCII, and Émile must be found as émile on both."""
    key = candidate_key(name)
    query = select(Round.id, Round.candidate_name).where(Round.team_id == team_id)
    if up_to is not None:
        query = query.where(Round.id <= up_to)
    return sorted(
        (rid, stored) for rid, stored in session.execute(query) if candidate_key(stored) == key
    )


def erasable_rounds(
    session: Session, team_id: str, round_ids: Sequence[int]
) -> list[ErasableRound]:
    """What the confirmation lists about each round, oldest first."""
    if not round_ids:
        return []
    panelists = _counts(
        session,
        Panelist.round_id,
        Panelist.round_id.in_(round_ids),
        Panelist.removed_at.is_(None),
    )
    feedback = _counts(session, Feedback.round_id, Feedback.round_id.in_(round_ids))
    rows = session.execute(
        select(Round.id, Role.name, Round.organizer_id, Round.status, Round.created_at)
        .join(Role, Role.id == Round.role_id)
        .where(Round.team_id == team_id, Round.id.in_(round_ids))
        .order_by(Round.created_at, Round.id)
    )
    return [
        ErasableRound(
            rid, role, organizer, status, started, panelists.get(rid, 0), feedback.get(rid, 0)
        )
        for rid, role, organizer, status, started in rows
    ]


def _counts(
    session: Session, round_column: InstrumentedAttribute[int], *where: ColumnElement[bool]
) -> dict[int, int]:
    rows = session.execute(select(round_column, func.count()).where(*where).group_by(round_column))
    return {rid: n for rid, n in rows}


def lock_rounds(session: Session, team_id: str, round_ids: Sequence[int]) -> list[int]:
    """The rounds among `round_ids` that still exist, locked until the transaction ends (a
    second erasure of the same rounds waits, then finds nothing)."""
    if not round_ids:
        return []
    return sorted(
        session.scalars(
            select(Round.id)
            .where(Round.team_id == team_id, Round.id.in_(round_ids))
            .order_by(Round.id)
            .with_for_update()
        )
    )


def first_started(session: Session, round_ids: Sequence[int]) -> datetime | None:
    return session.scalar(select(func.min(Round.created_at)).where(Round.id.in_(round_ids)))


@dataclass(frozen=True)
class MessageRef:
    """A message the bot posted in Slack, and what kind of outbox row posted it (None: the
    ts was kept on the round or the panelist)."""

    channel: str
    ts: str
    kind: OutboxKind | None = None


def posted_messages(session: Session, round_ids: Sequence[int]) -> list[MessageRef]:
    """Every message the bot recorded posting about these rounds: the announcement and the
    summary (kept on the round), the briefs (kept on each panelist) and whatever the
    round's outbox rows recorded (nudges, notices, …)."""
    if not round_ids:
        return []
    refs: list[MessageRef] = []
    for channel, announcement, summary in session.execute(
        select(Round.channel_id, Round.announcement_ts, Round.summary_ts).where(
            Round.id.in_(round_ids)
        )
    ):
        refs.extend(MessageRef(channel, ts) for ts in (announcement, summary) if ts)
    refs.extend(
        MessageRef(str(channel), str(ts))
        for channel, ts in session.execute(
            select(Panelist.dm_channel, Panelist.dm_ts).where(
                Panelist.round_id.in_(round_ids),
                Panelist.dm_channel.is_not(None),
                Panelist.dm_ts.is_not(None),
            )
        )
    )
    refs.extend(
        MessageRef(str(channel), str(ts), kind)
        for kind, channel, ts in session.execute(
            select(Outbox.kind, Outbox.result_channel, Outbox.result_ts).where(
                Outbox.round_id.in_(round_ids),
                Outbox.result_channel.is_not(None),
                Outbox.result_ts.is_not(None),
            )
        )
    )
    return refs


@dataclass(frozen=True)
class RoundContents:
    """How many rows of each kind erasing these rounds deletes."""

    panelists: int
    feedback: int
    decisions: int
    due_work: int
    outbox: int


def round_contents(session: Session, round_ids: Sequence[int]) -> RoundContents:
    def count(column: InstrumentedAttribute[Any]) -> int:
        return session.scalar(select(func.count()).where(column.in_(round_ids))) or 0

    return RoundContents(
        panelists=count(Panelist.round_id),
        feedback=count(Feedback.round_id),
        decisions=count(Decision.round_id),
        due_work=count(DueWork.round_id),
        outbox=count(Outbox.round_id),
    )


def unbound_rows_matching(
    session: Session,
    team_id: str,
    kinds: Collection[str],
    since: datetime,
    matches: Callable[[dict[str, Any]], bool],
    page: int = 200,
) -> list[tuple[int, str | None, str | None]]:
    """Outbox rows bound to no round (digests, comparisons: rendered when enqueued) of these
    kinds, enqueued since `since`, whose payload `matches`: (id, and the channel and ts of
    the message when it was sent)."""
    found: list[tuple[int, str | None, str | None]] = []
    last_id = 0
    while True:  # by pages: a year of digests is many rows with large payloads
        rows = session.execute(
            select(Outbox.id, Outbox.payload, Outbox.result_channel, Outbox.result_ts)
            .where(
                Outbox.team_id == team_id,
                Outbox.round_id.is_(None),
                Outbox.kind.in_(list(kinds)),
                Outbox.created_at >= since,
                Outbox.id > last_id,
            )
            .order_by(Outbox.id)
            .limit(page)
        ).all()
        found.extend(
            (row_id, channel, ts) for row_id, payload, channel, ts in rows if matches(payload or {})
        )
        if len(rows) < page:
            return found
        last_id = rows[-1][0]


def delete_rows(session: Session, pk: InstrumentedAttribute[int], ids: Iterable[int]) -> int:
    ids = list(ids)
    if not ids:
        return 0
    result = session.execute(
        delete(pk.class_).where(pk.in_(ids)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
