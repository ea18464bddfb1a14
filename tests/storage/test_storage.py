"""Storage layer on SQLite and PostgreSQL: schema, constraints, scoping, UTC, concurrency."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.services.lifecycle import complete_if_all_in
from bot.services.snapshots import submitted_by
from storage import queries
from storage.db import SQLITE_BUSY_TIMEOUT_MS, Database, make_engine
from storage.feedback_rows import answer_columns
from storage.migrate import alembic_config, current_revision, is_current, upgrade
from storage.models import Base, Feedback, Panelist, Role, Round

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
EMPTY = {"answers": {}, **answer_columns({})}  # feedback without a rating or an answer
THREADS = 8
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": SQLITE_BUSY_TIMEOUT_MS}


def add_round(
    s: Session, team: str = "T1", view: str = "V1", organizer: str = "UORG", **kw: Any
) -> Round:
    fields: dict[str, Any] = {
        "team_id": team,
        "role": queries.ensure_role(s, team, "Engineer"),
        "candidate_name": "Ada Lovelace",
        "organizer_id": organizer,
        "channel_id": "C1",
        "interview_at": NOW,
        "due_at": NOW + timedelta(days=1),
        "rubric": SECOND_INTERVIEW.to_data(),
        "status": Status.OPEN,
        "source_view_id": view,
    }
    r = Round(**(fields | kw))
    s.add(r)
    s.flush()
    return r


def add_panelist(s: Session, r: Round, user: str, removed: bool = False) -> Panelist:
    p = Panelist(
        team_id=r.team_id,
        round_id=r.id,
        user_id=user,
        display_name=user,
        removed_at=NOW if removed else None,
    )
    s.add(p)
    s.flush()
    return p


def add_feedback(s: Session, r: Round, user: str) -> Feedback:
    f = Feedback(team_id=r.team_id, round_id=r.id, user_id=user, recommendation=3, **EMPTY)
    s.add(f)
    s.flush()
    return f


def schema_diffs(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def run_together(n: int, fn: Callable[[], Any]) -> list[Any]:
    """Run fn in n threads released at once by a barrier; re-raises the first failure."""
    barrier = threading.Barrier(n)

    def lined_up() -> Any:
        barrier.wait(timeout=5)
        return fn()

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(lined_up) for _ in range(n)]
        return [f.result(timeout=30) for f in futures]


# 1. Migrations


def test_fixture_schema_is_current_and_matches_models(database: Database) -> None:
    assert is_current(database.engine)
    assert schema_diffs(database.engine) == []


def check_downgrade_and_upgrade(engine: Engine) -> None:
    upgrade(engine)
    assert is_current(engine)
    assert schema_diffs(engine) == []
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert is_current(engine)
    assert schema_diffs(engine) == []


def test_downgrade_to_base_and_upgrade_again_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        check_downgrade_and_upgrade(engine)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again_postgresql(postgres_engine: Engine) -> None:
    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    with postgres_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_engine.url.render_as_string(hide_password=False)  # same database, own schema
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        with engine.connect() as connection:  # never touch the shared public schema
            assert connection.scalar(text("select current_schema()")) == schema
        check_downgrade_and_upgrade(engine)
    finally:
        engine.dispose()
        with postgres_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


# 2. SQLite connection setup


def test_sqlite_pragmas(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    for session_of in (database.transaction, database.read):
        with session_of() as s:
            got = {p: s.execute(text(f"PRAGMA {p}")).scalar() for p in SQLITE_PRAGMAS}
        assert got == SQLITE_PRAGMAS


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction() as s:
        s.add(Panelist(team_id="T1", round_id=999, user_id="U1", display_name="U1"))


# 3. Unique constraints


def dup_feedback(s: Session) -> None:
    r = add_round(s)
    add_feedback(s, r, "U1")
    add_feedback(s, r, "U1")


def dup_round(s: Session) -> None:
    add_round(s, view="V1")
    add_round(s, view="V1")


def dup_panelist(s: Session) -> None:
    r = add_round(s)
    add_panelist(s, r, "U1")
    add_panelist(s, r, "U1")


def dup_role(s: Session) -> None:
    s.add(Role(team_id="T1", name="Staff Engineer", name_key="staff engineer"))
    s.flush()
    s.add(Role(team_id="T1", name="STAFF ENGINEER", name_key="staff engineer"))
    s.flush()


@pytest.mark.parametrize("insert_twice", [dup_feedback, dup_round, dup_panelist, dup_role])
def test_duplicates_are_refused(
    database: Database, insert_twice: Callable[[Session], None]
) -> None:
    with pytest.raises(IntegrityError), database.transaction() as s:
        insert_twice(s)


def test_same_keys_in_other_scopes_are_allowed(database: Database) -> None:
    with database.transaction() as s:
        r1, r2 = add_round(s, view="V1"), add_round(s, view="V2")
        add_round(s, team="T2", view="V1")
        for r in (r1, r2):
            add_panelist(s, r, "U1")
            add_feedback(s, r, "U1")
        s.add(Role(team_id="T2", name="Designer", name_key="designer"))


# 4. ensure_role


def test_ensure_role_is_case_insensitive_idempotent_and_team_scoped(database: Database) -> None:
    with database.transaction() as s:
        a = queries.ensure_role(s, "T1", "Staff Engineer")
    with database.transaction() as s:
        b = queries.ensure_role(s, "T1", "staff engineer ")
        c = queries.ensure_role(s, "T1", "  STAFF ENGINEER")
        other = queries.ensure_role(s, "T2", "Staff Engineer")
    assert a.id == b.id == c.id
    assert b.name == "Staff Engineer" and b.name_key == "staff engineer"
    assert other.id != a.id and other.team_id == "T2"
    with database.read() as s:
        assert [r.id for r in queries.roles(s, "T1")] == [a.id]
        assert [r.id for r in queries.roles(s, "T2")] == [other.id]


def test_ensure_role_concurrently_creates_one_row(database: Database) -> None:
    def create() -> int:
        with database.transaction() as s:
            return queries.ensure_role(s, "T1", "Designer").id

    assert len(set(run_together(THREADS, create))) == 1
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Role)) == 1


# 5. Team scoping


def test_queries_never_cross_teams(database: Database) -> None:
    with database.transaction() as s:
        mine, theirs = (add_round(s, team=t, view="V1", organizer="UORG") for t in ("T1", "T2"))
        for r in (mine, theirs):
            add_panelist(s, r, "U1")
            add_feedback(s, r, "U1")
    with database.transaction() as s:
        for team, own, foreign in (("T1", mine, theirs), ("T2", theirs, mine)):
            got = queries.get_round(s, team, own.id)
            assert got is not None and got.team_id == team
            assert queries.get_round(s, team, foreign.id) is None
            assert queries.lock_round(s, team, foreign.id) is None
            locked = queries.lock_round(s, team, own.id)
            assert locked is not None and locked.id == own.id
            assert queries.feedback_of(s, team, foreign.id, "U1") is None
            fb = queries.feedback_of(s, team, own.id, "U1")
            assert fb is not None and fb.team_id == team
            for user in ("UORG", "U1"):
                assert [r.id for r in queries.rounds_for_user(s, team, user)] == [own.id]
            assert [f.team_id for f in queries.feedback_for_round(s, team, foreign.id)] == []


def test_rounds_for_user_lists_live_rounds_newest_first(database: Database) -> None:
    east = timezone(timedelta(hours=5))
    with database.transaction() as s:
        # 10:00+05:00 is 05:00 UTC: earlier than 06:00 UTC despite the larger wall clock.
        early = add_round(s, view="V1", interview_at=datetime(2026, 3, 2, 10, 0, tzinfo=east))
        late = add_round(s, view="V2", interview_at=datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
        closed = add_round(s, view="V3", status=Status.CLOSED)
        left = add_round(s, view="V4", organizer="USOMEONE")
        for r in (early, late, closed):
            add_panelist(s, r, "U1")
        add_panelist(s, left, "U1", removed=True)
        ids = [r.id for r in queries.rounds_for_user(s, "T1", "U1")]
        assert ids == [late.id, early.id]
        assert [r.id for r in queries.rounds_for_user(s, "T1", "UORG")] == [late.id, early.id]


# 6. UTC


def test_datetimes_come_back_aware_utc(database: Database) -> None:
    plus_two = timezone(timedelta(hours=2))
    with database.transaction() as s:
        r = add_round(s, interview_at=datetime(2026, 3, 2, 16, 30, tzinfo=plus_two))
        add_panelist(s, r, "U1")
    with database.read() as s:
        got = queries.get_round(s, "T1", r.id)
        assert got is not None
        stamps: list[datetime | None] = [got.interview_at, got.due_at, got.created_at]
        stamps += [got.role.created_at]
        stamps += [got.panelists[0].added_at, got.panelists[0].removed_at]
        for stamp in filter(None, stamps):
            assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0), stamp
        assert got.panelists[0].removed_at is None
        assert got.interview_at == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
        assert got.interview_at.tzinfo == UTC
        # Stored as UTC, so comparisons in SQL see instants, not wall-clock text.
        before = datetime(2026, 3, 2, 15, 0, tzinfo=plus_two)  # 13:00 UTC
        assert s.scalar(select(Round.id).where(Round.interview_at > before)) == r.id


def test_naive_datetimes_are_refused(database: Database) -> None:
    naive = datetime(2026, 3, 2, 14, 0)
    with pytest.raises((ValueError, StatementError)) as info, database.transaction() as s:
        add_round(s, interview_at=naive)
    assert "naive" in str(info.value)
    with pytest.raises((ValueError, StatementError)), database.read() as s:
        s.scalar(select(Round.id).where(Round.due_at < naive))


# 7. Completion: the active panelists without feedback, read under the round's lock


def test_a_round_completes_when_no_active_panelist_is_missing(database: Database) -> None:
    def complete(rid: int) -> bool:
        with database.transaction() as s:
            locked = queries.lock_round(s, "T1", rid)
            assert locked is not None
            return complete_if_all_in(s, locked, NOW, submitted_by(s, locked))

    with database.transaction() as s:
        r, other = add_round(s, view="V1"), add_round(s, view="V2")
        for user in ("U1", "U2", "U3"):
            add_panelist(s, r, user)
        add_panelist(s, r, "UGONE", removed=True)
        add_panelist(s, r, "UGONE2", removed=True)
        add_panelist(s, other, "U2")
        add_feedback(s, r, "U1")  # submitted: not missing
        add_feedback(s, r, "UGONE")  # removed and submitted
        add_feedback(s, other, "U2")  # another round's feedback must not count here
        rid, other_id = r.id, other.id
    assert complete(rid) is False  # U2 and U3 are missing
    assert complete(other_id) is True
    with database.transaction() as s:
        r = s.get_one(Round, rid)
        add_feedback(s, r, "U2")
        s.get_one(Panelist, add_panelist(s, r, "U4").id).removed_at = NOW
    assert complete(rid) is False  # U3 is missing; U4 was removed
    with database.transaction() as s:
        add_feedback(s, s.get_one(Round, rid), "U3")
    assert complete(rid) is True
    assert complete(rid) is False  # complete already: claimed once
    with database.read() as s:
        done = queries.get_round(s, "T1", rid)
        assert done is not None and done.status == Status.COMPLETE


# 8. claim_summary


def test_claim_summary_sequentially_succeeds_once(database: Database) -> None:
    with database.transaction() as s:
        rid = add_round(s).id
    results = []
    for _ in range(3):
        with database.transaction() as s:
            assert queries.lock_round(s, "T1", rid) is not None
            results.append(queries.claim_summary(s, rid, NOW, status=Status.COMPLETE))
    assert results == [True, False, False]
    with database.read() as s:
        r = queries.get_round(s, "T1", rid)
        assert r is not None and r.status == Status.COMPLETE and r.summary_claimed_at == NOW


def test_claim_summary_concurrently_succeeds_once(database: Database) -> None:
    with database.transaction() as s:
        rid = add_round(s).id

    def claim() -> tuple[bool, bool]:
        with database.transaction() as s:
            locked = queries.lock_round(s, "T1", rid)
            assert locked is not None
            saw_unclaimed = locked.summary_claimed_at is None
            return saw_unclaimed, queries.claim_summary(s, rid, datetime.now(UTC))

    results = run_together(THREADS, claim)
    assert sum(claimed for _, claimed in results) == 1
    # The lock serializes: only the winner may see the round unclaimed.
    assert sum(saw for saw, _ in results) == 1
    assert all(saw == claimed for saw, claimed in results)


# 9. Reads beside a writer (SQLite WAL)


def test_reads_run_while_a_write_transaction_is_open(database: Database) -> None:
    with database.transaction() as s:
        rid = add_round(s, view="V1").id
    with database.transaction() as writer:
        add_round(writer, view="V2")  # holds the write lock (BEGIN IMMEDIATE on SQLite)
        started = time.monotonic()
        with database.read() as reader:
            rows = reader.scalars(select(Round.source_view_id)).all()
            assert queries.get_round(reader, "T1", rid) is not None
        assert time.monotonic() - started < 2, "the read waited for the writer"
        assert rows == ["V1"]  # the uncommitted round is invisible
    # A reader holding its snapshot open does not stop a writer from committing.
    with database.read() as reader:
        assert reader.scalar(select(func.count()).select_from(Round)) == 2
        with database.transaction() as writer:
            add_round(writer, view="V3")
    with database.read() as reader:
        assert reader.scalar(select(func.count()).select_from(Round)) == 3
