"""The retention purge (RETENTION_DAYS, default 365), on both databases: finished rounds and
finished work rows older than the period go, open rounds and pending work stay, a workspace
uninstalled longer ago than the period loses everything (but its slack_* OAuth rows, which
went at uninstall), other teams keep theirs; in batches, hourly from the tick, and safely
from two instances at once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.services.retention import RetentionService
from storage.db import Database
from storage.models import (
    SLACK_BOTS,
    Base,
    Decision,
    DigestSchedule,
    DueWork,
    EvidenceFlag,
    Outbox,
    Question,
    Round,
    Workspace,
    WorkspaceEvidenceRules,
    WorkspaceSettings,
    WorkState,
)
from storage.outcome_models import CheckIn, RoundOutcomeRow
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import Harness

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
PERIOD = timedelta(days=365)  # the default RETENTION_DAYS
LONG_AGO = NOW - PERIOD - timedelta(days=1)
LATELY = NOW - PERIOD + timedelta(days=1)
TEAM_TABLES = [t for t in Base.metadata.sorted_tables if "team_id" in t.c]
SLACK_TABLES = {t.name for t in TEAM_TABLES if t.name.startswith("slack_")}


# -- helpers -------------------------------------------------------------------------------
def rounds(
    db: Database,
    count: int,
    status: str,
    finished: datetime,
    *,
    team: str = "T0001",
    candidate: str = "Candidate",
) -> list[int]:
    """Rounds with a panel of three and their feedback; a cancelled round is closed_at the
    time it was cancelled, as RoundService.cancel does."""
    seeded = seed_finished_rounds(
        db,
        count,
        team=team,
        status=Status.CLOSED if status == Status.CANCELLED else status,
        finished_at=lambda n: finished - timedelta(minutes=n),
        candidate=lambda n: f"{candidate} {n}",
        submitted=(lambda n: ["UANA"]) if status in (Status.OPEN, Status.CANCELLED) else None,
    )
    if status in (Status.OPEN, Status.CANCELLED):
        with db.transaction() as session:
            session.execute(
                update(Round)
                .where(Round.id.in_(seeded.round_ids))
                .values(status=status, summary_claimed_at=None)
            )
    return seeded.round_ids


def work_row(
    model: type[DueWork] | type[Outbox],
    key: str,
    status: str,
    created: datetime,
    *,
    finished: datetime | None = None,
    round_id: int | None = None,
    team: str = "T0001",
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "team_id": team,
        "key": key,
        "kind": "post" if model is Outbox else "digest",
        "status": status,
        "due_at": created,
        "created_at": created,
        "finished_at": finished,
        "round_id": round_id,
        "payload": {},
    }
    return row


def add_rows(db: Database, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    with db.transaction() as session:
        session.execute(insert(model), list(rows))


def keys(db: Database, model: type[DueWork] | type[Outbox]) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(model.key)))


def round_ids(db: Database) -> set[int]:
    with db.read() as session:
        return set(session.scalars(select(Round.id)))


def team_rows(db: Database, team: str) -> dict[str, int]:
    """How many rows each table with a team_id holds for `team`."""
    with db.read() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t).where(t.c.team_id == team))
            or 0
            for t in TEAM_TABLES
        }


def seed_workspace_data(db: Database, team: str, uninstalled_at: datetime | None) -> None:
    """A workspace with something in every table: a finished round (with its decision, outcome,
    a check-in) and
    an open round (with panel, feedback, ratings, revisions), a role rubric, due work and
    outbox rows, a digest schedule, its settings, its evidence rules and an evidence nudge's
    count, its workspaces row and slack_sdk's bot-token row."""
    closed_round = rounds(db, 1, Status.CLOSED, NOW - timedelta(days=400), team=team)[0]
    open_round = rounds(db, 1, Status.OPEN, NOW - timedelta(days=400), team=team)[0]
    with db.transaction() as session:
        session.add(
            Decision(
                team_id=team,
                round_id=closed_round,
                version=1,
                outcome="hold",
                rationale="Waiting for references.",
                participants=["UORG"],
                decided_by="UORG",
                decided_at=NOW - timedelta(days=399),
                source_view_id=f"V-{team}",
            )
        )
        role_id = session.scalar(select(Round.role_id).where(Round.id == open_round))
        session.execute(
            insert(Base.metadata.tables["role_rubrics"]),
            [
                {
                    "team_id": team,
                    "role_id": role_id,
                    "version": 1,
                    "rubric": SECOND_INTERVIEW.to_data(),
                    "created_by": "UORG",
                    "created_at": NOW - timedelta(days=500),
                }
            ],
        )
        session.add(
            DigestSchedule(
                team_id=team,
                channel_id="C0HIRING",
                frequency="daily",
                at_time="09:00",
                tz="UTC",
                created_by="UORG",
            )
        )
        session.add(WorkspaceSettings(team_id=team, nudges_enabled=False))
        session.add(WorkspaceEvidenceRules(team_id=team, rules={"rules": []}, updated_by="cli"))
        session.add(
            EvidenceFlag(
                team_id=team,
                round_id=open_round,
                user_id="UANA",
                criterion_key="depth",
                rule="verdict",
                outcome="kept",
            )
        )
        session.add(Question(team_id=team, round_id=open_round, position=0, text="Why Acme?"))
        session.add(
            RoundOutcomeRow(
                team_id=team,
                round_id=closed_round,
                offer="accepted",
                recorded_by="UORG",
                recorded_at=NOW - timedelta(days=399),
            )
        )
        session.add(CheckIn(team_id=team, round_id=closed_round, months=6, asked_user="UORG"))
        session.merge(  # the app records its own workspace as installed at start
            Workspace(
                team_id=team,
                team_name=f"Team {team}",
                installed_at=NOW - timedelta(days=900),
                uninstalled_at=uninstalled_at,
            )
        )
        session.execute(
            insert(Base.metadata.tables[SLACK_BOTS]),
            [
                {
                    "client_id": "111.222",
                    "app_id": "A0001",
                    "team_id": team,
                    "bot_token": None,
                    "is_enterprise_install": False,
                    "installed_at": datetime(2025, 1, 1),
                }
            ],
        )
    add_rows(
        db,
        DueWork,
        [
            work_row(DueWork, f"digest:{team}", WorkState.PENDING, NOW, team=team),
            work_row(
                DueWork, f"nudge:{team}", WorkState.PENDING, NOW, round_id=open_round, team=team
            ),
        ],
    )
    add_rows(
        db,
        Outbox,
        [
            work_row(Outbox, f"post:{team}", WorkState.PENDING, NOW, team=team),
            work_row(
                Outbox,
                f"brief:{team}",
                WorkState.SENT,
                NOW,
                finished=NOW,
                round_id=open_round,
                team=team,
            ),
        ],
    )


