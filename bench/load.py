"""Load benchmark: `panelbot serve` against a bare ack-only Bolt app on the same stack.

For 1, 2 and 4 workers, starts Panelbot (`panelbot serve`, on a PostgreSQL database of its
own seeded with open rounds) and, in the same run, bench/bare_app.py under gunicorn with the
same worker class, workers and threads. Both get the same Slack-signed requests over loopback:
a mix of `/panel status`, "Give feedback" clicks (the bot opens the modal through the Slack
stand-in) and feedback submissions (each panelist submits once, so rounds complete and their
summaries are built). Two ways:

- closed loop: SENDERS concurrent senders, each sending its next request when the last is
  answered, to find the maximum sustained throughput;
- open loop: requests start at a constant offered rate whatever the answers do (as Slack's
  traffic arrives); answer times count from the moment a request was due, so a queue building
  up shows in the figures instead of slowing the sender down.

Prints requests/s, p50/p95/p99 answer time and errors for both apps, and the ratios.

    .venv/bin/python -m bench.load                 # ~10 min: 1, 2, 4 workers
    .venv/bin/python -m bench.load --quick         # one short pass at 2 workers
    .venv/bin/python -m bench.load --workers 2 --rates 50

The stand-in and the load generator share this process (and the machine's cores) with the
servers under test; the bare app makes no Slack calls, so the ratios are a conservative
measure of Panelbot's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import bindparam, update

from bench.common import percentile, postgres_database
from bench.load_probe import CpuMeter, Memory, memory_mb, ready_after_fork, workers_of
from bench.load_report import costs, footprint_table, report, verdict
from storage.db import Database
from storage.models import Panelist, Round
from tests.slack.driver import Reply, SlackDriver
from tests.slack.standin import SlackStandIn
from tests.slack.state import V
from tests.support.harness import CRITERIA
from tests.support.round_rows import HIRING, Seeded
from tests.support.seeding import seed_due_nudges

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIGNING_SECRET = "bench-signing-secret"
SENDERS = 50
PANEL_SIZE = 4
# Slack waits 3 s for an answer; the target is 10 % of that at 50 requests/s.
SLACK_BUDGET_S = 3.0


# -- requests -------------------------------------------------------------------------------


@dataclass
class Prepared:
    kind: str  # status | click | submit
    body: bytes
    headers: dict[str, str]
    user: str = ""


class PayloadDriver(SlackDriver):
    """The test driver's Slack payloads, signed, but handed back instead of sent: the load
    generator sends them itself, many at a time."""

    captured: tuple[bytes, dict[str, str]] | None = None

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        self.captured = self.signed(body, content_type, timestamp, secret, headers)
        return Reply(status=200, body="")

    def take(self, kind: str, user: str) -> Prepared:
        assert self.captured is not None
        body, headers = self.captured
        self.captured = None
        return Prepared(kind, body, headers, user)


class Workload:
    """Which request comes next: status, a click that opens a panelist's feedback modal,
    then that panelist's submission, in turn. Each panelist clicks and submits once."""

    def __init__(self, standin: SlackStandIn, driver: PayloadDriver, seeded: Seeded) -> None:
        self.standin = standin
        self.driver = driver
        self.slots = deque(seeded.panelists)
        self.status_users = itertools.cycle(seeded.user_ids)
        self.ready: deque[tuple[str, dict[str, Any]]] = deque()  # (user, modal) to submit
        self.template: tuple[str, dict[str, Any]] | None = None  # for an app with no modals
        self.turn = itertools.cycle(("status", "click", "submit"))
        # The bare app opens no modal, so its clicks reuse one panelist instead of using up
        # the seeded ones that Panelbot's clicks and submissions need.
        self.uses_up_panelists = True

    def can_send(self, kind: str | None) -> bool:
        """Whether a request of this kind (None: the mix) can still be made: a submission
        needs a modal a click opened (or, for the bare app, the template)."""
        return kind != "submit" or bool(self.ready) or not self.uses_up_panelists

    def next(self, only: str | None = None) -> Prepared:
        kind = only or next(self.turn)
        if kind == "click" and self.slots:
            round_id, user = self.slots.popleft() if self.uses_up_panelists else self.slots[0]
            message = {"channel": f"D{user}", "ts": f"{time.time():.6f}", "blocks": []}
            self.driver.block_action(
                user, "give_feedback", value=str(round_id), block_id="brief", message=message
            )
            return self.driver.take("click", user)
        if kind == "submit" and (self.ready or self.template):
            user, view = self.ready.popleft() if self.ready else self.template  # type: ignore[misc]
            self.driver.view_submission(user, view, feedback_values(view))
            return self.driver.take("submit", user)
        user = next(self.status_users)
        self.driver.command(user, "status")
        return self.driver.take("status", user)

    async def modal_opened(self, user: str, timeout: float = SLACK_BUDGET_S) -> bool:
        """After a click: wait for the bot to open the panelist's modal, then queue it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = self.standin.open_view_for(user)
            if view and view.get("callback_id") == "panel_feedback":
                self.ready.append((user, view))
                if self.template is None:
                    self.template = (user, view)
                return True
            await asyncio.sleep(0.02)
        return False


def feedback_values(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A complete, valid feedback form (what tests/support/harness.py's panelists type)."""
    values: dict[str, dict[str, Any]] = {
        "recommendation": {"value": V.radio("3")},
        "candidate_questions": {"value": V.text("How does on-call work here?")},
        "engagement": {"value": V.radio("high")},
    }
    for key in CRITERIA:
        values[f"rating:{key}"] = {"value": V.radio("3")}
        values[f"evidence:{key}"] = {"value": V.text("Walked us through a migration.")}
    for block in view["blocks"]:
        if block.get("type") == "input" and block["block_id"].startswith("q:"):
            values[block["block_id"]] = {"value": V.radio("resolved")}
    return values


