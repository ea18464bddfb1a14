"""Outbox rows and rounds for the storage tests: a round whose announcement and briefs are
enqueued, and changes of it enqueued as a service would."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.work_kinds import OutboxKind
from bot.services.outbox import OutboxWriter
from bot.services.snapshots import snapshot
from storage import queries
from storage.db import Database
from storage.models import Outbox, Round
from storage.work import add_once
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.round_rows import TEAM
from tests.support.seeding import seed_due_nudges


def add_post(
    session: Session, key: str, due_at: datetime, *, team_id: str = TEAM, **to: str
) -> None:
    """A post outside any round, due at `due_at`, to `to` (user_id= or channel_id=)."""
    add_once(
        session,
        Outbox,
        team_id=team_id,
        key=key,
        kind=OutboxKind.POST,
        due_at=due_at,
        payload={"label": "x", "text": f"hello {key}", "blocks": []},
        **to,
    )


def row(db: Database, key: str) -> Outbox:
    with db.read() as session:
        return session.scalars(select(Outbox).where(Outbox.key == key)).one()


def start_round(db: Database, standin: SlackStandIn, clock: Clock, panel: int = 3) -> int:
    """An open round of `panel` panelists whose announcement and briefs are enqueued."""
    seeded = seed_due_nudges(db, panel, now=clock(), standin=standin, per_round=panel, into=None)
    round_id = seeded.round_ids[0]
    with db.transaction() as session:
        rnd = queries.get_round(session, TEAM, round_id)
        assert rnd is not None
        OutboxWriter(session, TEAM, clock()).round_started(snapshot(session, rnd))
    return round_id


def change_round(
    db: Database,
    clock: Clock,
    round_id: int,
    *,
    summary_claimed: bool = False,
    brief_of_first: bool = False,
    **values: Any,
) -> str:
    """Change the round (`values`) and enqueue what the change says, as a service would;
    with `brief_of_first`, the first panelist's brief is refreshed too, as their submission
    does. Returns that panelist."""
    with db.transaction() as session:
        if values:
            session.execute(update(Round).where(Round.id == round_id).values(**values))
        rnd = queries.get_round(session, TEAM, round_id)
        assert rnd is not None
        snap = snapshot(session, rnd)
        first = snap.panelists[0].user_id
        OutboxWriter(session, TEAM, clock()).round_changed(
            snap, summary_claimed=summary_claimed, briefs_of=[first] if brief_of_first else ()
        )
    return first
