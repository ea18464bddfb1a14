"""Alembic environment: runs online against the engine handed over by storage.migrate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection

from storage.models import Base

config = context.config
engine = config.attributes["engine"]


@contextmanager
def foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating, checked whole afterwards. Batch mode
    ALTERs a table by copying it and dropping the old one, and with foreign keys on
    (storage/db.py) that DROP TABLE cascades: altering `feedback` deleted every rating and
    revision. SQLite ignores the pragma inside a transaction, so it is set on the driver's
    connection before one begins, and set back before the connection returns to the pool."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


with engine.connect() as connection, foreign_keys_deferred(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