# -- finished rounds --------------------------------------------------------------------------
def test_rounds_finished_longer_ago_than_the_period_are_purged(harness: Harness) -> None:
    h, db = harness, harness.db
    h.clock.set(NOW)
    closed = rounds(db, 2, Status.CLOSED, LONG_AGO)
    complete = rounds(db, 1, Status.COMPLETE, LONG_AGO)
    cancelled = rounds(db, 1, Status.CANCELLED, LONG_AGO)
    open_ = rounds(db, 1, Status.OPEN, NOW - 3 * PERIOD)  # open: kept, however old
    recent = rounds(db, 1, Status.CLOSED, NOW - PERIOD + timedelta(minutes=30))
    purged = closed + complete + cancelled
    # Work of the purged rounds goes with them, whatever its state.
    add_rows(
        db,
        Outbox,
        [work_row(Outbox, f"brief:{r}", WorkState.PENDING, NOW, round_id=r) for r in purged],
    )
    add_rows(
        db,
        DueWork,
        [work_row(DueWork, f"nudge:{r}", WorkState.PENDING, NOW, round_id=r) for r in purged],
    )
    before = team_rows(db, "T0001")

    h.tick()
    assert round_ids(db) == set(open_ + recent)
    after = team_rows(db, "T0001")
    # A panel of 3 per round, all of whose rows went: panelists, feedback, ratings, …
    assert after["rounds"] == before["rounds"] - 4
    assert after["panelists"] == before["panelists"] - 4 * 3
    assert after["feedback"] == before["feedback"] - (3 + 3 + 3 + 1)
    assert (
        after["ratings"] < before["ratings"]
        and after["feedback_revisions"] < before["feedback_revisions"]
    )
    assert (after["outbox"], after["due_work"]) == (0, 0)
    assert after["roles"] == before["roles"]  # roles and rubrics are not candidate data

    # The recent round's period ends 30 minutes later; the tick purges at most hourly.
    h.clock.advance(timedelta(minutes=40))
    h.tick()
    assert round_ids(db) == set(open_ + recent)
    h.clock.advance(timedelta(minutes=30))
    h.tick()
    assert round_ids(db) == set(open_)


