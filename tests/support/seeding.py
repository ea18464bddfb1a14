"""Bulk test data for the delivery tests: open rounds whose panelists each have one due nudge.

`seed_due_nudges` writes, through the ORM in one transaction, enough open rounds in the
stand-in's team that exactly `count` panelists owe feedback and have a nudge due one minute
before `now` (as due work, or already as the outbox row the due work would enqueue). The
panelists are registered in the Slack stand-in so their DMs can be opened.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.domain import work_kinds
from bot.domain.work_kinds import DueKind, OutboxKind
from storage import queries
from storage.db import Database
from storage.models import Base, DueWork, Outbox, Panelist, Round, WorkState
from tests.slack.standin import SlackStandIn
from tests.support.round_rows import HIRING, ORGANIZER, TEAM, Seeded, round_row

# A Wednesday noon: no panelist in UTC is in quiet hours then.
WEDNESDAY_NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
NUDGE_N = 2


def panelist_id(i: int) -> str:
    return f"UP{i:04d}"


def nudge_key(round_id: int, user_id: str) -> str:
    return work_kinds.nudge_key(round_id, user_id, NUDGE_N)


def register_workspace(standin: SlackStandIn, user_ids: list[str], tz: str = "UTC") -> None:
    """The organizer, the panelists and the hiring channel (the bot is a member)."""
    standin.add_user(ORGANIZER, "olga", real_name="Olga Organizer")
    for user_id in user_ids:
        standin.add_user(user_id, user_id.lower(), real_name=f"Panelist {user_id}", tz=tz)
    standin.add_channel(HIRING, "hiring", is_private=True, members=[ORGANIZER, *user_ids])


def seed_due_nudges(
    db: Database,
    count: int,
    *,
    now: datetime,
    standin: SlackStandIn | None = None,
    per_round: int = 10,
    tz: str = "UTC",
    into: Literal["due_work", "outbox"] | None = "due_work",
) -> Seeded:
    """`count` panelists (UP0000, UP0001, …) in open rounds of `per_round`, each with a
    nudge (number 2, not "regular": it schedules no follow-up) due a minute before `now`:
    as a due-work row (`into="due_work"`), as the outbox row the due work would enqueue
    (`into="outbox"`), or none at all (`into=None`)."""
    user_ids = [panelist_id(i) for i in range(count)]
    groups = [user_ids[i : i + per_round] for i in range(0, count, per_round)]
    batch = uuid.uuid4().hex[:8]
    with db.transaction() as session:
        role_id = queries.ensure_role(session, TEAM, "Staff Engineer").id
        round_ids = list(
            session.scalars(
                insert(Round).returning(Round.id, sort_by_parameter_order=True),
                [
                    round_row(
                        role_id,
                        f"Candidate {n}",
                        f"seed-{batch}-{n}",
                        interview_at=now - timedelta(days=2),
                        due_at=now - timedelta(days=1),
                        created_at=now - timedelta(days=3),
                    )
                    for n in range(len(groups))
                ],
            )
        )
        panelists = [
            (round_id, user_id)
            for round_id, group in zip(round_ids, groups, strict=True)
            for user_id in group
        ]
        _bulk(
            session,
            Panelist,
            [
                {
                    "team_id": TEAM,
                    "round_id": round_id,
                    "user_id": user_id,
                    "display_name": f"Panelist {user_id}",
                    "tz": tz,
                    "added_at": now - timedelta(days=3),
                }
                for round_id, user_id in panelists
            ],
        )
        if into is not None:
            model = DueWork if into == "due_work" else Outbox
            _bulk(session, model, [_nudge_row(into, r, u, now) for r, u in panelists])
        if into == "outbox":
            # The due work that enqueued those rows, done: without it the rounds look as if
            # they predate reminders, and an instance's start would schedule them afresh.
            done = [_nudge_row("due_work", r, u, now) for r, u in panelists]
            _bulk(session, DueWork, [row | {"status": WorkState.DONE} for row in done])
    if standin is not None:
        register_workspace(standin, user_ids, tz)
    return Seeded(role_id, round_ids, panelists)


def _nudge_row(
    into: Literal["due_work", "outbox"], round_id: int, user_id: str, now: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "team_id": TEAM,
        "key": nudge_key(round_id, user_id),
        "due_at": now - timedelta(minutes=1),
        "round_id": round_id,
        "user_id": user_id,
    }
    if into == "due_work":
        return row | {"kind": DueKind.NUDGE, "payload": {"n": NUDGE_N}}
    # What OutboxWriter.reminder writes when the due work is handled.
    return row | {
        "kind": OutboxKind.NUDGE,
        "notify_user_id": ORGANIZER,
        "payload": {"label": "a feedback reminder for a candidate", "n": NUDGE_N},
    }


def _bulk(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model), rows)


# -- what is left to do ----------------------------------------------------------------------
def pending(db: Database) -> int:
    """Due work and outbox rows still pending (leased or not)."""
    with db.read() as session:
        return sum(
            session.scalar(
                select(func.count()).select_from(model).where(model.status == WorkState.PENDING)
            )
            or 0
            for model in (DueWork, Outbox)
        )


def live_leases(db: Database, now: datetime) -> int:
    """Rows some instance holds right now (its lease has not run out at `now`)."""
    with db.read() as session:
        return sum(
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.lease_owner.is_not(None), model.lease_until >= now)
            )
            or 0
            for model in (DueWork, Outbox)
        )


def next_due(db: Database) -> datetime | None:
    """When the earliest pending row is due (None: nothing is pending)."""
    with db.read() as session:
        times = [
            session.scalar(select(func.min(model.due_at)).where(model.status == WorkState.PENDING))
            for model in (DueWork, Outbox)
        ]
    found = [t for t in times if t is not None]
    return min(found) if found else None
