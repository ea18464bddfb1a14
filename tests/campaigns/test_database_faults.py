"""Issue 6, item 8 — the database failing under the running app.

PostgreSQL lost mid-run: four panelists submit at once while the bot's connections are cut
— in `make test` by `pg_terminate_backend` on the bot's own database's connections, every
150 ms (other people's tests share the server); under `make reliability`
(PANELBOT_RELIABILITY=full) also by restarting the server itself with `pg_ctlcluster …
restart`, found with `pg_lsclusters` by the port of PANELBOT_TEST_POSTGRES_URL. The bot
must reconnect (pool pre-ping), keep everything it acknowledged, and answer every request
during the outage clearly (an error id, and the person tries again) within 3 s.

SQLite under concurrent writers: eight panelists submitting at the same instant, with the
organizer asking for a digest and the Home tab being drawn meanwhile, then all eight editing
at once: no "database is locked" reaches anyone (answers, messages, modals, logs).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from storage.db import make_engine
from storage.models import Round
from tests.conftest import POSTGRES_URL
from tests.support.adversarial import TRACE, logged_text
from tests.support.delivery_audit import Audit, Stopwatch, audit, record_into, saved_title
from tests.support.harness import ANA, BEN, CY, DEE, HIRING, ORG, Harness
from tests.support.players import FEEDBACK_SAVED, Players
from tests.support.reliability import FULL, Outcome, trials
from tests.support.rows import database_name
from tests.support.texts import strings_in

pytestmark = pytest.mark.reliability

WED = datetime(2026, 12, 2, tzinfo=UTC)
ERROR_ID = re.compile(r"error id:? `?[0-9a-f]{8}")
LOCKED = "database is locked"
CUT_EVERY = 0.15


# -- cutting PostgreSQL off ----------------------------------------------------------------------
def bot_database(h: Harness) -> str:
    return str(h.db.engine.url.database)


def cut_connections(admin: Engine, database: str) -> Callable[[], None]:
    """pg_terminate_backend on every connection to `database` (the bot's own, never
    anyone else's), from `admin`, connected to the server's default database."""

    def cut() -> None:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )

    return cut


def postgres_cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster serving PANELBOT_TEST_POSTGRES_URL's port."""
    if not shutil.which("pg_lsclusters") or not shutil.which("pg_ctlcluster"):
        return None
    port = str(make_url(POSTGRES_URL).port or 5432)
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    for line in listed.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == port and fields[3] == "online":
            return fields[0], fields[1]
    return None


def restart_server(cluster: tuple[str, str]) -> Callable[[], None]:
    def restart() -> None:
        subprocess.run(["pg_ctlcluster", *cluster, "restart"], check=True, timeout=60)

    return restart


@pytest.fixture(params=["cut", "restart"])
def outage(request: pytest.FixtureRequest, harness: Harness) -> tuple[str, Callable[[], None]]:
    """How the database is lost: the bot's connections cut, or (full runs only) the
    server restarted."""
    if request.param == "cut":
        admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        request.addfinalizer(admin.dispose)
        return "connections cut every 150 ms", cut_connections(admin, bot_database(harness))
    if not FULL:
        pytest.skip("restarts the shared server: only under `make reliability`")
    cluster = postgres_cluster()
    if cluster is None:
        pytest.skip("no pg_ctlcluster for the test server here")
    return "server restarted (pg_ctlcluster)", restart_server(cluster)


class Outage:
    """Runs the outage in a thread while the people act: cuts repeated, or one restart."""

    def __init__(self, strike: Callable[[], None], *, repeat: bool) -> None:
        self.strike, self.repeat = strike, repeat
        self.done = threading.Event()
        self.strikes = 0
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        time.sleep(0.05)
        while not self.done.is_set():
            self.strike()
            self.strikes += 1
            if not self.repeat:
                return
            self.done.wait(CUT_EVERY)

    def __enter__(self) -> Outage:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=90)