def test_finished_work_rows_older_than_the_period_are_purged(harness: Harness) -> None:
    h, db = harness, harness.db
    h.clock.set(NOW)
    open_round = rounds(db, 1, Status.OPEN, LONG_AGO)[0]
    closed_round = rounds(db, 1, Status.CLOSED, LATELY)[0]  # finished within the period
    add_rows(
        db,
        Outbox,
        [
            work_row(Outbox, "sent-old", WorkState.SENT, LONG_AGO, finished=LONG_AGO),
            work_row(Outbox, "failed-old", WorkState.FAILED, LONG_AGO, finished=LONG_AGO),
            work_row(Outbox, "skipped-old", WorkState.SKIPPED, LONG_AGO, finished=LONG_AGO),
            work_row(Outbox, "pending-old", WorkState.PENDING, LONG_AGO),
            work_row(Outbox, "sent-lately", WorkState.SENT, LONG_AGO, finished=LATELY),
            # An open round's rows keep its keys (no brief or nudge is sent twice).
            work_row(
                Outbox,
                "open-round",
                WorkState.SENT,
                LONG_AGO,
                finished=LONG_AGO,
                round_id=open_round,
            ),
            work_row(
                Outbox,
                "closed-round",
                WorkState.SENT,
                LONG_AGO,
                finished=LONG_AGO,
                round_id=closed_round,
            ),
            work_row(Outbox, "other-team", WorkState.PENDING, LONG_AGO, team="T0002"),
        ],
    )
    add_rows(
        db,
        DueWork,
        [
            work_row(DueWork, "done-old", WorkState.DONE, LONG_AGO, finished=LONG_AGO),
            # Cancelled due work has no finished_at: its age is its creation.
            work_row(DueWork, "cancelled-old", WorkState.CANCELLED, LONG_AGO),
            work_row(DueWork, "cancelled-lately", WorkState.CANCELLED, LATELY),
            work_row(DueWork, "pending-old", WorkState.PENDING, LONG_AGO),
            work_row(
                DueWork,
                "open-round",
                WorkState.DONE,
                LONG_AGO,
                finished=LONG_AGO,
                round_id=open_round,
            ),
        ],
    )
    purged = h.services.retention.purge(NOW)
    assert purged.finished
    assert purged.counts == {"outbox": 4, "due_work": 2}
    assert keys(db, Outbox) == {"pending-old", "sent-lately", "open-round", "other-team"}
    assert keys(db, DueWork) == {"cancelled-lately", "pending-old", "open-round"}
    assert round_ids(db) == {open_round, closed_round}


# -- uninstalled workspaces -----------------------------------------------------------------
def test_an_uninstalled_workspace_is_purged_once_the_period_has_passed(harness: Harness) -> None:
    h, db = harness, harness.db
    h.clock.set(NOW)
    seed_workspace_data(db, "T0002", uninstalled_at=NOW - PERIOD + timedelta(days=1))
    seed_workspace_data(db, "T0001", uninstalled_at=None)  # still installed
    seed_workspace_data(db, "T0003", uninstalled_at=NOW - timedelta(days=30))
    ours = [t.name for t in TEAM_TABLES if t.name not in SLACK_TABLES]
    for team in ("T0001", "T0002", "T0003"):
        seeded = team_rows(db, team)
        assert all(seeded[name] > 0 for name in [*ours, SLACK_BOTS]), seeded

    h.tick()  # a day before T0002's period ends: only long-finished rounds go
    before = {team: team_rows(db, team) for team in ("T0001", "T0002", "T0003")}
    assert before["T0002"]["workspaces"] == 1 and before["T0002"]["rounds"] == 1

    h.clock.advance(timedelta(days=2))
    h.tick()
    left = {name: n for name, n in team_rows(db, "T0002").items() if n}
    assert left == {SLACK_BOTS: 1}  # its tokens are the uninstall's business
    assert team_rows(db, "T0001") == before["T0001"]
    assert team_rows(db, "T0003") == before["T0003"]


def test_a_reinstalled_workspace_is_not_purged(harness: Harness) -> None:
    db = harness.db
    seed_workspace_data(db, "T0002", uninstalled_at=NOW - 2 * PERIOD)
    with db.transaction() as session:  # reinstalled: the install flow clears uninstalled_at
        session.execute(update(Workspace).values(uninstalled_at=None))
    harness.services.retention.purge(NOW)
    after = team_rows(db, "T0002")
    assert after["workspaces"] == 1 and after["roles"] == 1 and after["rounds"] == 1


# -- batches and several instances ---------------------------------------------------------------
def test_the_purge_goes_in_batches_and_carries_on(harness: Harness) -> None:
    h, db = harness, harness.db
    rounds(db, 5, Status.CLOSED, LONG_AGO)
    seed_workspace_data(db, "T0002", uninstalled_at=NOW - 2 * PERIOD)
    calls = []
    while True:
        # No time at all: each call deletes one batch of a table, then stops.
        purged = h.services.retention.purge(NOW, budget=0, batch=2)
        assert all(n <= 2 for n in purged.counts.values()), purged.counts
        calls.append(purged.counts)
        if purged.finished:
            break
        assert len(calls) < 20
    assert len(calls) >= 4
    totals: dict[str, int] = {}
    for counts in calls:
        for table, n in counts.items():
            totals[table] = totals.get(table, 0) + n
    assert totals["rounds"] == 5 + 2 and totals["workspaces"] == 1
    assert team_rows(db, "T0002")["roles"] == 0
    assert round_ids(db) == set()


def test_two_instances_purging_at_once_delete_each_row_once(harness: Harness) -> None:
    db = harness.db
    doomed = rounds(db, 30, Status.CLOSED, LONG_AGO)
    kept = rounds(db, 2, Status.CLOSED, LATELY)
    instances = [harness.services.retention, RetentionService(harness.services.resources)]
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(instances))

    def purge(service: RetentionService) -> None:
        try:
            start.wait()
            results.append(service.purge(NOW, batch=3).counts)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=purge, args=(s,)) for s in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(r.get("rounds", 0) for r in results) == len(doomed)
    assert round_ids(db) == set(kept)
