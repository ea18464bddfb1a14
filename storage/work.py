"""Claimable work rows (due work and the outbox): add them idempotently, claim them with a
lease, finish them only while the lease is still ours.

Exactly-once rests on three things the database decides, never a lock in this process:
the unique (team_id, key) of every row; the claim, a single UPDATE that only takes pending,
due, unleased rows (PostgreSQL skips rows another claimer has locked, SQLite serializes
writers with BEGIN IMMEDIATE); and finishing with `WHERE lease_owner = me`, so an instance
whose lease ran out cannot overwrite what the next owner did.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    bindparam,
    case,
    literal_column,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import DueWork, Outbox, WorkState

WorkModel = type[DueWork] | type[Outbox]


def dialect_insert(session: Session, model: type[Any]) -> Any:
    """INSERT with ON CONFLICT support for whichever database we are on."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model)


def add_once(session: Session, model: WorkModel, **row: Any) -> None:
    """Add a row unless one with the same (team_id, key) exists: retries are no-ops."""
    row.setdefault("payload", {})
    _execute_built(session, _insert_once, model, row)


def repeat_key(
    session: Session, model: WorkModel, team_id: str, key: str, request: str
) -> str | None:
    """The key to send a message under when it is named by its content: `key` if nothing
    was sent under it yet; None if it was, or is on its way (the same content asked for
    again: a retry, a double click, nothing new since); if that one failed for good,
    `key` with the request's id (a retry of this request repeats it, so it is sent once)."""
    status = session.scalar(select(model.status).where(model.team_id == team_id, model.key == key))
    if status is None:
        return key
    if status == WorkState.FAILED:
        return f"{key}:{request}"
    return None


def add_or_reschedule(session: Session, model: WorkModel, **row: Any) -> None:
    """Add due work, or move a pending or cancelled row with the same key to the new time;
    work already done for that key (a digest of this period) is not done again."""
    row.setdefault("payload", {})
    stmt = dialect_insert(session, model).values(**row)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["team_id", "key"],
            set_={"status": WorkState.PENDING, "due_at": stmt.excluded.due_at},
            where=model.status != WorkState.DONE,
        )
    )


def add_or_rearm(session: Session, **row: Any) -> None:
    """An outbox refresh: add it, or make the existing one pending again with a new
    generation, so the latest state is sent even if an older delivery is in flight."""
    row.setdefault("payload", {})
    _execute_built(session, _insert_or_rearm, Outbox, row)


# -- statements built once -----------------------------------------------------------------
# Every submission adds two or three outbox rows. Built afresh each time (`.values(**row)`,
# `stmt.excluded`), these statements cost more CPU than the rest of the transaction
# (bench/load.py's profile, docs/performance.md): `excluded` makes a copy of every column,
# and the values go into the cache key. Built once per database kind and model, with the
# row as parameters, they are compiled once and then only executed.
Built = Callable[[str, WorkModel], Any]


def _execute_built(session: Session, build: Built, model: WorkModel, row: dict[str, Any]) -> None:
    statement = build(session.get_bind().dialect.name, model)
    # Core, not the ORM's bulk insert: one row, no objects, and the compiled form reused.
    session.connection().execute(statement, row)


def _table(model: WorkModel) -> Table:
    return cast(Table, model.__table__)


@functools.cache
def _insert_once(dialect: str, model: WorkModel) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(_table(model)).on_conflict_do_nothing(index_elements=["team_id", "key"])


@functools.cache
def _insert_or_rearm(dialect: str, model: WorkModel) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(_table(model))
    return stmt.on_conflict_do_update(
        index_elements=["team_id", "key"],
        set_={
            "status": WorkState.PENDING,
            "generation": stmt.table.c.generation + 1,
            "due_at": stmt.excluded.due_at,
            "attempts": 0,
            "last_error": None,
            "finished_at": None,
        },
    )


@dataclass(frozen=True)
class Scope:
    """Which of the due rows a claim may take: those whose `column` is `value` and, with
    `unbound`, that belong to no round. Given as values rather than an expression, so the
    claim's statement is built once per shape (`_claim`) and only its parameters change."""

    column: str  # round_id, channel_id, user_id
    value: int | str
    unbound: bool = False
    # A channel's or a person's id is not one workspace's alone (Slack Connect, Enterprise
    # Grid): rows outside any round are claimed by their team too. A round id is.
    team_id: str | None = None


def claim(
    session: Session,
    model: WorkModel,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    *,
    only: Scope | None = None,
) -> list[int]:
    """Lease up to `limit` due rows to `owner`, oldest due first; returns their ids."""
    statement = _claim(model, *_shape(only), rows=False)
    return sorted(session.scalars(statement, _claim_params(owner, now, lease, limit, only)))


def claim_rows(
    session: Session,
    model: WorkModel,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    *,
    only: Scope | None = None,
) -> list[Any]:
    """`claim`, returning the rows themselves as they are once leased, in id order: for a
    claimer that reads every row it claims (the dispatcher), the read that `leased` would
    make right after."""
    statement = _claim(model, *_shape(only), rows=True)
    found = session.scalars(statement, _claim_params(owner, now, lease, limit, only))
    return sorted(found, key=lambda row: int(row.id))