def announce_and_brief(db: Database, standin: SlackStandIn, seeded: Seeded) -> None:
    """As a started round is: its announcement in the hiring channel and each panelist's
    brief in their DM exist in Slack, so a submission updates both in place."""
    with standin._lock:  # the stand-in's own record of the bot's messages
        announced = {
            round_id: standin._store_bot_message(HIRING, {"text": "announcement"})["ts"]
            for round_id in seeded.round_ids
        }
        briefed = {
            (round_id, user): standin._store_bot_message(f"D{user}", {"text": "brief"})["ts"]
            for round_id, user in seeded.panelists
        }
    with db.transaction() as session:
        connection = session.connection()  # Core executemany: one statement, many rows
        connection.execute(
            update(Round)
            .where(Round.id == bindparam("rid"))
            .values(announcement_ts=bindparam("ts")),
            [{"rid": r, "ts": ts} for r, ts in announced.items()],
        )
        connection.execute(
            update(Panelist)
            .where(Panelist.round_id == bindparam("rid"), Panelist.user_id == bindparam("uid"))
            .values(dm_channel=bindparam("dm"), dm_ts=bindparam("ts")),
            [{"rid": r, "uid": u, "dm": f"D{u}", "ts": ts} for (r, u), ts in briefed.items()],
        )


def due_next_week(db: Database) -> None:
    """Move the seeded rounds' due time a week ahead. Seeded overdue, every round's
    escalation (scheduled by the master's start, bot/runtime/serve.py) was due at once, and
    the worker's first ticks spent ~6 ms of CPU on each of 3,000 while the requests were
    measured: CPU that /proc counted against them, and the bare app has no ticker."""
    with db.transaction() as session:
        session.execute(update(Round).values(due_at=datetime.now(UTC) + timedelta(days=7)))


# -- measuring ------------------------------------------------------------------------------


@dataclass
class Run:
    app: str
    workers: int
    mode: str  # "closed" or "<rate>/s"
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # what went wrong, how often
    modals_missing: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    watchers: list[asyncio.Task[bool]] = field(default_factory=list)
    cpu: CpuMeter | None = None  # the workers' CPU and this process's, over the run

    def cpu_ms(self) -> float:
        """The workers' CPU per request, in ms."""
        return self.cpu.workers / len(self.latencies) * 1000 if self.cpu and self.latencies else 0

    async def settle(self) -> None:
        """Wait for the modals the clicks should have opened; count those that never did."""
        opened = await asyncio.gather(*self.watchers)
        self.modals_missing = opened.count(False)
        self.watchers.clear()

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q) if self.latencies else float("nan")

    def kind_summary(self) -> str:
        """p50/p99 per request kind, in ms: where the time goes."""
        return ", ".join(
            f"{kind} {percentile(times, 50) * 1000:.0f}/{percentile(times, 99) * 1000:.0f}"
            for kind, times in sorted(self.by_kind.items())
        )


