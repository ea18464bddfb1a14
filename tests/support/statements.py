"""The SQL statements a block of code sends, for tests that hold a read to a constant number
of statements, or count the reads of one table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from storage.db import Database


def not_transaction_control(statement: str) -> bool:
    return not statement.lstrip()[:8].upper().startswith(("BEGIN", "COMMIT", "PRAGMA"))


def reads_rounds(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM rounds" in statement


@contextmanager
def statements_sent(
    database: Database, keep: Callable[[str], bool] = not_transaction_control
) -> Iterator[list[str]]:
    """The statements (those `keep` accepts) sent while the block runs."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if keep(statement):
            sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


@contextmanager
def transactions_committed(database: Database) -> Iterator[list[int]]:
    """One entry per transaction committed while the block runs (read-only ones too: a
    transaction that sent no statement never takes a connection, so it is not counted)."""
    committed: list[int] = []

    def seen(_conn: Any) -> None:
        committed.append(1)

    event.listen(database.engine, "commit", seen)
    try:
        yield committed
    finally:
        event.remove(database.engine, "commit", seen)