def clear_answers(h: Harness, stopwatch: Stopwatch) -> list[str]:
    """Every request got an answer a person can act on: saved, or an error id; and no
    database or driver words anywhere people look."""
    problems = []
    for reply in stopwatch.replies:
        title = saved_title(reply)
        if title not in (None, FEEDBACK_SAVED, "Panel started") and not ERROR_ID.search(reply.body):
            problems.append(f"an unclear answer: {reply.body[:300]}")
    texts = [r.body for r in stopwatch.replies] + [
        "\n".join(strings_in(body)) for _, body in h.standin.response_posts
    ]
    texts += ["\n".join(strings_in(call.args)) for call in h.standin.calls if call.ok]
    problems += [f"shown to a person: {t[:300]}" for t in texts if TRACE.search(t)]
    return problems


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_postgres_outage_loses_nothing_acknowledged(
    harness: Harness, outage: tuple[str, Callable[[], None]]
) -> None:
    h = harness
    how, strike = outage
    outcome = Outcome(f"PostgreSQL: {how} while 4 submit", "postgresql")
    stopwatch = Stopwatch.on(h, outcome)
    p = Players.on(h)
    errors: list[str] = []
    seen = Audit()
    strikes = 0
    panel = (ANA, BEN, CY, DEE)
    for k in range(trials(2, 10) if how.startswith("connections") else trials(1, 3)):
        wed = WED + timedelta(weeks=k)
        h.clock.set(wed.replace(hour=10))
        round_id = p.start_panel(f"Candidate {k}", panel, interview=wed.replace(hour=15))
        p.drain()
        h.clock.set(wed.replace(hour=16))
        with (
            Outage(strike, repeat=how.startswith("connections")) as running,
            ThreadPoolExecutor(len(panel)) as people,
        ):
            markers = [f"evidence {k} from {user}" for user in panel]
            list(people.map(p.give_feedback, panel, [round_id] * len(panel), markers))
        strikes += running.strikes
        p.drain()
        found = audit(h.db, h.standin, unrecorded_twins=True)
        with h.db.read() as session:
            status = session.scalar(select(Round.status).where(Round.id == round_id))
        if status != "complete":
            found.problems.append(f"round {round_id} is {status} after everyone submitted")
        new = seen.news(found)
        record_into(outcome, new, p.acked.lost(h.db))
        errors += new.problems
    errors += stopwatch.problems() + clear_answers(h, stopwatch)
    refused = sum(bool(ERROR_ID.search(r.body)) for r in stopwatch.replies)
    outcome.notes.append(
        f"{strikes} outages; {p.submissions} submissions acknowledged, {refused} answered "
        "with an error id and tried again"
    )
    stopwatch.record(errors)
    assert strikes > 0
    assert not errors, "\n".join(errors[:20])


# -- concurrent writers ------------------------------------------------------------------------
WRITERS = [f"UW{i}" for i in range(1, 9)]


@pytest.fixture
def crowded(harness: Harness) -> Harness:
    """Eight more panelists, members of the hiring channel."""
    for user in WRITERS:
        harness.standin.add_user(user, user.lower(), real_name=f"Writer {user}")
    harness.standin.add_channel(
        HIRING, "hiring", is_private=True, members=[ORG, ANA, BEN, CY, DEE, *WRITERS]
    )
    return harness


def test_concurrent_writers_never_see_a_locked_database(
    crowded: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = crowded
    caplog.set_level(logging.INFO)
    outcome = Outcome("8 panelists submit, then edit, at the same instant", database_name(h.db))
    stopwatch = Stopwatch.on(h, outcome)
    p = Players.on(h)
    errors: list[str] = []
    for k in range(trials(3, 30)):
        wed = WED + timedelta(weeks=k)
        h.clock.set(wed.replace(hour=10))
        round_id = p.start_panel(f"Candidate {k}", tuple(WRITERS), interview=wed.replace(hour=15))
        p.drain()
        h.clock.set(wed.replace(hour=16))
        for edit in ("", ", edited"):
            at_once(h, p, round_id, k, edit)
        p.drain()
        found = audit(h.db, h.standin)
        with h.db.read() as session:
            status = session.scalar(select(Round.status).where(Round.id == round_id))
            rounds = session.scalar(select(func.count()).select_from(Round))
        if status != "complete" or rounds != k + 1:
            found.problems.append(f"round {round_id} is {status}; {rounds} rounds")
        record_into(outcome, found, p.acked.lost(h.db))
        errors += found.problems
    shown = [r.body for r in stopwatch.replies] + [
        "\n".join(strings_in(x)) for x in (*h.standin.response_posts, *h.standin.calls)
    ]
    locked = [t[:300] for t in [*shown, logged_text(caplog.records)] if LOCKED in t]
    errors += [f"{LOCKED!r} in: {t}" for t in locked] + stopwatch.problems()
    stopwatch.record(errors)
    assert not errors, "\n".join(errors[:20])


def at_once(h: Harness, p: Players, round_id: int, k: int, edit: str) -> None:
    """Every writer submits at the same instant (their modals opened first), while the
    organizer asks for a digest and opens the Home tab."""
    views = {user: h.open_feedback(user) for user in WRITERS}
    start = threading.Barrier(len(WRITERS) + 2)

    def submit(user: str) -> None:
        marker = f"evidence {k} from {user}{edit}"
        values = h.feedback_values(views[user], evidence=marker)
        start.wait(timeout=10)
        reply = h.driver.view_submission(user, views[user], values)
        assert saved_title(reply) == FEEDBACK_SAVED, reply.body
        p.acked.feedback[(round_id, user)] = marker

    def organizer(what: str) -> None:
        start.wait(timeout=10)
        if what == "digest":
            h.driver.command(ORG, "digest now", channel_id=HIRING)
        else:
            h.driver.event({"type": "app_home_opened", "user": ORG, "tab": "home"})

    with ThreadPoolExecutor(len(WRITERS) + 2) as pool:
        futures = [pool.submit(submit, user) for user in WRITERS]
        futures += [pool.submit(organizer, what) for what in ("digest", "home")]
        for future in futures:
            future.result()
    p.settle()