async def send(
    session: aiohttp.ClientSession,
    url: str,
    workload: Workload,
    run: Run,
    waits_for_modal: bool,
    due: float | None = None,
    only: str | None = None,
) -> None:
    request = workload.next(only)
    started = due if due is not None else time.perf_counter()
    try:
        async with session.post(url, data=request.body, headers=request.headers) as answer:
            await answer.read()
            ok = answer.status == 200
            what = f"{request.kind}: HTTP {answer.status}"
    except (TimeoutError, aiohttp.ClientError) as exc:
        ok = False
        what = f"{request.kind}: {type(exc).__name__}"
    took = time.perf_counter() - started
    run.latencies.append(took)
    run.kinds[request.kind] = run.kinds.get(request.kind, 0) + 1
    run.by_kind.setdefault(request.kind, []).append(took)
    if not ok:
        run.errors += 1
        run.failures[what] = run.failures.get(what, 0) + 1
    elif request.kind == "click" and waits_for_modal:
        # Watch for the modal beside the sender: a person reads it while others keep clicking.
        run.watchers.append(asyncio.create_task(workload.modal_opened(request.user)))


async def closed_loop(
    url: str,
    workload: Workload,
    run: Run,
    seconds: float,
    waits_for_modal: bool,
    only: str | None = None,
) -> None:
    """`only`: requests of one kind instead of the mix (submissions stop when the modals
    the clicks opened run out)."""
    async with _session() as session:
        end = time.perf_counter() + seconds
        began = time.perf_counter()

        async def sender() -> None:
            while time.perf_counter() < end and workload.can_send(only):
                await send(session, url, workload, run, waits_for_modal, only=only)

        await asyncio.gather(*(sender() for _ in range(SENDERS)))
        run.seconds = time.perf_counter() - began
        await run.settle()


async def open_loop(
    url: str, workload: Workload, run: Run, seconds: float, rate: float, waits_for_modal: bool
) -> None:
    async with _session() as session:
        began = time.perf_counter()
        tasks = []
        for n in range(int(seconds * rate)):
            due = began + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(
                asyncio.create_task(send(session, url, workload, run, waits_for_modal, due))
            )
        await asyncio.gather(*tasks)
        run.seconds = seconds
        await run.settle()


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=10),
    )


