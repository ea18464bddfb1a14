"""Comparison benchmark: a role's candidates side by side, as /panel compare builds it.

Seeds (bulk inserts) one workspace whose main role has 500 complete rounds, each with 10
panelists who all gave feedback on the role's own 8-criterion rubric, smaller roles of
50, 100, 250 and 501 candidates (the statement count by size) and two more roles of 300
rounds (calibration reads the whole workspace). Then, on a temporary SQLite file and a
PostgreSQL database of its own, measures the comparison as the service does it
(compared_panels + compare_panels + comparison_message), the calibrated one (+ rated and
calibrate), the heatmap, and a bare Core fetch of the same rows for comparison.

    .venv/bin/python -m bench.compare            # the issue's sizes (500 × 10 × 8)
    .venv/bin/python -m bench.compare --quick    # a small smoke run
"""

from __future__ import annotations

import argparse
import gc
import inspect
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bench.common import (
    BACKENDS,
    StatementCounter,
    analyze,
    database,
    median,
    ms,
    reset_sequence,
    table,
)
from bot.domain.calibration import MIN_ROUNDS, calibrate
from bot.domain.comparison import Comparison, compare_panels
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    QuestionAnswer,
    Rating,
    Resolution,
    draft_to_data,
)
from bot.domain.panel import Status
from bot.domain.rubric import Rubric
from bot.domain.rubric_rules import CriterionDraft, build_rubric
from bot.services.comparisons import CompareRequest
from bot.services.role_data import calibration, compared_panels, rated
from bot.views.comparison import ROWS_PER_PAGE, TEXT_BUDGET, comparison_message, text_size
from bot.views.comparison_heatmap import comparison_heatmap
from bot.views.heatmap import MAX_ROWS
from storage import queries, role_queries
from storage.db import Database
from storage.feedback_rows import answer_columns
from storage.models import Feedback, Panelist, Question, RatingRow, Role, RoleRubric, Round

TEAM = "T0BENCH"
MAIN_ROLE = "Backend engineer"
OTHER_ROLES = ("Frontend engineer", "Product manager", "Data scientist", "Designer")
CRITERIA = (
    ("System design", "Design a service for the role's main workload; probe the trade-offs."),
    ("Coding", "Pair on a small change in a real codebase; watch how they work."),
    ("Debugging", "Hand them a failing test and a log; how do they narrow it down?"),
    ("Testing", "What would they test first, and how do they know it is enough?"),
    ("Communication", "Do they explain their reasoning so the panel can follow?"),
    ("Collaboration", "How do they take a hint, disagree, ask for help?"),
    ("Ownership", "Ask for something they shipped and ran; what broke, what did they do?"),
    ("Product sense", "Do they ask who the user is and why the feature matters?"),
)
# What candidates asked, as panelists record it: pay, growth, team, product, process, other.
CANDIDATE_QUESTIONS = (
    "What is the salary range, and is there equity?",
    "How do bonuses and the pension plan work?",
    "How do promotions work here? Is there a career ladder?",
    "Is there a budget for conferences and training?",
    "How big is the team, and who would I work with most?",
    "Is the team remote, hybrid or in the office?",
    "What is on the product roadmap for next year?",
    "Who are your main customers, and how do you hear from them?",
    "How often do you release, and is there on-call?",
    "What are the next steps in the hiring process and the timeline?",
    "Why did you choose Rust for the backend?",
)
SURNAMES = ("Tanaka", "Miller", "Weber", "Jones", "García", "Okafor", "Nguyen", "Rossi", "Kim")
PANEL_SIZE = 10
INTERVIEWERS = 120  # the workspace's pool; each round draws its panel from it
INSERT_CHUNK = 5000
REPEATS = 3  # measured runs (after one warm-up), interleaved with the baselines


