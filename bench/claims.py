"""Claim benchmark: instances (processes) draining due work with leases, as the bot does.

Seeds due-work rows due now, then starts instances as separate processes (spawned, each with
its own engine) that loop like bot.services.work_loop.WorkLoop.drain + DueWorkRunner._handle:
claim a batch with a lease in one transaction, then per row, in its own transaction, read it back
while the lease is ours (storage.work.leased) and finish it (status done), until a claim
comes back empty. Measures wall time, rows/s and each instance's share, and checks that
every row was claimed and finished exactly once. Baseline in the same run: one instance.

    .venv/bin/python -m bench.claims            # 10,000 rows, 3 instances vs 1
    .venv/bin/python -m bench.claims --quick    # a small smoke run
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import delete, func, insert, select

from bench.common import BACKENDS, analyze, database, reset_sequence, table
from storage.db import Database
from storage.models import DueWork, WorkState
from storage.work import claim, finish, leased

TEAM = "T0BENCH"
INSERT_CHUNK = 5000


@dataclass
class WorkerResult:
    owner: str
    claimed: list[int]
    finished: list[int]
    lost: int  # rows claimed but no longer ours when we came to finish them
    claims: int  # claim transactions, the final empty one included
    started: float  # time.monotonic(): one clock for all processes on Linux
    ended: float
    cpu_s: float  # this process's CPU time while draining
    error: str | None = None


def worker(
    url: str,
    owner: str,
    batch: int,
    lease_seconds: float,
    barrier: Barrier,
    results: Queue[WorkerResult],
) -> None:
    """One instance: its own engine, claiming and finishing until nothing is left."""
    db = Database.from_url(url)
    lease = timedelta(seconds=lease_seconds)
    claimed: list[int] = []
    finished: list[int] = []
    lost = claims = 0
    error = None
    with db.read() as session:  # connect before the start line
        session.execute(select(1))
    barrier.wait()
    started = time.monotonic()
    cpu = time.process_time()
    try:
        while True:
            now = datetime.now(UTC)
            token = f"{owner}:{uuid.uuid4().hex[:8]}"
            with db.transaction() as session:
                ids = claim(session, DueWork, token, now, lease, batch)
            claims += 1
            if not ids:
                break
            claimed += ids
            for row_id in ids:
                with db.transaction() as session:
                    rows = leased(session, DueWork, [row_id], token)
                    done = bool(rows) and finish(
                        session,
                        DueWork,
                        row_id,
                        token,
                        status=WorkState.DONE,
                        finished_at=datetime.now(UTC),
                    )
                if done:
                    finished.append(row_id)
                else:
                    lost += 1
    except Exception as exc:  # reported by the parent, which fails the check
        error = f"{type(exc).__name__}: {exc}"
    ended = time.monotonic()
    cpu = time.process_time() - cpu
    db.dispose()
    results.put(WorkerResult(owner, claimed, finished, lost, claims, started, ended, cpu, error))


def seed(db: Database, rows: int) -> list[int]:
    """`rows` pending due-work rows, due over the last minute; returns their ids."""
    now = datetime.now(UTC)
    with db.transaction() as session:
        session.execute(delete(DueWork))
        data: list[dict[str, Any]] = [
            {
                "id": n,
                "team_id": TEAM,
                "key": f"bench:{n}",
                "kind": "nudge",
                "status": WorkState.PENDING,
                "due_at": now - timedelta(seconds=60 * (rows - n) / rows),
                "payload": {},
                "user_id": f"U{n % 1000:06d}",
                "channel_id": f"C{n % 200:08d}",
                "created_at": now,
            }
            for n in range(1, rows + 1)
        ]
        for start in range(0, rows, INSERT_CHUNK):
            session.execute(insert(DueWork), data[start : start + INSERT_CHUNK])
    reset_sequence(db.engine, "due_work")
    analyze(db.engine)
    return [row["id"] for row in data]


@dataclass
class Outcome:
    backend: str
    instances: int
    batch: int
    rows: int
    wall_s: float
    workers: list[WorkerResult]
    problems: list[str]
    lease_s: float

    @property
    def rate(self) -> float:
        return self.rows / self.wall_s


def verify(
    db: Database, ids: list[int], workers: list[WorkerResult], *, reclaims: bool
) -> list[str]:
    """Every row claimed by exactly one instance and finished exactly once, by it. With
    `reclaims` (leases shorter than a batch takes), a row whose lease ran out may be claimed
    again by another instance; it must still be finished exactly once."""
    problems = [f"{w.owner}: {w.error}" for w in workers if w.error]
    everything = set(ids)
    claimed_total = sum(len(w.claimed) for w in workers)
    finished_total = sum(len(w.finished) for w in workers)
    claimed = set().union(*(w.claimed for w in workers))
    finished = set().union(*(w.finished for w in workers))
    if claimed_total != len(claimed) and not reclaims:
        problems.append(f"{claimed_total - len(claimed)} claims of rows already claimed")
    if finished_total != len(finished):
        problems.append(f"{finished_total - len(finished)} rows finished more than once")
    if finished != everything:
        problems.append(
            f"{len(everything - finished)} rows never finished, "
            f"{len(finished - everything)} unknown rows finished"
        )
    lost = sum(w.lost for w in workers)
    if lost and not reclaims:
        problems.append(f"{lost} rows lost their lease before being finished")
    with db.read() as session:
        done = session.scalar(
            select(func.count()).select_from(DueWork).where(DueWork.status == WorkState.DONE)
        )
        held = session.scalar(
            select(func.count()).select_from(DueWork).where(DueWork.lease_owner.is_not(None))
        )
    if done != len(ids) or held:
        problems.append(f"database: {done} of {len(ids)} rows done, {held} still leased")
    return problems


def run(
    backend: str,
    url: str,
    rows: int,
    instances: int,
    batch: int,
    lease_seconds: float,
    *,
    reclaims: bool = False,
) -> Outcome:
    db = Database.from_url(url)
    try:
        ids = seed(db, rows)
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(instances + 1)
        results: Queue[WorkerResult] = ctx.Queue()
        processes = [
            ctx.Process(
                target=worker,
                args=(url, f"bench-{n + 1}", batch, lease_seconds, barrier, results),
            )
            for n in range(instances)
        ]
        for process in processes:
            process.start()
        barrier.wait(timeout=120)
        workers = [results.get(timeout=600) for _ in processes]
        for process in processes:
            process.join()
        workers.sort(key=lambda w: w.owner)
        wall = max(w.ended for w in workers) - min(w.started for w in workers)
        problems = verify(db, ids, workers, reclaims=reclaims)
        return Outcome(backend, instances, batch, rows, wall, workers, problems, lease_seconds)
    finally:
        db.dispose()


def row_of(o: Outcome) -> list[Any]:
    shares = "/".join(f"{100 * len(w.finished) / o.rows:.0f}" for w in o.workers)
    cpu = sum(w.cpu_s for w in o.workers)
    return [
        o.backend,
        o.instances,
        o.batch,
        f"{o.rows:,}",
        f"{o.wall_s:.2f}",
        f"{o.rate:,.0f}",
        shares,
        sum(w.claims for w in o.workers),
        f"{cpu:.1f}",
        "ok" if not o.problems else "FAIL",
    ]


HEADERS = [
    "backend",
    "inst",
    "batch",
    "rows",
    "wall s",
    "rows/s",
    "share %",
    "claims",
    "py cpu s",
    "once",
]


def reclaim_row(o: Outcome) -> list[Any]:
    claimed = sum(len(w.claimed) for w in o.workers)
    finished = sum(len(w.finished) for w in o.workers)
    lost = sum(w.lost for w in o.workers)
    return [
        o.backend,
        f"{o.lease_s * 1000:.0f}",
        f"{o.rows:,}",
        f"{claimed:,}",
        f"{claimed - o.rows:,}",
        f"{finished:,}",
        f"{lost:,}",
        "ok" if not o.problems else "FAIL",
    ]


RECLAIM_HEADERS = [
    "backend",
    "lease ms",
    "rows",
    "claimed",
    "re-claimed",
    "finished",
    "finish refused",
    "once",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument(
        "--sweep-batches",
        type=lambda v: [int(x) for x in v.split(",") if x],
        default=[1, 10, 50],
        help="batch sizes tried briefly with all instances, comma-separated ('' for none)",
    )
    parser.add_argument("--sweep-rows", type=int, default=1000)
    parser.add_argument(
        "--short-lease",
        type=float,
        default=0.05,
        help="seconds; a lease that runs out within a batch (0 to skip that run)",
    )
    parser.add_argument("--lease", type=float, default=300.0, help="lease in seconds")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.sweep_rows = 600, 300
    reclaim_rows = args.sweep_rows

    outcomes: list[Outcome] = []
    for backend in args.backends.split(","):
        started = time.perf_counter()
        with database(backend) as url:
            main_runs = [
                run(backend, url, args.rows, 1, args.batch, args.lease),
                run(backend, url, args.rows, args.instances, args.batch, args.lease),
            ]
            sweep = [
                run(backend, url, args.sweep_rows, args.instances, batch, args.lease)
                for batch in args.sweep_batches
            ]
            short = [
                run(backend, url, reclaim_rows, args.instances, args.batch, lease, reclaims=True)
                for lease in ([args.short_lease] if args.short_lease > 0 else [])
            ]
        one, many = main_runs
        print(f"\n=== {backend}: {args.rows:,} due rows, batch {args.batch}")
        print(table(HEADERS, [row_of(o) for o in main_runs]))
        print(
            f"{many.instances} instances: {many.rate / one.rate:.2f}× the throughput of one "
            f"({many.rate:,.0f} vs {one.rate:,.0f} rows/s)"
        )
        if sweep:
            print(f"\nbatch sizes, {args.instances} instances, {args.sweep_rows:,} rows")
            print(table(HEADERS, [row_of(o) for o in sweep]))
        if short:
            print(
                f"\nleases that run out mid-batch, {args.instances} instances, batch {args.batch}: "
                "rows are claimed again, finish() refuses the instance that lost the lease"
            )
            print(table(RECLAIM_HEADERS, [reclaim_row(o) for o in short]))
        for o in main_runs + sweep + short:
            for problem in o.problems:
                print(f"PROBLEM ({o.instances} inst, batch {o.batch}): {problem}")
        outcomes += main_runs + sweep + short
        print(f"[{backend} done in {time.perf_counter() - started:.1f} s]")

    failed = [o for o in outcomes if o.problems]
    print(
        "\nexactly-once: "
        + (
            "ok: in every run every row was finished exactly once, and claimed by exactly "
            "one instance wherever leases held"
            if not failed
            else "FAILED"
        )
    )
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
