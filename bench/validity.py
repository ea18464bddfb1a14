"""Validity benchmark: the pure part of a role's validity report (bot.domain.validity).

One role with 2,000 finished rounds (3–5 panelists each from a pool of 40 interviewers, the
five criteria of the default rubric) and a decision on each, 500 of them hires with
performance at 6 and 12 months and retention at 12 months. Measures validity_table — panel
scores, Spearman and point-biserial correlations with their intervals for the overall score
and each criterion against four outcomes, and Krippendorff's α per criterion — with scipy
already imported (as in a running bot after the first report) and the first call in a fresh
process apart (scipy's import included). Then the whole report from the database, on SQLite
and PostgreSQL: the same sizes stored as finished rounds (panelists, feedback, rating rows,
decisions, outcomes and answered check-ins, tests/support/finished_outcomes.py), read and computed
by bot.services.validity.role_validity, its SQL statements counted (a before_cursor_execute
listener): the same handful however many rounds.

    .venv/bin/python -m bench.validity            # the issue's sizes (2,000 rounds, 500 hires)
    .venv/bin/python -m bench.validity --quick    # a small smoke run
    .venv/bin/python -m bench.validity --backends sqlite
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time

from bench.common import BACKENDS, StatementCounter, analyze, database, median, ms, table
from bot.domain.calibration import Rated
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.validity import OutcomeKind, RoundOutcome, ValidityTable, validity_table

CRITERIA = tuple((c.key, c.name) for c in SECOND_INTERVIEW.criteria)


def seeded_role(
    rounds: int, hires: int, seed: int = 14
) -> tuple[list[Rated], dict[int, RoundOutcome]]:
    """Ratings that follow a hidden ability with noise (one criterion runs against it), a
    decision on every round, outcomes for the first `hires` advanced rounds."""
    rng = random.Random(seed)
    pool = [f"U{i:03d}" for i in range(40)]
    rated: list[Rated] = []
    outcomes: dict[int, RoundOutcome] = {}
    hired = 0
    for round_id in range(1, rounds + 1):
        ability = rng.random()
        for user in rng.sample(pool, rng.randint(3, 5)):
            ratings = {
                key: min(
                    4,
                    max(1, round(1 + 3 * (1 - ability if i == 3 else ability) + rng.gauss(0, 0.6))),
                )
                for i, (key, _) in enumerate(CRITERIA)
            }
            rated.append(Rated(round_id, user, "Staff Engineer", ratings, rng.randint(1, 4)))
        advanced = ability + rng.gauss(0, 0.15) > 0.45
        outcome = RoundOutcome(advanced=advanced)
        if advanced and hired < hires:
            hired += 1
            perf = min(4, max(1, round(1 + 3 * ability + rng.gauss(0, 0.7))))
            outcome = RoundOutcome(
                advanced=True,
                perf_6m=perf,
                perf_12m=min(4, max(1, perf + rng.choice((-1, 0, 0, 1)))),
                retained_12m=rng.random() < 0.5 + ability / 2,
            )
        outcomes[round_id] = outcome
    return rated, outcomes


def first_call_seconds(rounds: int, hires: int) -> float:
    """validity_table's first call in a fresh process: scipy's import included."""
    code = (
        "import time; from bench.validity import seeded_role, CRITERIA; "
        "from bot.domain.validity import validity_table; "
        f"rated, outcomes = seeded_role({rounds}, {hires}); t = time.perf_counter(); "
        "validity_table(CRITERIA, rated, outcomes); print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def summary(result: ValidityTable) -> str:
    rows = [
        [row.name, "—" if row.alpha is None else f"{row.alpha:.2f}"]
        + [c.reading() for c in row.correlations]
        for row in result.rows
    ]
    return table(["", "α", *(k.label for k in OutcomeKind)], rows)


def database_runs(backend: str, rounds: int, hires: int, runs: int) -> list[object]:
    """The report of a role stored with `rounds` finished rounds and `hires` hires, read
    from a fresh `backend` database: [backend, seconds to seed, median, max, statements]."""
    from bot.services.validity import role_validity
    from storage import role_queries
    from storage.db import Database
    from tests.support.finished_outcomes import seed_role_with_outcomes

    with database(backend) as url:
        db = Database.from_url(url)
        try:
            started = time.perf_counter()
            seeded = seed_role_with_outcomes(db, rounds, hires)
            seed_s = time.perf_counter() - started
            analyze(db.engine)
            times, counts = [], set()
            for _ in range(runs):
                counter = StatementCounter(db.engine)
                started = time.perf_counter()
                with db.read() as session:
                    role = role_queries.role(session, "T0001", seeded.role_id)
                    assert role is not None
                    found = role_validity(session, "T0001", role)
                times.append(time.perf_counter() - started)
                counter.close()
                counts.add(counter.count)
            assert found.table.rounds == rounds, found.table.rounds
        finally:
            db.dispose()
    shown = "/".join(str(n) for n in sorted(counts))
    return [backend, f"{seed_s:.1f} s", ms(median(times)), ms(max(times)), shown]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--hires", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="200 rounds, 50 hires, 3 runs")
    parser.add_argument("--backends", nargs="*", default=list(BACKENDS), choices=BACKENDS)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.hires, args.runs = 200, 50, 3
    rated, outcomes = seeded_role(args.rounds, args.hires)
    hires = sum(1 for o in outcomes.values() if o.perf_6m is not None)
    print(f"{args.rounds} finished rounds, {len(rated)} panelists' feedback, {hires} hires")
    first = first_call_seconds(args.rounds, args.hires)
    import scipy.stats  # noqa: F401  (the runs below time the work, not the import)

    times = []
    result = None
    for _ in range(args.runs):
        started = time.perf_counter()
        result = validity_table(CRITERIA, rated, outcomes)
        times.append(time.perf_counter() - started)
    assert result is not None
    print(
        table(
            ["validity_table", "median", "max", "first call (fresh process)"],
            [[f"{args.runs} runs", ms(median(times)), ms(max(times)), ms(first)]],
        )
    )
    print(summary(result))
    for note in result.notes:
        print(note)
    if args.backends:
        rows = [database_runs(b, args.rounds, args.hires, args.runs) for b in args.backends]
        head = ["from the database", "seeding", "median ms", "max ms", "statements"]
        print(table(head, rows))


if __name__ == "__main__":
    main()
