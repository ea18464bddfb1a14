"""Digest benchmark: compose + render the hiring digest of every channel, as run_digest does.

Seeds (bulk inserts) open rounds across many channels, 3–5 panelists each with some feedback
in, and finished rounds with feedback and ratings; then, on a temporary SQLite file and a
PostgreSQL database of its own, measures per channel: compose() + digest_message(), the SQL
statements that took, and a bare Core fetch of the same rows for comparison. A few probe
channels of growing size show whether the number of statements depends on the size.

    .venv/bin/python -m bench.digest            # the issue's sizes (10,000 open rounds)
    .venv/bin/python -m bench.digest --quick    # a small smoke run
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine

from bench.common import (
    BACKENDS,
    StatementCounter,
    analyze,
    database,
    median,
    ms,
    percentile,
    reset_sequence,
    table,
)
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    QuestionAnswer,
    Rating,
    Resolution,
    draft_to_data,
)
from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.services.digests import RANKING_WINDOW, compose
from bot.views.common import MESSAGE_BLOCKS_MAX
from bot.views.digest import DIGEST_TEXT_BUDGET, digest_message
from storage import queries
from storage.db import Database
from storage.feedback_rows import answer_columns
from storage.models import Feedback, Panelist, Question, RatingRow, Round

TEAM = "T0BENCH"
PROBE_TEAM = "T0PROBE"
ROLES = (
    "Backend engineer",
    "Frontend engineer",
    "Data scientist",
    "Product manager",
    "Designer",
    "Site reliability engineer",
)
SURNAMES = ("Tanaka", "Miller", "Weber", "Jones", "García", "Okafor", "Nguyen", "Rossi", "Kim")
TIME_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", None)
CRITERIA = tuple(c.key for c in SECOND_INTERVIEW.criteria)
RUBRIC = SECOND_INTERVIEW.to_data()
INSERT_CHUNK = 5000
# The digest posted on schedule covers what finished since the previous one.
SINCE = timedelta(days=1)


# -- seeding ---------------------------------------------------------------------------------
@dataclass
class Seed:
    """Rows to bulk-insert, with explicit ids so children can point at their parents."""

    rng: random.Random
    now: datetime
    rounds: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    panelists: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)

    def channel(
        self, team_id: str, channel_id: str, role_ids: Sequence[int], n_open: int, n_finished: int
    ) -> None:
        for _ in range(n_open):
            self._round(team_id, channel_id, self.rng.choice(role_ids), finished=False)
        for _ in range(n_finished):
            self._round(team_id, channel_id, self.rng.choice(role_ids), finished=True)

    def _round(self, team_id: str, channel_id: str, role_id: int, *, finished: bool) -> None:
        rng, now = self.rng, self.now
        round_id = len(self.rounds) + 1
        row: dict[str, Any] = {
            "id": round_id,
            "team_id": team_id,
            "role_id": role_id,
            "candidate_name": f"{rng.choice(SURNAMES)} Candidate-{round_id}",
            "profile_link": f"https://example.com/cv/{round_id}" if rng.random() < 0.7 else None,
            "organizer_id": f"UORG{rng.randrange(20):03d}",
            "channel_id": channel_id,
            "rubric": RUBRIC,
            "source_view_id": f"V{round_id:010d}",
            "status": Status.OPEN,
            "announcement_ts": f"{1700000000 + round_id}.000100",
            "summary_ts": None,
            "summary_claimed_at": None,
            "completed_at": None,
            "closed_at": None,
        }
        if finished:
            # Mostly within the ranking window; one in ten older (the query leaves it out).
            days = rng.uniform(0, 170) if rng.random() < 0.9 else rng.uniform(190, 400)
            ended = now - timedelta(days=days)
            interview = ended - timedelta(days=rng.uniform(0.5, 3))
            closed = rng.random() < 0.2  # closed early: someone never submitted
            row.update(
                status=Status.CLOSED if closed else Status.COMPLETE,
                completed_at=None if closed else ended,
                closed_at=ended if closed else None,
                summary_claimed_at=ended,
                summary_ts=f"{1700000000 + round_id}.000200",
            )
        else:
            interview = now - timedelta(days=rng.uniform(-3, 7))
            closed = False
        row.update(
            interview_at=interview,
            due_at=interview + timedelta(days=2),  # about half of the open rounds are late
            created_at=interview - timedelta(days=3),
        )
        self.rounds.append(row)

        question_ids = []
        for position in range(rng.choice((0, 1, 1, 2))):
            question_ids.append(len(self.questions) + 1)
            self.questions.append(
                {
                    "id": question_ids[-1],
                    "team_id": team_id,
                    "round_id": round_id,
                    "position": position,
                    "text": f"Round 1 left open how they handle on-call (doubt {position + 1}).",
                }
            )

        users = rng.sample(range(1000), rng.randint(3, 5))
        active = []
        for n, user in enumerate(users):
            removed = n > 2 and rng.random() < 0.1  # never below three active panelists
            self.panelists.append(
                {
                    "id": len(self.panelists) + 1,
                    "team_id": team_id,
                    "round_id": round_id,
                    "user_id": f"U{user:06d}",
                    "display_name": f"Panelist {user} {rng.choice(SURNAMES)}",
                    "tz": rng.choice(TIME_ZONES),
                    "removed_at": interview if removed else None,
                    "dm_channel": f"D{user:08d}",
                    "dm_ts": f"{1700000000 + round_id}.{user:06d}",
                    "added_at": row["created_at"],
                }
            )
            if not removed:
                active.append(f"U{user:06d}")

        if finished and not closed:
            submitting = active
        elif finished:
            submitting = active[: rng.randint(1, len(active) - 1)]
        else:  # open: some in, at least one still missing
            submitting = [u for u in active[:-1] if rng.random() < 0.45]
        for user_id in submitting:
            self._feedback(team_id, round_id, user_id, question_ids, interview)

    def _feedback(
        self, team_id: str, round_id: int, user_id: str, question_ids: list[int], at: datetime
    ) -> None:
        rng = self.rng
        base = rng.randint(1, 4)
        ratings = tuple(
            Rating(
                key, min(4, max(1, base + rng.choice((-1, 0, 0, 1)))), f"Evidence on {key}: " * 3
            )
            for key in CRITERIA
        )
        draft = FeedbackDraft(
            ratings=ratings,
            recommendation=min(4, max(1, base + rng.choice((-1, 0, 1)))),
            question_answers=tuple(
                QuestionAnswer(q, rng.choice(list(Resolution)), "Talked it through.")
                for q in question_ids
            ),
            candidate_questions="Asked about the team's release process and on-call.",
            engagement=rng.choice(list(Engagement)),
        )
        feedback_id = len(self.feedback) + 1
        submitted = at + timedelta(hours=rng.uniform(1, 40))
        answers = draft_to_data(draft)
        self.feedback.append(
            {
                "id": feedback_id,
                "team_id": team_id,
                "round_id": round_id,
                "user_id": user_id,
                "revision": 1,
                "recommendation": draft.recommendation,
                "answers": answers,
                **answer_columns(answers),
                "submitted_at": submitted,
                "updated_at": submitted,
            }
        )
        self.ratings.extend(
            {
                "team_id": team_id,
                "feedback_id": feedback_id,
                "criterion_key": r.criterion_key,
                "rating": r.rating,
            }
            for r in ratings
        )

    def insert(self, db: Database) -> None:
        plan: list[tuple[Any, list[dict[str, Any]]]] = [
            (Round, self.rounds),
            (Question, self.questions),
            (Panelist, self.panelists),
            (Feedback, self.feedback),
            (RatingRow, self.ratings),
        ]
        with db.transaction() as session:
            for model, rows in plan:
                for start in range(0, len(rows), INSERT_CHUNK):
                    session.execute(insert(model), rows[start : start + INSERT_CHUNK])
        for name in ("rounds", "questions", "panelists", "feedback"):
            reset_sequence(db.engine, name)


def ensure_roles(db: Database, team_id: str) -> list[int]:
    with db.transaction() as session:
        return [queries.ensure_role(session, team_id, name).id for name in ROLES]


# -- measuring -------------------------------------------------------------------------------
@dataclass
class ChannelRun:
    compose_s: float
    render_s: float
    statements: int
    blocks: int
    chars: int
    open_rounds: int
    finished_rounds: int

    @property
    def total_s(self) -> float:
        return self.compose_s + self.render_s


def digest_of(
    db: Database, counter: StatementCounter, team_id: str, channel_id: str, now: datetime
) -> ChannelRun:
    before = counter.count
    t0 = time.perf_counter()
    with db.read() as session:
        digest = compose(session, team_id, channel_id, now - SINCE, now)
    t1 = time.perf_counter()
    message = digest_message(digest)  # raises past MESSAGE_BLOCKS_MAX
    t2 = time.perf_counter()
    chars = sum(len(b.get("text", {}).get("text", "")) for b in message.blocks)
    ranked = sum(len(r.rounds) for r in digest.rankings)
    return ChannelRun(
        compose_s=t1 - t0,
        render_s=t2 - t1,
        statements=counter.count - before,
        blocks=len(message.blocks),
        chars=chars,
        open_rounds=len(digest.in_flight),
        finished_rounds=ranked,
    )


def _read(engine: Engine) -> Connection:
    # Plain BEGIN on SQLite (as Database.read does), not BEGIN IMMEDIATE.
    return engine.execution_options(panelbot_readonly=True).connect()


def _channel_rounds(team_id: str, channel_id: str, now: datetime) -> list[Any]:
    """The channel's open rounds and its finished ones in the ranking window, as two Core
    selects (compose reads both in one: queries.DIGEST_ROUNDS)."""
    rounds = Round.__table__
    where = (rounds.c.team_id == team_id) & (rounds.c.channel_id == channel_id)
    finished_after = now - RANKING_WINDOW
    return [
        select(rounds).where(where, rounds.c.status.in_([Status.OPEN])).order_by(rounds.c.id),
        select(rounds)
        .where(
            where,
            rounds.c.status.in_([Status.COMPLETE, Status.CLOSED]),
            func.coalesce(rounds.c.completed_at, rounds.c.closed_at) > finished_after,
        )
        .order_by(rounds.c.id),
    ]


def bare_fetch(
    engine: Engine, team_id: str, channel_id: str, now: datetime, *, all_rows: bool
) -> float:
    """Seconds to fetch the channel's rounds as Core rows (no ORM objects, no snapshots);
    with `all_rows` also their panelists, questions and feedback (what compose reads)."""
    t0 = time.perf_counter()
    with _read(engine) as connection:
        ids: list[int] = []
        for query in _channel_rounds(team_id, channel_id, now):
            rows = connection.execute(query).all()
            ids += [r.id for r in rows]
        if all_rows and ids:
            for child in (Panelist.__table__, Question.__table__, Feedback.__table__):
                connection.execute(select(child).where(child.c.round_id.in_(ids))).all()
    return time.perf_counter() - t0


@dataclass
class BackendResult:
    backend: str
    seeded: dict[str, int]
    seed_s: float
    runs: list[ChannelRun]
    bare_rounds: list[float]
    bare_all: list[float]
    probes: list[tuple[int, int, ChannelRun, float]]  # open, finished, best run, bare all
    plan: str


def measure_channels(
    db: Database, bare: Engine, counter: StatementCounter, channels: list[str], now: datetime
) -> tuple[list[ChannelRun], list[float], list[float]]:
    """Per channel, one after the other: compose + render, the bare rounds fetch and the
    bare fetch of every row (interleaved, so a busy machine slows all three alike). The
    bare fetches run on their own engine (`bare`): each ends in a rollback, and psycopg
    deallocates every prepared statement of its connection on a rollback, so on the
    digest's connection they would keep its statements from ever being prepared, as they
    are in the runner, whose transactions commit (docs/performance.md)."""
    for channel_id in channels[:5]:  # warm up: compiled-statement cache, connections
        digest_of(db, counter, TEAM, channel_id, now)
        bare_fetch(bare, TEAM, channel_id, now, all_rows=True)
    runs, bare_rounds, bare_all = [], [], []
    for channel_id in channels:
        runs.append(digest_of(db, counter, TEAM, channel_id, now))
        bare_rounds.append(bare_fetch(bare, TEAM, channel_id, now, all_rows=False))
        bare_all.append(bare_fetch(bare, TEAM, channel_id, now, all_rows=True))
    return runs, bare_rounds, bare_all


def rounds_plan(engine: Engine, now: datetime) -> str:
    """The access path the database picks for the open-rounds query of one channel."""
    query = _channel_rounds(TEAM, "C00000000", now)[0]
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with _read(engine) as connection:
        rows = connection.exec_driver_sql(prefix + sql).all()
    lines = [str(r[-1]) for r in rows]
    return "; ".join(
        line.strip() for line in lines if "Scan" in line or "SCAN" in line or "SEARCH" in line
    )


def run_backend(backend: str, args: argparse.Namespace, now: datetime) -> BackendResult:
    with database(backend) as url:
        db = Database.from_url(url)
        bare_engine = Database.from_url(url).engine
        try:
            rng = random.Random(args.seed)
            seed = Seed(rng, now)
            t0 = time.perf_counter()
            role_ids = ensure_roles(db, TEAM)
            channels = [f"C{n:08d}" for n in range(args.channels)]
            finished_left = args.finished
            for n, channel_id in enumerate(channels):
                share = finished_left // (len(channels) - n)
                finished_left -= share
                seed.channel(TEAM, channel_id, role_ids, args.open_per_channel, share)
            probe_roles = ensure_roles(db, PROBE_TEAM)
            probe_sizes = [(size, max(1, size // 5)) for size in args.probe_sizes]
            for size, finished in probe_sizes:
                seed.channel(PROBE_TEAM, f"CPROBE{size:05d}", probe_roles, size, finished)
            seed.insert(db)
            analyze(db.engine)
            seed_s = time.perf_counter() - t0
            seeded = {
                "rounds": len(seed.rounds),
                "open": sum(r["status"] == Status.OPEN for r in seed.rounds),
                "panelists": len(seed.panelists),
                "feedback": len(seed.feedback),
                "ratings": len(seed.ratings),
            }
            # The seed's 200,000 row dicts, kept alive, made each full garbage collection
            # take 100-250 ms, landing on whichever measurement ran then (max column).
            del seed
            gc.collect()

            counter = StatementCounter(db.engine)
            runs, bare_rounds, bare_all = measure_channels(db, bare_engine, counter, channels, now)

            probes = []
            for size, finished in probe_sizes:
                channel_id = f"CPROBE{size:05d}"
                tries, bares = [], []
                for _ in range(4):  # interleaved; the first of each is a warm-up
                    tries.append(digest_of(db, counter, PROBE_TEAM, channel_id, now))
                    bares.append(
                        bare_fetch(bare_engine, PROBE_TEAM, channel_id, now, all_rows=True)
                    )
                best = min(tries[1:], key=lambda r: r.total_s)
                bare = min(bares[1:])
                probes.append((size, finished, best, bare))

            plan = rounds_plan(db.engine, now)
            counter.close()
            return BackendResult(backend, seeded, seed_s, runs, bare_rounds, bare_all, probes, plan)
        finally:
            db.dispose()
            bare_engine.dispose()


# -- printing --------------------------------------------------------------------------------
def _stats(values: list[float]) -> list[str]:
    return [
        f"{sum(values):.3f}",
        ms(median(values)),
        ms(percentile(values, 95)),
        ms(max(values)),
    ]


def report(r: BackendResult) -> float:
    """Prints one backend's tables; returns compose+render ÷ bare fetch of all rows."""
    s = r.seeded
    print(
        f"\n=== {r.backend}: seeded {s['rounds']:,} rounds ({s['open']:,} open), "
        f"{s['panelists']:,} panelists, {s['feedback']:,} feedback, {s['ratings']:,} ratings "
        f"in {r.seed_s:.1f} s"
    )
    runs = r.runs
    statements = [x.statements for x in runs]
    totals = [x.total_s for x in runs]
    print(
        f"\n(a) digest of {len(runs)} channels "
        f"({median([x.open_rounds for x in runs]):.0f} open, "
        f"{median([x.finished_rounds for x in runs]):.0f} finished in the ranking per channel, "
        "median)"
    )
    headers = ["per channel", "total s", "median ms", "p95 ms", "max ms", "SQL total", "SQL/ch"]
    sql_range = f"{min(statements)}–{max(statements)}"
    rows: list[list[object]] = [
        ["compose + render", *_stats(totals), sum(statements), sql_range],
        ["  compose()", *_stats([x.compose_s for x in runs]), "", ""],
        ["  digest_message()", *_stats([x.render_s for x in runs]), 0, 0],
        ["bare fetch: rounds rows", *_stats(r.bare_rounds), 2 * len(runs), 2],
        ["bare fetch: + panel/questions/feedback", *_stats(r.bare_all), 5 * len(runs), 5],
    ]
    print(table(headers, rows))
    ratio_rounds = sum(totals) / sum(r.bare_rounds)
    ratio_all = sum(totals) / sum(r.bare_all)
    print(
        f"compose+render is {ratio_rounds:.1f}× the bare rounds fetch and "
        f"{ratio_all:.1f}× the bare fetch of every row it reads (totals over all channels)"
    )
    blocks = max(x.blocks for x in runs)
    chars = max(x.chars for x in runs)
    verdict = "ok" if blocks <= MESSAGE_BLOCKS_MAX else "TOO MANY"
    print(
        f"messages: at most {blocks} blocks (limit {MESSAGE_BLOCKS_MAX}: {verdict}), "
        f"at most {chars:,} characters of section text (budget {DIGEST_TEXT_BUDGET:,})"
    )
    print(f"plan of the open-rounds query: {r.plan}")

    print("\n(b) statements per compose, by channel size (best of 3 runs)")
    headers = [
        "open rounds",
        "finished (seeded)",
        "SQL",
        "compose ms",
        "render ms",
        "bare all ms",
        "ratio",
    ]
    rows = [
        [
            size,
            finished,
            run.statements,
            ms(run.compose_s),
            ms(run.render_s),
            ms(bare),
            f"{run.total_s / bare:.1f}×",
        ]
        for size, finished, run, bare in r.probes
    ]
    print(table(headers, rows))
    probe_blocks = max(run.blocks for _, _, run, _ in r.probes)
    print(f"largest probe message: {probe_blocks} blocks")

    return ratio_all


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--open-per-channel", type=int, default=50)
    parser.add_argument("--finished", type=int, default=2000, help="finished rounds in all")
    parser.add_argument(
        "--probe-sizes",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[10, 50, 200, 1000],
        help="open rounds of the probe channels, comma-separated",
    )
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.channels, args.open_per_channel, args.finished = 10, 20, 50
        args.probe_sizes = [5, 20, 80]
    now = datetime.now(UTC).replace(microsecond=0)
    ratios = {}
    for backend in args.backends.split(","):
        started = time.perf_counter()
        result = run_backend(backend, args, now)
        ratios[backend] = report(result)
        print(f"[{backend} done in {time.perf_counter() - started:.1f} s]")
    print()
    for backend, ratio in ratios.items():
        print(f"{backend}: compose+render = {ratio:.1f}× bare fetch of the same rows")


if __name__ == "__main__":
    main()
