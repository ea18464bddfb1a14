"""The digest read as rows (digest_rows: open rounds with their panel counted and only the
missing panelists read) is the digest built from the ORM's snapshots, and so is its
message, byte for byte, on both databases: open rounds late and not, with nobody, some and
everyone but one in; a round with no panel; removed panelists, with and without feedback;
rounds closed early; round-1 doubts; decisions of one and two versions; a cancelled round;
a finished round out of the ranking window; the same channel id in another team and
another channel of the same team (docs/performance.md, issue 15)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.domain.decision import Outcome
from bot.domain.digest import Digest, FinishedRound, build_digest
from bot.domain.feedback import Resolution
from bot.domain.panel import Status
from bot.domain.stats import summarize
from bot.services.digests import RANKING_WINDOW, compose
from bot.services.snapshots import snapshot, snapshot_with_feedback
from bot.views.digest import digest_message
from storage import queries
from storage.db import Database
from storage.models import Decision, Panelist, Round
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.round_rows import HIRING, TEAM

NOW = BASE + timedelta(days=10)
OTHER_TEAM = "T0OTHER"
PANEL = ("UANA", "UBEN", "UCY", "UDEE")


def seed_channel(database: Database, team: str, channel: str) -> None:
    # Open: due from 4 days ago to 5 days ahead; nobody, some, all but one in.
    submitted = [(), ("UANA",), ("UANA", "UCY"), ("UANA", "UBEN", "UCY")]
    opened = seed_finished_rounds(
        database,
        12,
        team=team,
        channel=channel,
        panel=PANEL,
        status=Status.OPEN,
        submitted=lambda n: submitted[n % 4],
        finished_at=lambda n: NOW + timedelta(days=n - 6, minutes=n),
        candidate=lambda n: f"Open {n:02d} <{channel}>",
        doubts=1,
        resolution=lambda n, user, position: Resolution.PARTLY,
    )
    empty = seed_finished_rounds(  # its panelists deleted below: no panel at all
        database,
        1,
        team=team,
        channel=channel,
        status=Status.OPEN,
        finished_at=lambda n: NOW - timedelta(days=1),
        candidate=lambda n: "Nobody yet",
    )
    complete = seed_finished_rounds(
        database,
        6,
        team=team,
        channel=channel,
        role="Designer",
        panel=PANEL,
        ratings=lambda n, user: {"UANA": 4, "UBEN": 1 + n % 4}.get(user, 2),
        recommendation=lambda n, user: 1 if user == "UCY" and n % 2 else 3,
        finished_at=lambda n: NOW - timedelta(days=n * 2, hours=3),
        doubts=2,
        resolution=lambda n, user, position: (
            Resolution.RESOLVED if (n + position) % 3 else Resolution.PARTLY
        ),
    )
    closed = seed_finished_rounds(
        database,
        3,
        team=team,
        channel=channel,
        panel=PANEL,
        status=Status.CLOSED,
        submitted=lambda n: ("UANA", "UBEN")[: n + 1],
        finished_at=lambda n: NOW - timedelta(hours=5 + n),
    )
    seed_finished_rounds(  # finished before the ranking window: left out
        database,
        1,
        team=team,
        channel=channel,
        finished_at=lambda n: NOW - RANKING_WINDOW - timedelta(days=1),
    )
    cancelled = seed_finished_rounds(database, 1, team=team, channel=channel, status=Status.OPEN)
    with database.transaction() as session:
        session.execute(delete(Panelist).where(Panelist.round_id.in_(empty.round_ids)))
        session.execute(
            update(Round).where(Round.id.in_(cancelled.round_ids)).values(status=Status.CANCELLED)
        )
        # UBEN left after giving feedback, UDEE before giving any.
        for rounds, user in ((opened.round_ids[3::8], "UBEN"), (opened.round_ids[::3], "UDEE")):
            session.execute(
                update(Panelist)
                .where(Panelist.round_id.in_(rounds), Panelist.user_id == user)
                .values(removed_at=BASE)
            )
        session.execute(
            update(Panelist)
            .where(Panelist.round_id.in_(complete.round_ids[:2] + closed.round_ids[:1]))
            .where(Panelist.user_id == "UBEN")
            .values(removed_at=BASE)
        )
        decided = complete.round_ids[1:4] + closed.round_ids[2:]
        for n, round_id in enumerate(decided):
            versions = 2 if n % 2 else 1
            for version in range(1, versions + 1):
                session.add(
                    Decision(
                        team_id=team,
                        round_id=round_id,
                        version=version,
                        outcome=Outcome.HOLD if version == 1 else Outcome.ADVANCE,
                        rationale="Seen in the debrief.",
                        participants=["UANA"],
                        decided_by="UORG",
                        decided_at=NOW - timedelta(days=2 - version, hours=n),
                        source_view_id=f"V-{team}-{round_id}-{version}",
                    )
                )
            session.execute(
                update(Round)
                .where(Round.id == round_id)
                .values(
                    decision=Outcome.HOLD if versions == 1 else Outcome.ADVANCE,
                    decided_at=NOW - timedelta(days=2 - versions, hours=n),
                )
            )


def from_orm(database: Database, team: str, channel: str, since: datetime | None) -> Digest:
    """The digest built from ORM rounds and their snapshots, one round at a time."""
    params = {"team_id": team, "channel_id": channel, "finished_after": NOW - RANKING_WINDOW}
    with database.read() as session:
        rounds = (
            session.execute(select(Round).where(queries.DIGEST_ROUNDS).order_by(Round.id), params)
            .scalars()
            .all()
        )
        open_rounds = [snapshot(session, r) for r in rounds if r.status == Status.OPEN]
        finished = []
        for r in rounds:
            if r.status not in Status.FINISHED:
                continue
            snap, feedback = snapshot_with_feedback(session, r)
            first = [d.decided_at for d in queries.decisions_of(session, team, r.id)][:1]
            finished.append(
                FinishedRound(
                    snap,
                    summarize(snap.rubric, feedback, list(snap.questions)),
                    r.completed_at or r.closed_at or r.created_at,
                    first[0] if first else None,
                )
            )
    return build_digest(channel, NOW, since, open_rounds, finished)


@pytest.mark.parametrize("since", [None, NOW - timedelta(days=1)])
def test_the_digest_from_rows_is_the_digest_from_snapshots(
    database: Database, since: datetime | None
) -> None:
    for team, channel in ((TEAM, HIRING), (OTHER_TEAM, HIRING), (TEAM, "C0OTHER")):
        seed_channel(database, team, channel)
    for team, channel in ((TEAM, HIRING), (OTHER_TEAM, HIRING), (TEAM, "C0OTHER")):
        with database.read() as session:
            read = compose(session, team, channel, since, NOW)
        built = from_orm(database, team, channel, since)
        assert read == built
        assert digest_message(read) == digest_message(built)
        # Each team's and channel's own rounds, and every case named above is reached.
        assert all(f"<{channel}>" in r.candidate_name for r in read.in_flight if r.panel_size)
        assert len(read.in_flight) == 13 and sum(len(r.rounds) for r in read.rankings) == 9
        flights = read.in_flight
        assert {r.submitted_count for r in flights} == {0, 1, 2, 3}
        assert any(r.panel_size == 0 for r in flights)
        assert any(r.panel_size == 3 for r in flights)  # a removed panelist
        assert any(read.late(r) for r in flights) and any(not read.late(r) for r in flights)
        assert any(f.round.partial for f in read.finished)
        assert any(f.summary.open_questions for f in read.finished) or since
        assert read.decided and read.awaiting and read.paces


def test_a_channel_without_rounds_digests_alike(database: Database) -> None:
    with database.read() as session:
        read = compose(session, TEAM, HIRING, None, NOW)
    assert read == from_orm(database, TEAM, HIRING, None) and read.empty