def _shape(only: Scope | None) -> tuple[str | None, bool, bool]:
    """What of a scope changes the claim's statement (its values are parameters)."""
    if only is None:
        return None, False, False
    return only.column, only.unbound, only.team_id is not None


def _claim_params(
    owner: str, now: datetime, lease: timedelta, limit: int, only: Scope | None
) -> dict[str, Any]:
    params = {"owner": owner, "now": now, "lease_end": now + lease, "limit": limit}
    if only is None:
        return params
    return {**params, "scope": only.value, "team": only.team_id}


@functools.cache
def _claim(model: WorkModel, column: str | None, unbound: bool, team: bool, *, rows: bool) -> Any:
    """The claim's UPDATE for one shape of scope, built once with its values as parameters:
    built per claim (the CTE, the conditions, the cache key) it cost about 0.4 ms of CPU, as
    much as the rest of a submission's claim (docs/performance.md)."""
    now = bindparam("now", type_=model.due_at.type)
    # A literal status lets PostgreSQL use the partial index on pending rows.
    claimable = (
        (model.status == literal_column(f"'{WorkState.PENDING}'"))
        & (model.due_at <= now)
        & or_(model.lease_until.is_(None), model.lease_until < now)
    )
    if column is not None:
        claimable = claimable & (getattr(model, column) == bindparam("scope"))
    if unbound:
        claimable = claimable & model.round_id.is_(None)
    if team:
        claimable = claimable & (model.team_id == bindparam("team", type_=model.team_id.type))
    # Picked once, in a materialized CTE: as a plain `IN (subquery)` PostgreSQL may run the
    # subquery again per row (a nested loop), and each run skips the rows this very
    # statement has just leased, so the claim would take every due row, not `limit`.
    candidates = (
        select(model.id)
        .where(claimable)
        .order_by(model.due_at, model.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite ignores it (see above)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        update(model)
        .where(model.id.in_(select(candidates.c.id)), claimable)
        .values(
            lease_owner=bindparam("owner", type_=model.lease_owner.type),
            lease_until=bindparam("lease_end", type_=model.lease_until.type),
        )
        .returning(model if rows else model.id)
        .execution_options(synchronize_session=False)
    )


def leased(session: Session, model: WorkModel, ids: Sequence[int], owner: str) -> list[Any]:
    """The rows among `ids` still leased to `owner`, in id order."""
    return list(session.scalars(_leased(model), {"ids": list(ids), "owner": owner}))


@functools.cache
def _leased(model: WorkModel) -> Any:
    # Built once per model: every outbox row delivered and every due-work row runs it.
    return (
        select(model)
        .where(
            model.id.in_(bindparam("ids", expanding=True)), model.lease_owner == bindparam("owner")
        )
        .order_by(model.id)
        .execution_options(populate_existing=True)
    )


def finish(
    session: Session,
    model: WorkModel,
    row_id: int,
    owner: str,
    *,
    unless_rearmed: int | None = None,
    count_attempt: bool = False,
    **values: Any,
) -> WorkState | None:
    """Give up the lease and set `values`; `count_attempt` adds one to the row's attempts.
    `unless_rearmed`: the generation the work was done for. If a newer change re-armed the
    row meanwhile, its `status` and `finished_at` are left pending and unset, and it is
    rendered again from the newer state. Returns the row's status then, or None when the
    lease was no longer ours."""
    statement = _finish(model, tuple(sorted(values)), unless_rearmed is not None, count_attempt)
    params = {f"v_{key}": value for key, value in values.items()}
    found = session.connection().execute(
        statement,
        {"row_id": row_id, "owner": owner, "rendered_generation": unless_rearmed, **params},
    )
    status = found.scalar()
    return None if status is None else WorkState(status)


@functools.cache
def _finish(model: WorkModel, keys: tuple[str, ...], guarded: bool, count_attempt: bool) -> Any:
    """finish's UPDATE for one shape of values, built once: every outbox row delivered and
    every due-work row ends with one, and building it (each value coerced, the cache key)
    cost about as much as running it (docs/performance.md)."""
    table = _table(model)
    sets: dict[str, Any] = {key: bindparam(f"v_{key}", type_=table.c[key].type) for key in keys}
    if guarded:
        current = table.c.generation == bindparam("rendered_generation")
        if "status" in sets:
            sets["status"] = case((current, sets["status"]), else_=WorkState.PENDING.value)
        if "finished_at" in sets:
            sets["finished_at"] = case((current, sets["finished_at"]), else_=null())
    if count_attempt:
        sets["attempts"] = table.c.attempts + 1
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.lease_owner == bindparam("owner"))
        .values(lease_owner=None, lease_until=None, **sets)
        .returning(table.c.status)
    )


def release_all(session: Session, model: WorkModel, ids: Sequence[int], owner: str) -> None:
    """Hand back rows claimed but not handled (shutting down, or the lease runs short)."""
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(ids), model.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def cancel_pending(session: Session, model: WorkModel, *conditions: ColumnElement[bool]) -> None:
    session.execute(
        update(model)
        .where(model.status == WorkState.PENDING, *conditions)
        .values(status=WorkState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
