"""`panelbot serve --workers N`: gunicorn worker processes against the Slack stand-in, on
SQLite and PostgreSQL. It answers health, readiness and Slack from every worker; refuses to
start on the wrong schema or no database; and on SIGTERM finishes the work after an ack,
hands back claimed work and exits 0.

The bot runs as a real subprocess (tests/support/processes.py's `Bot`), so these tests
take a few seconds each: gunicorn boots, forks and stops for real."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from storage.db import Database, make_engine
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.models import Outbox, WorkState
from tests.slack.driver import Reply, SlackDriver
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.harness import ORG, PANEL, SIGNING_SECRET, Harness, seed_workspace
from tests.support.processes import Bot, bot_env, free_port, panelbot, wait_until
from tests.support.rows import leased
from tests.support.seeding import seed_due_nudges
from tests.support.web import get

WORKERS = 2
GRACEFUL_TIMEOUT = 10
READY = re.compile(rb"worker (\d+) ready")


def serve_env(standin: SlackStandIn, url: str, **settings: str) -> dict[str, str]:
    return bot_env(standin, url, LOG_LEVEL="INFO", **settings)  # the "worker … ready" lines


@contextmanager
def served(
    standin: SlackStandIn, url: str, tmp_path: Path, **settings: str
) -> Iterator[tuple[Bot, str]]:
    """`panelbot serve --workers 2` on a free port, once both workers are ready; stopped
    (SIGTERM) at the end if the test did not stop it."""
    port = free_port()
    bot = Bot(
        env=serve_env(standin, url, **settings),
        cwd=tmp_path,
        command=(
            "serve",
            f"--workers={WORKERS}",
            "--threads=4",
            f"--bind=127.0.0.1:{port}",
            f"--graceful-timeout={GRACEFUL_TIMEOUT}",
        ),
    )
    bot.start()
    try:
        wait_until(bot, lambda: len(ready_workers(bot)) == WORKERS, "both workers ready", 20)
        yield bot, f"http://127.0.0.1:{port}"
    finally:
        bot.stop()


def ready_workers(bot: Bot) -> set[int]:
    return {int(pid) for pid in READY.findall(bot.logs[-1].read_bytes())}


def counting_workers(metrics_dir: Path) -> set[int]:
    """The processes that counted a request: prometheus_client's files end in their pid."""
    return {int(f.stem.rsplit("_", 1)[1]) for f in metrics_dir.glob("counter_*.db")}


def terminate(bot: Bot) -> tuple[int, float]:
    """SIGTERM, as docker stop or systemd sends it: the exit code and seconds it took."""
    assert bot.process is not None
    began = time.monotonic()
    bot.process.send_signal(signal.SIGTERM)
    code = bot.process.wait(timeout=GRACEFUL_TIMEOUT + 10)
    return code, time.monotonic() - began


def test_serves_health_readiness_and_slack_from_every_worker(
    database_url: str, tmp_path: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from an earlier run")
    with SlackStandIn() as standin:
        seed_workspace(standin)
        metrics = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        with served(standin, database_url, tmp_path, **metrics) as (bot, url):
            check_serving(bot, url, standin, metrics_dir)


def check_serving(bot: Bot, url: str, standin: SlackStandIn, metrics_dir: Path) -> None:
    assert not (metrics_dir / "counter_999999.db").exists(), "stale metrics are cleared"
    health = get(url + "/healthz")
    assert (health.status, health.body) == (200, "ok")
    ready = get(url + "/readyz")
    assert (ready.status, ready.body) == (200, "ready")

    # Each worker counts its requests in files of its own (named by its pid) in the
    # multiprocess directory; send until both workers have answered some.
    driver = SlackDriver(url, SIGNING_SECRET, standin)
    workers = ready_workers(bot)
    replies: list[Reply] = []
    with ThreadPoolExecutor(max_workers=8) as senders:
        while counting_workers(metrics_dir) != workers and len(replies) < 400:
            replies += senders.map(lambda _: driver.command(ORG, "status"), range(20))
    assert counting_workers(metrics_dir) == workers, "a worker never answered"
    assert all(r.status == 200 and "You owe feedback" in r.body for r in replies), [
        (r.status, r.body[:200]) for r in replies if r.status != 200
    ]
    assert max(r.elapsed for r in replies) < 3, "every ack within Slack's 3 s"
    # Whichever worker answers the scrape, it adds up every worker's count.
    metrics = get(url + "/metrics")
    status, exposition = metrics.status, metrics.body
    assert status == 200
    counted = sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "panelbot_requests_total"
    )
    assert counted == len(replies)

    code, _ = terminate(bot)
    log = bot.log_tail(10_000)
    assert code == 0, log
    assert "Traceback" not in log
    assert log.count("stopped cleanly") == WORKERS, log


