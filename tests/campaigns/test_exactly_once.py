"""Three instances tick the same database at once: 300 due nudges (1000 under `make
reliability`) become as many DMs, each exactly once, with Slack answering normally or failing
30 % of calls (429s and 5xx).

Each instance is what `panelbot run` builds: its own engine (Database), its own Slack
clients and its own owner ids; only the database decides who does what. One clock, shared
and moved by the instances themselves, lets backoffs and Retry-After pass without sleeping.
It only moves while nobody holds a lease (then by a few seconds, or straight to the next
due row), so no lease ever runs out under a live instance (taking over from dead ones is
test_crash_restart's subject)."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import func, select

from bot.domain.work_kinds import OutboxKind
from bot.services import Services
from storage.db import Database
from storage.models import DueWork, Outbox, WorkState
from tests.conftest import DATABASES, empty_postgres
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock, frozen_clock
from tests.support.reliability import trials
from tests.support.rows import leased
from tests.support.seeding import (
    WEDNESDAY_NOON,
    live_leases,
    next_due,
    pending,
    seed_due_nudges,
)
from tests.support.standin_services import standin_services

NUDGES = trials(300, 1000)
INSTANCES = 3
TICK_BUDGET = 5.0
CLOCK_STEP = timedelta(seconds=2)
# While another instance works, an idle one waits this long before looking again.
IDLE_WAIT = 0.005
# A run fails as stuck when no pending row was done for this long (progress restarts it), so
# a slow or busy machine takes longer but never fails a run that is still advancing.
STALL_SECONDS = 60.0


class CountingClient(WebClient):
    """The dispatch client of one instance; counts the posts Slack accepted from it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.posted = 0
        self._lock = threading.Lock()

    def chat_postMessage(self, **kwargs: Any) -> SlackResponse:
        reply = super().chat_postMessage(**kwargs)
        with self._lock:
            self.posted += 1
        return reply


@dataclass
class Instance:
    name: str
    db: Database
    services: Services
    client: CountingClient
    passes: int = 0


@pytest.fixture(params=DATABASES)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Database]]:
    """Three Database objects (three engines, as three processes would have) on one
    database: the same SQLite file, or the same PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "panelbot.db"
        shutil.copy(template, path)
        url = f"sqlite:///{path}"
    else:
        empty_postgres(request.getfixturevalue("postgres_engine"))
        url = request.getfixturevalue("postgres_url")
    dbs = [Database.from_url(url) for _ in range(INSTANCES)]
    yield dbs
    for db in dbs:
        db.dispose()


def build_instances(dbs: list[Database], standin: SlackStandIn, clock: Clock) -> list[Instance]:
    instances = []
    for i, db in enumerate(dbs):
        client = CountingClient(base_url=standin.api_url, token=standin.token, retry_handlers=[])
        services = standin_services(db, standin, clock, client)
        instances.append(Instance(f"instance-{i}", db, services, client))
    return instances


def wait_for_next(db: Database, clock: Clock) -> timedelta:
    due = next_due(db)
    return timedelta(0) if due is None else due - clock()


class Progress:
    """When the pending count last went down, as seen by any instance's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: int | None = None
        self._moved = time.monotonic()

    def stuck(self, now_pending: int) -> bool:
        with self._lock:
            if now_pending != self._pending:
                self._pending, self._moved = now_pending, time.monotonic()
            return time.monotonic() - self._moved > STALL_SECONDS


