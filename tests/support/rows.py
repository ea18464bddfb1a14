"""What the database holds, as tests ask it: rows counted, a round's status, rows leased by
a worker, and which kind of database a test runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.db import Database
from storage.models import DueWork, Outbox, Round


def count(db: Database, model: Any, *where: Any) -> int:
    """Rows of `model` matching every condition in `where`."""
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def status_of(db: Database, round_id: int) -> str:
    with db.read() as session:
        return str(session.scalar(select(Round.status).where(Round.id == round_id)))


def leased(db: Database) -> int:
    """Outbox and due-work rows a worker has claimed and not finished or handed back."""
    return sum(count(db, model, model.lease_owner.is_not(None)) for model in (Outbox, DueWork))


def database_name(db: Database) -> str:
    """ "postgresql" or "sqlite": what the campaigns' outcome reports are grouped by."""
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"