def test_refuses_an_old_schema_no_database_and_a_refused_token(
    database_url: str, tmp_path: Path
) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    engine = make_engine(database_url)
    head = head_revision(engine)
    downgrade(engine, "0003")
    try:
        old = panelbot(
            "serve", "--workers=2", env={**env, "DATABASE_URL": database_url}, cwd=tmp_path
        )
        schema_after = current_revision(engine)
    finally:
        upgrade(engine)  # PostgreSQL's test database is shared by the session
        engine.dispose()
    assert old.returncode == 2, old.stderr
    assert old.stderr.splitlines() == [
        f"panelbot: database schema is at 0003, this version needs {head}: "
        "run `panelbot db upgrade` first."
    ]
    assert schema_after == "0003", "serve never migrates"

    nowhere = (
        f"sqlite:///{tmp_path}/no/such/dir/panelbot.db"
        if database_url.startswith("sqlite")
        else "postgresql+psycopg://panelbot:secret@127.0.0.1:1/panelbot"
    )
    unreachable = panelbot(
        "serve", "--workers=2", env={**env, "DATABASE_URL": nowhere}, cwd=tmp_path
    )
    assert unreachable.returncode == 2, unreachable.stderr
    lines = unreachable.stderr.splitlines()
    assert len(lines) == 1, unreachable.stderr
    assert lines[0].startswith("panelbot: cannot reach the database at ")
    assert lines[0].endswith("check DATABASE_URL.")
    assert "secret" not in lines[0], "no password in the message"

    with SlackStandIn() as standin:
        wrong = {**serve_env(standin, database_url), "SLACK_BOT_TOKEN": "xoxb-not-ours"}
        refused = panelbot("serve", "--workers=2", env=wrong, cwd=tmp_path)
    assert refused.returncode == 2, refused.stderr
    last = refused.stderr.splitlines()[-1]
    assert last.startswith("panelbot: Slack refused the bot token ("), refused.stderr
    assert "invalid_auth" in last and last.endswith("check SLACK_BOT_TOKEN."), last
    assert "Traceback" not in refused.stderr


def test_sigterm_finishes_the_work_after_an_ack(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """A new panel is submitted; its announcement and briefs are sent after the ack, slowly.
    SIGTERM then: every message still goes out before the worker exits, and exit is 0."""
    # One tick at start, then none: the request's own post-ack delivery sends everything.
    # Its private metrics directory goes under TMPDIR, to see that it is removed.
    temp = tmp_path / "tmp"
    temp.mkdir()
    settings = {"SCHEDULER_TICK_SECONDS": "3600", "TMPDIR": str(temp)}
    with (
        SlackStandIn() as standin,
        served(standin, database_url, tmp_path, **settings) as (bot, url),
    ):
        seed_workspace(standin)
        h = Harness(
            standin,
            SlackDriver(url, SIGNING_SECRET, standin),
            db,
            url,
            services=None,  # type: ignore[arg-type]  # the bot's services live in its process
            clock=Clock(),
        )
        view = h.open_new_panel()
        standin.fail_randomly(1.0, methods=["chat.postMessage"], kinds=("slow",), delay=0.5)
        reply = h.submit_new_panel(view)
        assert reply.status == 200 and reply.json()["response_action"] == "update", reply.body
        sent_at_sigterm = len(standin.posted())
        code, took = terminate(bot)

    assert code == 0, bot.log_tail()
    assert took < GRACEFUL_TIMEOUT, f"stopped after {took:.1f} s"
    assert sent_at_sigterm < 1 + len(PANEL), "SIGTERM came while the work was under way"
    assert h.announcement() is not None, bot.log_tail()
    assert all(h.dm(p) for p in PANEL), "every panelist got their brief"
    with db.read() as session:
        outbox = Counter(session.execute(select(Outbox.status)).scalars())
    assert outbox == Counter({WorkState.SENT: 1 + len(PANEL)})
    assert leased(db) == 0
    assert "Traceback" not in bot.log_tail(10_000)
    assert not list(temp.iterdir()), "the private metrics directory is removed"


def test_sigterm_hands_back_the_work_the_ticks_claimed(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """Both workers' ticks are sending a backlog of nudges, slowly, when SIGTERM comes: each
    finishes the message in hand, releases the rest of its claim, and exits 0."""
    nudges = 40
    with SlackStandIn() as standin:
        seed_due_nudges(db, nudges, now=datetime.now(UTC), standin=standin, into="outbox")
        standin.fail_randomly(1.0, methods=["chat.postMessage"], kinds=("slow",), delay=0.3)
        with served(standin, database_url, tmp_path, SCHEDULER_TICK_SECONDS="0.2") as (bot, _):
            wait_until(bot, lambda: len(standin.posted()) >= 4, "the first nudges", 10)
            code, took = terminate(bot)
        posted = len(standin.posted())

    assert code == 0, bot.log_tail()
    assert took < GRACEFUL_TIMEOUT, f"stopped after {took:.1f} s"
    assert leased(db) == 0, "every claimed row was finished or handed back"
    with db.read() as session:
        outbox = Counter(session.execute(select(Outbox.status)).scalars())
    # Sent is what Slack got; the rest waits, unleased, for the next instance's tick.
    assert outbox[WorkState.SENT] == posted < nudges, outbox
    assert set(outbox) == {WorkState.SENT, WorkState.PENDING}, outbox
    assert "Traceback" not in bot.log_tail(10_000)