def role_rubric(role_id: int, role_name: str) -> Rubric:
    drafts = [
        CriterionDraft(name, probe, f"No sign of {name.lower()}", f"Outstanding {name.lower()}")
        for name, probe in CRITERIA
    ]
    return build_rubric(str(role_id), role_name, 1, drafts, None)


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
    # Each interviewer's leniency: calibration has something to find.
    bias: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n in range(INTERVIEWERS):
            self.bias[f"U{n:06d}"] = self.rng.uniform(-0.7, 0.7)

    def role(self, role_id: int, rubric: Rubric, n_rounds: int) -> None:
        for _ in range(n_rounds):
            self._round(role_id, rubric)

    def _round(self, role_id: int, rubric: Rubric) -> None:
        rng, now = self.rng, self.now
        round_id = len(self.rounds) + 1
        ended = now - timedelta(days=rng.uniform(0, 365))
        interview = ended - timedelta(days=rng.uniform(0.5, 3))
        self.rounds.append(
            {
                "id": round_id,
                "team_id": TEAM,
                "role_id": role_id,
                "candidate_name": f"{rng.choice(SURNAMES)} Candidate-{round_id}",
                "profile_link": f"https://example.com/cv/{round_id}",
                "organizer_id": f"UORG{role_id:03d}",
                "channel_id": f"CHIRE{role_id:04d}",
                "rubric": rubric.to_data(),
                "source_view_id": f"V{round_id:010d}",
                "status": Status.COMPLETE,
                "announcement_ts": f"{1700000000 + round_id}.000100",
                "summary_ts": f"{1700000000 + round_id}.000200",
                "summary_claimed_at": ended,
                "completed_at": ended,
                "closed_at": None,
                "interview_at": interview,
                "due_at": interview + timedelta(days=2),
                "created_at": interview - timedelta(days=3),
            }
        )
        question_ids = []
        for position in range(rng.randint(0, 3)):
            question_ids.append(len(self.questions) + 1)
            self.questions.append(
                {
                    "id": question_ids[-1],
                    "team_id": TEAM,
                    "round_id": round_id,
                    "position": position,
                    "text": f"Round 1 left open how they handle on-call (doubt {position + 1}).",
                }
            )
        quality = rng.uniform(1.2, 3.8)
        for user_id in rng.sample(sorted(self.bias), PANEL_SIZE):
            self.panelists.append(
                {
                    "id": len(self.panelists) + 1,
                    "team_id": TEAM,
                    "round_id": round_id,
                    "user_id": user_id,
                    "display_name": f"Panelist {user_id[1:]} {rng.choice(SURNAMES)}",
                    "tz": "Europe/Berlin",
                    "removed_at": None,
                    "dm_channel": f"D{user_id[1:]}",
                    "dm_ts": f"{1700000000 + round_id}.{user_id[1:]}",
                    "added_at": interview - timedelta(days=3),
                }
            )
            self._feedback(round_id, user_id, rubric, quality, question_ids, interview)

    def _feedback(
        self,
        round_id: int,
        user_id: str,
        rubric: Rubric,
        quality: float,
        question_ids: list[int],
        at: datetime,
    ) -> None:
        rng = self.rng

        def clip(value: float) -> int:
            return min(4, max(1, round(value)))

        lean = quality + self.bias[user_id]
        ratings = tuple(
            Rating(
                c.key,
                clip(lean + rng.gauss(0, 0.5)),
                f"Evidence on {c.name.lower()}: concrete example, trade-offs discussed.",
            )
            for c in rubric.criteria
        )
        asked = rng.sample(CANDIDATE_QUESTIONS, rng.choice((0, 1, 1, 2)))
        draft = FeedbackDraft(
            ratings=ratings,
            recommendation=clip(lean + rng.gauss(0, 0.6)),
            question_answers=tuple(
                QuestionAnswer(q, rng.choice(list(Resolution)), "Talked it through.")
                for q in question_ids
            ),
            candidate_questions="\n".join(asked),
            engagement=rng.choice(list(Engagement)),
        )
        feedback_id = len(self.feedback) + 1
        submitted = at + timedelta(hours=rng.uniform(1, 40))
        answers = draft_to_data(draft)
        self.feedback.append(
            {
                "id": feedback_id,
                "team_id": TEAM,
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
                "team_id": TEAM,
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
        for name in ("rounds", "questions", "panelists", "feedback", "ratings"):
            reset_sequence(db.engine, name)


@dataclass(frozen=True)
class SeededRole:
    id: int
    name: str
    size: int  # finished rounds (candidates)


def seed_roles(db: Database, seed: Seed, sizes: list[int], others: list[int]) -> list[SeededRole]:
    """One role per compared size ("Backend engineer (500)") and the other roles, each with
    its own rubric (version 1, 8 criteria) and that many complete rounds on it."""
    named = [(f"{MAIN_ROLE} ({size})", size) for size in sizes]
    named += [(OTHER_ROLES[n % len(OTHER_ROLES)], size) for n, size in enumerate(others)]
    seeded = []
    with db.transaction() as session:
        for name, size in named:
            row = queries.ensure_role(session, TEAM, name)
            rubric = role_rubric(row.id, row.name)
            role_queries.add_rubric_version(session, TEAM, row.id, 1, rubric.to_data(), "UADMIN")
            seeded.append(SeededRole(row.id, row.name, size))
    for role in seeded:
        with db.read() as session:  # the rounds carry the rubric as the role has it saved
            saved = role_queries.latest_rubric(session, TEAM, role.id)
            assert saved is not None
            rubric = Rubric.from_data(saved.rubric)
        seed.role(role.id, rubric, role.size)
    return seeded


# -- measuring -------------------------------------------------------------------------------
@dataclass
class Run:
    """One comparison: seconds per step and the SQL statements it sent."""

    panels_s: float
    calibration_s: float
    build_s: float
    render_s: float
    statements: int
    comparison: Comparison
    blocks: int
    chars: int

    @property
    def total_s(self) -> float:
        return self.panels_s + self.calibration_s + self.build_s + self.render_s


def compare(db: Database, counter: StatementCounter, role: SeededRole, *, calibrated: bool) -> Run:
    """As ComparisonService.compare (load_comparison) + post: the reads and the build in one
    read session, then the first page of the message."""
    request = CompareRequest(role.id, calibrated=calibrated)
    gc.collect()  # no collection left over from the previous step lands in this one
    before = counter.count
    t0 = time.perf_counter()
    with db.read() as session:  # as load_comparison (sort_by None: by overall score)
        panels = compared_panels(session, TEAM, role.id)
        t1 = time.perf_counter()
        facts = rated(session, TEAM) if calibrated else []
        interviewers = calibrate(facts) if calibrated else None
        t2 = time.perf_counter()
        comparison = compare_panels(role.name, panels, calibration=interviewers, rated=facts)
    t3 = time.perf_counter()
    message = comparison_message(comparison, 0, request.state)
    t4 = time.perf_counter()
    return Run(
        panels_s=t1 - t0,
        calibration_s=t2 - t1,
        build_s=t3 - t2,
        render_s=t4 - t3,
        statements=counter.count - before,
        comparison=comparison,
        blocks=len(message.blocks),
        chars=text_size(message.blocks),
    )


def _read(engine: Engine) -> Connection:
    # Plain BEGIN on SQLite (as Database.read does), not BEGIN IMMEDIATE.
    return engine.execution_options(panelbot_readonly=True).connect()


Read = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def calibration_reads(db: Database) -> list[Read]:
    """The storage.role_queries functions calibration() calls, with their arguments, found
    by watching one call: the baseline makes the same reads, rows only (they select
    columns, not entities, so a session returns plain rows)."""
    reads: list[Read] = []
    depth = 0
    originals = {
        name: value
        for name, value in vars(role_queries).items()
        if inspect.isfunction(value) and value.__module__ == role_queries.__name__
    }

    def spy(function: Callable[..., Any]) -> Callable[..., Any]:
        def watched(session: Session, *args: Any, **kwargs: Any) -> Any:
            nonlocal depth
            if depth == 0:
                reads.append((function, args, kwargs))
            depth += 1
            try:
                return function(session, *args, **kwargs)
            finally:
                depth -= 1

        return watched

    for name, function in originals.items():
        setattr(role_queries, name, spy(function))
    try:
        with db.read() as session:
            calibration(session, TEAM)
    finally:
        for name, function in originals.items():
            setattr(role_queries, name, function)
    return reads


def bare_fetch(engine: Engine, role_id: int, calibration_reads: Sequence[Read] = ()) -> float:
    """Seconds to fetch, as Core rows (no ORM objects, no snapshots or drafts), what the
    comparison reads: the role's finished rounds (with the role's name, as the ORM's joined
    load), their panelists, questions and feedback; then, in the same transaction, the
    `calibration_reads` (calibration's own queries, rows only)."""
    rounds, roles = Round.__table__, Role.__table__
    gc.collect()
    t0 = time.perf_counter()
    with _read(engine) as connection:
        rows = connection.execute(
            select(rounds, roles.c.name)
            .join(roles, roles.c.id == rounds.c.role_id)
            .where(
                rounds.c.team_id == TEAM,
                rounds.c.role_id == role_id,
                rounds.c.status.in_(Status.FINISHED),
            )
            .order_by(rounds.c.id)
        ).all()
        ids = [r.id for r in rows]
        for child in (Panelist.__table__, Question.__table__, Feedback.__table__):
            connection.execute(
                select(child).where(child.c.team_id == TEAM, child.c.round_id.in_(ids))
            ).all()
        if calibration_reads:
            with Session(bind=connection) as session:
                for function, args, kwargs in calibration_reads:
                    function(session, *args, **kwargs)
    return time.perf_counter() - t0


def timed(function: Callable[[], Any]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    function()
    return time.perf_counter() - t0


@dataclass
class SizeResult:
    role: SeededRole
    plain: list[Run]
    calibrated: list[Run]
    bare: list[float]
    bare_calibrated: list[float]
    heatmap: list[float]
    png_bytes: int


def measure_role(
    db: Database,
    counter: StatementCounter,
    role: SeededRole,
    reads: Sequence[Read],
    repeats: int,
    *,
    calibrated_repeats: int,
    warm_up: bool,
    heatmaps: int,
) -> SizeResult:
    """`repeats` rounds of: comparison, bare fetch, and in the first `calibrated_repeats` of
    them also the calibrated comparison and the bare fetch + calibration's `reads`
    (interleaved, so a busy machine slows them alike); before them an unmeasured round when
    `warm_up` (compiled-statement cache, pool, first imports). Then `heatmaps` renders of
    the comparison's heatmap (after an unmeasured one)."""
    result = SizeResult(role, [], [], [], [], [], 0)
    for n in range(-int(warm_up), repeats):
        plain = compare(db, counter, role, calibrated=False)
        bare = bare_fetch(db.engine, role.id)
        if n < 0:
            compare(db, counter, role, calibrated=True)
            bare_fetch(db.engine, role.id, reads)
            continue
        result.plain.append(plain)
        result.bare.append(bare)
        if n < calibrated_repeats:
            result.calibrated.append(compare(db, counter, role, calibrated=True))
            result.bare_calibrated.append(bare_fetch(db.engine, role.id, reads))
    if heatmaps:
        comparison = result.plain[-1].comparison
        result.png_bytes = len(comparison_heatmap(comparison))
        result.heatmap = [timed(lambda: comparison_heatmap(comparison)) for _ in range(heatmaps)]
    return result


def check(db: Database, result: SizeResult) -> list[str]:
    """Problems with what the comparison says, against the database's own aggregates: one
    row per candidate, per-criterion means (as rated) and recommendation tallies."""
    problems = []
    role = result.role
    c = result.plain[-1].comparison
    if len(c.rows) != role.size or c.other_rubric_rounds:
        problems.append(
            f"{role.name}: {len(c.rows)} rows and {c.other_rubric_rounds} on another "
            f"rubric, expected {role.size} and 0"
        )
    with db.read() as session:
        rows = session.execute(
            select(Feedback.round_id, RatingRow.criterion_key, func.avg(RatingRow.rating))
            .join(RatingRow, RatingRow.feedback_id == Feedback.id)
            .join(Round, Round.id == Feedback.round_id)
            .where(Round.team_id == TEAM, Round.role_id == role.id)
            .group_by(Feedback.round_id, RatingRow.criterion_key)
        ).all()
        recs = session.execute(
            select(Feedback.round_id, Feedback.recommendation, func.count())
            .join(Round, Round.id == Feedback.round_id)
            .where(Round.team_id == TEAM, Round.role_id == role.id)
            .group_by(Feedback.round_id, Feedback.recommendation)
        ).all()
    means = {(r, k): float(v) for r, k, v in rows}
    tallies: dict[int, dict[int, int]] = {}
    for round_id, rec, count in recs:
        tallies.setdefault(round_id, {})[rec] = count
    wrong_means = wrong_tallies = 0
    for row in c.rows:
        for key, value in row.means.items():
            if value is None or abs(value - means[(row.round.id, key)]) > 1e-9:
                wrong_means += 1
        if {k: v for k, v in row.tally.items() if v} != tallies.get(row.round.id, {}):
            wrong_tallies += 1
    if wrong_means or wrong_tallies:
        problems.append(
            f"{role.name}: {wrong_means} criterion means and {wrong_tallies} tallies differ "
            "from the database's"
        )
    for run in result.plain + result.calibrated:
        if run.chars > TEXT_BUDGET:
            problems.append(f"{role.name}: message of {run.chars} characters > {TEXT_BUDGET}")
    return problems


@dataclass
class BackendResult:
    backend: str
    seeded: dict[str, int]
    seed_s: float
    sizes: list[SizeResult]
    interviewers: tuple[int, int]  # calibrated, left as rated (main role, calibrated view)
    calibration_reads: tuple[str, ...]  # the role_queries functions calibration calls
    problems: list[str]


def run_backend(backend: str, args: argparse.Namespace, now: datetime) -> BackendResult:
    with database(backend) as url:
        db = Database.from_url(url)
        try:
            seed = Seed(random.Random(args.seed), now)
            t0 = time.perf_counter()
            roles = seed_roles(db, seed, args.sizes, [args.other_rounds] * args.other_roles)
            seed.insert(db)
            analyze(db.engine)
            seed_s = time.perf_counter() - t0
            seeded = {
                "roles": len(roles),
                "rounds": len(seed.rounds),
                "panelists": len(seed.panelists),
                "feedback": len(seed.feedback),
                "ratings": len(seed.ratings),
                "questions": len(seed.questions),
            }
            # The seed's ~1.5 million Python objects would make every full garbage collection
            # during the measurements slow, which the running bot's heap does not have.
            del seed
            gc.collect()
            with db.read() as session:  # the rubric rows are there, one version each
                versions = session.scalar(select(func.count()).select_from(RoleRubric))
            assert versions == len(roles), versions

            reads = calibration_reads(db)
            counter = StatementCounter(db.engine)
            results = [
                measure_role(
                    db,
                    counter,
                    role,
                    reads,
                    args.repeats,
                    calibrated_repeats=args.repeats if role.size == args.candidates else 1,
                    warm_up=n == 0,
                    heatmaps=args.heatmaps if role.size == args.candidates else 0,
                )
                for n, role in enumerate(roles[: len(args.sizes)])
            ]
            counter.close()
            problems = [p for r in results for p in check(db, r)]
            main = next(x for x in results if x.role.size == args.candidates)
            last = main.calibrated[-1].comparison
            interviewers = (len(last.calibrated_interviewers), len(last.uncalibrated_interviewers))
            names = tuple(function.__name__ for function, _, _ in reads)
            return BackendResult(backend, seeded, seed_s, results, interviewers, names, problems)
        finally:
            db.dispose()


# -- printing --------------------------------------------------------------------------------
def _best_median(values: list[float]) -> list[str]:
    return [ms(min(values)), ms(median(values))]


def _sql(runs: list[Run]) -> str:
    low, high = min(run.statements for run in runs), max(run.statements for run in runs)
    return str(low) if low == high else f"{low}–{high}"


def _statements_note(sizes: list[SizeResult]) -> str:
    """Which sizes took how many statements (the same at every size, since the plain-row
    reads; selectinload had added one query per 500 parents)."""
    by_count: dict[int, list[int]] = {}
    for x in sizes:
        by_count.setdefault(x.plain[0].statements, []).append(x.role.size)
    parts = [
        f"{count} statements at {', '.join(str(n) for n in found)} candidates"
        for count, found in sorted(by_count.items())
    ]
    note = "; ".join(parts)
    if len(by_count) > 1:
        note += (
            " (not constant: each read should be one statement whatever the number of "
            "rounds, tests/storage/test_constant_reads.py)"
        )
    return f"SQL: {note}"


def report(r: BackendResult, repeats: int, candidates: int) -> tuple[float, float]:
    """Prints one backend's tables; returns the ratios (plain, calibrated) of the main role."""
    s = r.seeded
    print(
        f"\n=== {r.backend}: seeded {s['roles']} roles, {s['rounds']:,} complete rounds, "
        f"{s['panelists']:,} panelists, {s['feedback']:,} feedback, {s['ratings']:,} ratings, "
        f"{s['questions']:,} round-1 questions in {r.seed_s:.1f} s"
    )
    main = next(x for x in r.sizes if x.role.size == candidates)
    print(
        f"\n(a) comparison as the service builds it: compared_panels + compare_panels + "
        f"comparison_message (page 1), best / median of {repeats} runs, ms"
    )
    headers = [
        "candidates",
        "SQL",
        "total best",
        "total med",
        "panels",
        "build",
        "render",
        "bare fetch",
        "ratio",
        "ms/cand.",
        "blocks",
        "chars",
    ]
    rows: list[list[object]] = []
    for x in r.sizes:
        totals = [run.total_s for run in x.plain]
        best = min(x.plain, key=lambda run: run.total_s)
        rows.append(
            [
                x.role.size,
                _sql(x.plain),
                *_best_median(totals),
                ms(median([run.panels_s for run in x.plain])),
                ms(median([run.build_s for run in x.plain])),
                ms(median([run.render_s for run in x.plain])),
                ms(min(x.bare)),
                f"{sum(totals) / sum(x.bare):.1f}×",
                f"{best.total_s / x.role.size * 1000:.2f}",
                best.blocks,
                f"{max(run.chars for run in x.plain):,}",
            ]
        )
    print(table(headers, rows))
    print(
        "panels/build/render: medians of compared_panels (plain-row reads, ratings counted "
        "in SQL, snapshots), compare_panels, comparison_message; bare fetch: best Core fetch "
        "of the rounds (+ role name), panelists, questions and feedback rows, 4 statements; ratio: "
        f"total ÷ bare, summed over the {repeats} interleaved runs; "
        f"{ROWS_PER_PAGE} candidates per page, text budget {TEXT_BUDGET:,}"
    )
    print(_statements_note(r.sizes))

    print(
        "\n(b) calibrated comparison: + calibrate(rated(session, team)), which reads every "
        f"finished round's feedback of the workspace ({s['feedback']:,} rows); best / median "
        f"of {repeats} runs for {main.role.size} candidates, one run for the other sizes, ms"
    )
    headers = [
        "candidates",
        "runs",
        "SQL",
        "total best",
        "total med",
        "panels",
        "calibration",
        "build",
        "render",
        "bare fetch",
        "ratio",
    ]
    rows = []
    for x in r.sizes:
        totals = [run.total_s for run in x.calibrated]
        rows.append(
            [
                x.role.size,
                len(x.calibrated),
                _sql(x.calibrated),
                *_best_median(totals),
                ms(median([run.panels_s for run in x.calibrated])),
                ms(median([run.calibration_s for run in x.calibrated])),
                ms(median([run.build_s for run in x.calibrated])),
                ms(median([run.render_s for run in x.calibrated])),
                ms(min(x.bare_calibrated)),
                f"{sum(totals) / sum(x.bare_calibrated):.1f}×",
            ]
        )
    print(table(headers, rows))
    adjusted, as_rated = r.interviewers
    print(
        "bare fetch: (a)'s plus calibration's own reads, rows only ("
        + ", ".join(f"role_queries.{name}" for name in r.calibration_reads)
        + f"); {main.role.size} candidates: {adjusted} interviewers adjusted for "
        f"leniency, {as_rated} left as rated (fewer than {MIN_ROUNDS} rounds)"
    )

    if main.heatmap:  # none with --heatmaps 0
        print(
            f"\n(c) heatmap of the {main.role.size} candidates: comparison_heatmap(c) "
            f"(at most {MAX_ROWS} rows drawn), ms"
        )
        headers = ["candidates", "rows drawn", "best", "median", "PNG KiB"]
        row = [main.role.size, min(main.role.size, MAX_ROWS), *_best_median(main.heatmap)]
        print(table(headers, [[*row, f"{main.png_bytes / 1024:.0f}"]]))

    plain_ratio = sum(run.total_s for run in main.plain) / sum(main.bare)
    calibrated_ratio = sum(run.total_s for run in main.calibrated) / sum(main.bare_calibrated)
    print(f"\n(d) {main.role.size} candidates against the bare Core fetch (medians, ms)")

    def step(runs: list[Run], attribute: str) -> float:
        return median([getattr(run, attribute) for run in runs])

    bare, bare_calibrated = median(main.bare), median(main.bare_calibrated)
    panels = step(main.plain, "panels_s")
    calibration_s = step(main.calibrated, "calibration_s")
    reads_alone = bare_calibrated - bare
    headers = ["step", "ms", "× bare"]
    rows = [
        ["bare fetch: rounds, panelists, questions, feedback", ms(bare), "1.0×"],
        ["compared_panels()", ms(panels), f"{panels / bare:.1f}×"],
        ["compare_panels()", ms(step(main.plain, "build_s")), ""],
        ["comparison_message()", ms(step(main.plain, "render_s")), ""],
        ["comparison, total", ms(step(main.plain, "total_s")), f"{plain_ratio:.1f}×"],
        ["bare fetch + calibration's reads", ms(bare_calibrated), "1.0×"],
        ["  calibration's reads alone", ms(reads_alone), ""],
        ["calibrate(rated())", ms(calibration_s), f"{calibration_s / reads_alone:.1f}×"],
        ["calibrated comparison, total", ms(step(main.calibrated, "total_s")), ""],
    ]
    rows[-1][-1] = f"{calibrated_ratio:.1f}×"
    print(table(headers, rows))
    print(
        "× bare: the comparison totals are summed over the interleaved runs; calibrate(rated()) is "
        "against its reads alone (bare fetch + reads − bare fetch)"
    )
    for problem in r.problems:
        print(f"PROBLEM: {problem}")
    if not r.problems:
        print(
            "check: every candidate has a row; criterion means and recommendation tallies "
            "match the database's AVG/COUNT; every message within the text budget"
        )
    return plain_ratio, calibrated_ratio


def _sizes(value: str) -> list[int]:
    return sorted(int(x) for x in value.split(","))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--candidates", type=int, default=500, help="complete rounds of the main role"
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[50, 100, 250, 501],
        help="candidates of the other compared roles, comma-separated (501: one past "
        "the 500 parents per query selectinload batched by, before the plain-row reads)",
    )
    parser.add_argument("--other-roles", type=int, default=2, help="roles only calibration reads")
    parser.add_argument("--other-rounds", type=int, default=300, help="rounds per other role")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="measured runs per size")
    parser.add_argument("--heatmaps", type=int, default=3, help="heatmap renders (main role)")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.candidates, args.sizes, args.other_roles, args.other_rounds = 40, [5, 20], 1, 30
        args.repeats, args.heatmaps = 2, 1
    args.sizes = sorted({*args.sizes, args.candidates})
    now = datetime.now(UTC).replace(microsecond=0)
    ratios = {}
    problems = 0
    for backend in args.backends.split(","):
        started = time.perf_counter()
        result = run_backend(backend, args, now)
        ratios[backend] = report(result, args.repeats, args.candidates)
        problems += len(result.problems)
        print(f"[{backend} done in {time.perf_counter() - started:.1f} s]")
    print()
    for backend, (plain, calibrated) in ratios.items():
        print(
            f"{backend}: comparison = {plain:.1f}× bare fetch of the same rows, "
            f"calibrated = {calibrated:.1f}×"
        )
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