# -- the servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[tuple[str, int]]:
    """The server's events URL and its master's pid, once it listens."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"{command[0]} exited: see {log}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{command[0]} did not listen: see {log}") from None
                    time.sleep(0.1)
            time.sleep(1.0)  # let every worker finish booting
            yield f"http://127.0.0.1:{port}/slack/events", process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def panelbot_command(workers: int, threads: int, port: int) -> list[str]:
    return [
        str(BIN / "panelbot"),
        "serve",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
    ]


def bare_command(workers: int, threads: int, port: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-k",
        "gthread",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.bare_app:application",
    ]


# -- one pass -------------------------------------------------------------------------------


@dataclass
class Plan:
    workers: list[int]
    rates: list[float]
    closed_seconds: float
    open_seconds: float
    warmup_seconds: float
    threads: int
    slots: int
    kind_seconds: float


KINDS = ("status", "click", "submit")


@dataclass
class Footprint:
    app: str
    workers: int
    memory: list[Memory]  # each worker's, after the warm-up and the closed loops
    master: Memory  # gunicorn's master, then
    ready_s: float = float("nan")  # a replacement worker, from its fork to its first answer


def measure_app(
    app: str, url: str, master: int, workload: Workload, workers: int, plan: Plan
) -> tuple[list[Run], Footprint]:
    modal = app == "panelbot"
    workload.uses_up_panelists = modal
    runs: list[Run] = []
    asyncio.run(
        closed_loop(url, workload, Run(app, workers, "warm-up"), plan.warmup_seconds, modal)
    )
    # The mix, then each kind alone (clicks open the modals the submissions then use): the
    # workers' CPU per request of each, from /proc, beside this process's (stand-in, load).
    for only in (None, *KINDS):
        run = Run(app, workers, only or "closed", cpu=CpuMeter(master).start())
        seconds = plan.closed_seconds if only is None else plan.kind_seconds
        asyncio.run(closed_loop(url, workload, run, seconds, modal, only=only))
        assert run.cpu is not None
        run.cpu.stop()
        runs.append(run)
    footprint = Footprint(
        app, workers, [memory_mb(pid) for pid in workers_of(master)], memory_mb(master)
    )
    for rate in plan.rates:
        run = Run(app, workers, f"{rate:g}/s")
        asyncio.run(open_loop(url, workload, run, plan.open_seconds, rate, modal))
        runs.append(run)
    if workers == 1:  # with more, the other workers answer while the new one boots
        footprint.ready_s = ready_after_fork(master, lambda: answered(url, workload))
    return runs, footprint


def answered(url: str, workload: Workload) -> bool:
    """Send one `/panel status` and wait for its answer (a worker still booting holds it)."""
    request = workload.next("status")
    sent = urllib.request.Request(url, data=request.body, headers=request.headers)
    try:
        with urllib.request.urlopen(sent, timeout=10) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def run_all(plan: Plan, logs: Path) -> tuple[list[Run], list[Footprint]]:
    runs: list[Run] = []
    footprints: list[Footprint] = []
    with SlackStandIn() as standin, postgres_database() as url:
        db = Database.from_url(url)
        seeded = seed_due_nudges(
            db, plan.slots, now=datetime.now(UTC), standin=standin, per_round=PANEL_SIZE, into=None
        )
        announce_and_brief(db, standin, seeded)
        due_next_week(db)
        db.dispose()
        driver = PayloadDriver("http://unused", SIGNING_SECRET, standin, team_id="T0001")
        workload = Workload(standin, driver, seeded)
        assert standin.token is not None, "the stand-in's first workspace is installed"
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
        }
        for workers in plan.workers:
            for app, command in (("panelbot", panelbot_command), ("bare", bare_command)):
                port = free_port()
                log = logs / f"load-{app}-{workers}.log"
                with server(command(workers, plan.threads, port), env, port, log) as (
                    events,
                    master,
                ):
                    found, footprint = measure_app(app, events, master, workload, workers, plan)
                runs.extend(found)
                footprints.append(footprint)
                for run in found:
                    print(
                        f"  {app:8} {workers} workers {run.mode:>7}: {run.rate:6.1f} req/s, "
                        f"p99 {run.p(99) * 1000:6.0f} ms, errors {run.errors}; "
                        f"p50/p99 ms by kind: {run.kind_summary()}"
                        + (f"; workers' CPU {run.cpu_ms():.1f} ms/req" if run.cpu else "")
                        + (f"; failures {run.failures}" if run.failures else ""),
                        flush=True,
                    )
        if len(workload.slots) == 0:
            print("note: every seeded panelist submitted; later clicks became status requests")
    return runs, footprints


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rates", type=float, nargs="+", default=[25, 50, 100])
    parser.add_argument("--closed-seconds", type=float, default=20)
    parser.add_argument("--open-seconds", type=float, default=15)
    parser.add_argument("--warmup-seconds", type=float, default=3)
    parser.add_argument(
        "--kind-seconds", type=float, default=5, help="closed loop of each request kind alone"
    )
    parser.add_argument("--threads", type=int, default=8, help="threads per worker, both apps")
    parser.add_argument("--slots", type=int, default=12_000, help="seeded panelists")
    parser.add_argument("--logs", type=Path, default=Path("/tmp"), help="server logs go here")
    parser.add_argument("--quick", action="store_true", help="one short pass at 2 workers")
    args = parser.parse_args(argv)
    plan = Plan(
        workers=[2] if args.quick else args.workers,
        rates=[50] if args.quick else args.rates,
        closed_seconds=5 if args.quick else args.closed_seconds,
        open_seconds=5 if args.quick else args.open_seconds,
        warmup_seconds=1 if args.quick else args.warmup_seconds,
        threads=args.threads,
        slots=2_000 if args.quick else args.slots,
        kind_seconds=3 if args.quick else args.kind_seconds,
    )
    print(
        f"{os.cpu_count()} cores; {SENDERS} closed-loop senders; open loop at "
        f"{', '.join(f'{r:g}' for r in plan.rates)} req/s; threads per worker {plan.threads}",
        flush=True,
    )
    runs, footprints = run_all(plan, args.logs)
    print()
    print(report(runs))
    print()
    print(costs(runs))
    print()
    print(footprint_table(footprints))
    print()
    for line in verdict(runs, footprints):
        print(line)


if __name__ == "__main__":
    main()