def run_until_done(instances: list[Instance], clock: Clock) -> float:
    """Every instance ticks in its own thread until no work is pending; returns seconds."""
    start = threading.Barrier(len(instances))
    done = threading.Event()
    errors: list[BaseException] = []
    progress = Progress()

    def tick_forever(instance: Instance) -> None:
        try:
            start.wait(timeout=10)
            while not done.is_set():
                instance.services.tick(budget=TICK_BUDGET)
                instance.passes += 1
                left = pending(instance.db)
                if left == 0:
                    break
                if live_leases(instance.db, clock()) == 0:
                    # What is left waits for a backoff or Retry-After: let it pass.
                    clock.advance(max(CLOCK_STEP, wait_for_next(instance.db, clock)))
                else:
                    time.sleep(IDLE_WAIT)  # another instance is at work
                if progress.stuck(left):
                    raise AssertionError(
                        f"{instance.name}: {left} rows still pending, none done for "
                        f"{STALL_SECONDS:.0f} s"
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    threads = [
        threading.Thread(target=tick_forever, args=(instance,), name=instance.name)
        for instance in instances
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # each ends once the work is done, or fails as stuck
    elapsed = time.monotonic() - began
    for instance in instances:
        instance.services.stop()
    if errors:
        raise errors[0]
    return elapsed


def assert_each_nudged_exactly_once(
    db: Database, standin: SlackStandIn, user_ids: list[str]
) -> None:
    per_channel = Counter(m["channel"] for m in standin.posted())
    assert per_channel == Counter({f"D{u}": 1 for u in user_ids}), {
        channel: n for channel, n in per_channel.items() if n != 1
    }
    assert all(m["text"].startswith("Reminder: your feedback") for m in standin.posted())
    with db.read() as session:
        outbox = Counter(session.execute(select(Outbox.kind, Outbox.status)).all())
        due = Counter(session.execute(select(DueWork.kind, DueWork.status)).all())
    assert outbox == Counter({(OutboxKind.NUDGE, WorkState.SENT): len(user_ids)})
    assert due == Counter({("nudge", WorkState.DONE): len(user_ids)})
    assert leased(db) == 0


def report(label: str, elapsed: float, instances: list[Instance], standin: SlackStandIn) -> str:
    shares = ", ".join(
        f"{i.name}: {i.services.due_work.handled} due/{i.client.posted} sent/{i.passes} passes"
        for i in instances
    )
    line = f"{label}: {elapsed:.1f} s; {shares}; faults {standin.fault_counts()}"
    print(line)
    return line


@pytest.mark.parametrize("faults", [False, True], ids=["reliable_slack", "flaky_slack"])
def test_three_instances_send_each_nudge_exactly_once(
    databases: list[Database], faults: bool, request: pytest.FixtureRequest
) -> None:
    clock = frozen_clock(WEDNESDAY_NOON)
    with SlackStandIn() as standin:
        seeded = seed_due_nudges(databases[0], NUDGES, now=clock(), standin=standin)
        if faults:
            standin.fail_randomly(0.3, kinds=("ratelimited", "server_error"), retry_after=1, seed=7)
        instances = build_instances(databases, standin, clock)
        elapsed = run_until_done(instances, clock)
        report(request.node.name, elapsed, instances, standin)

        assert_each_nudged_exactly_once(databases[0], standin, seeded.user_ids)
        # The work really was shared; together, each piece once. Every instance sent some
        # (sends are slow enough to interleave). Due work is only a few milliseconds a row:
        # on PostgreSQL (SKIP LOCKED) at least two instances claim some. SQLite takes one
        # writer at a time, and on a loaded machine one instance can drain all of it before
        # another gets a claim in (seen in CI with 300 nudges), so there only the sends are
        # required to be shared.
        shared_due = sum(i.services.due_work.handled > 0 for i in instances)
        assert shared_due >= (2 if databases[0].engine.dialect.name == "postgresql" else 1)
        assert all(i.client.posted > 0 for i in instances)
        assert sum(i.services.due_work.handled for i in instances) == NUDGES
        assert sum(i.client.posted for i in instances) == NUDGES
        faulted = standin.fault_counts()
        if faults:
            assert faulted.get("ratelimited", 0) > 0 and faulted.get("server_error", 0) > 0
            with databases[0].read() as session:
                retried = session.scalar(
                    select(func.count()).select_from(Outbox).where(Outbox.attempts > 1)
                )
            assert retried, "some nudges needed more than one attempt"
        else:
            assert faulted == {}
        assert live_leases(databases[0], clock()) == 0
