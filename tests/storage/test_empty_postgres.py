"""tests/conftest.py empties PostgreSQL between tests with DELETE and setval, not TRUNCATE:
the next test must find what `TRUNCATE … RESTART IDENTITY CASCADE` left, no row anywhere
and every id starting at 1 again."""

from __future__ import annotations

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine

from storage.db import Database
from storage.models import Base, DueWork, Outbox, Panelist, Round
from tests.conftest import empty_postgres
from tests.support.seeding import WEDNESDAY_NOON, seed_due_nudges


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def test_leaves_no_row_and_restarts_every_id(postgres_engine: Engine, postgres_url: str) -> None:
    # Every table of the migrated schema is one the DELETEs know (alembic's own stays).
    tables = set(inspect(postgres_engine).get_table_names()) - {"alembic_version"}
    assert tables == {table.name for table in Base.metadata.sorted_tables}
    db = Database.from_url(postgres_url)
    try:
        for into in ("due_work", "outbox"):  # rounds, panelists, roles, due work, outbox
            seed_due_nudges(db, 12, now=WEDNESDAY_NOON, per_round=4, into=into)
        assert sum(row_counts(postgres_engine).values()) > 0

        empty_postgres(postgres_engine)

        assert set(row_counts(postgres_engine).values()) == {0}
        with postgres_engine.connect() as connection:
            used = connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")
            ).all()
        assert used == []  # each hands out its start value next
        seed_due_nudges(db, 4, now=WEDNESDAY_NOON, per_round=4, into="outbox")
        with db.read() as session:
            for model in (Round, Panelist, DueWork, Outbox):
                assert session.scalar(select(func.min(model.id))) == 1, model
    finally:
        empty_postgres(postgres_engine)
        db.dispose()
