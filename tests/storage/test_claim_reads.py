"""What a delivery reads, on SQLite and PostgreSQL: the claim returns its rows (no read of
them after it), a claim's later row is read in the transaction that finishes the row before
it, and a message posted in a claim is updated later in the same claim with the ts just
recorded, without reading its round again (bot/services/claim_rounds.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import Services
from storage.db import Database
from storage.models import Outbox, WorkState
from storage.work import Scope, claim, claim_rows
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.outbox_rounds import add_post, change_round, row, start_round
from tests.support.round_rows import HIRING, TEAM
from tests.support.statements import reads_rounds, statements_sent, transactions_committed

LEASE = timedelta(minutes=2)


def reads_round_state(statement: str) -> bool:
    """A read of a round to render from (not the lock taken before a ts is recorded)."""
    return reads_rounds(statement) and "rounds.candidate_name" in statement


def reads_outbox(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "FROM outbox" in statement


def test_claim_rows_returns_the_rows_it_leased_in_id_order(
    database: Database, clock: Clock
) -> None:
    now = clock()
    with database.transaction() as session:
        for i in range(5):
            add_post(session, f"post:{i}", now - timedelta(minutes=5 - i), user_id=f"UP{i}")
    with database.transaction() as session:
        first = claim_rows(session, Outbox, "one", now, LEASE, 3)
    assert [r.key for r in first] == ["post:0", "post:1", "post:2"]  # oldest due first
    assert [r.id for r in first] == sorted(r.id for r in first)
    assert all(r.lease_owner == "one" and r.lease_until == now + LEASE for r in first)
    assert [r.payload["text"] for r in first] == ["hello post:0", "hello post:1", "hello post:2"]
    with database.transaction() as session:
        second = claim_rows(session, Outbox, "two", now, LEASE, 3)
        assert claim_rows(session, Outbox, "three", now, LEASE, 3) == []
    assert [r.key for r in second] == ["post:3", "post:4"]
    with database.read() as session:
        leases = dict(session.execute(select(Outbox.key, Outbox.lease_owner)).all())
    assert leases == {f"post:{i}": "one" if i < 3 else "two" for i in range(5)}


def test_two_refreshes_are_four_transactions_and_one_read_of_the_outbox(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    """A submission's delivery: the claim, the round's read, and one transaction per row
    that finishes it; the second row is read in the first one's (the claim returned both)."""
    round_id = start_round(database, standin, clock)
    services.dispatcher.run()  # the announcement and the briefs
    user = change_round(database, clock, round_id, brief_of_first=True)
    with (
        transactions_committed(database) as committed,
        statements_sent(database, keep=reads_outbox) as outbox_reads,
    ):
        stats = services.dispatcher.deliver_round(round_id)
    assert stats.sent == 2
    assert len(committed) == 4, "claim, the round, a finish per row"
    assert len(outbox_reads) == 1, outbox_reads
    for key in (f"announcement:{round_id}", f"brief_refresh:{round_id}:{user}"):
        assert row(database, key).status == WorkState.SENT


def test_a_message_posted_in_a_claim_is_updated_in_it_without_reading_the_round_again(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    """The announcement and the briefs are posted, then a change refreshes the announcement
    and the first brief, all in one claim: the refreshes edit the messages just posted
    (their ts kept in the claim's state of the round), and only the posts read the round."""
    round_id = start_round(database, standin, clock, panel=3)
    user = change_round(database, clock, round_id, brief_of_first=True)
    with statements_sent(database, keep=reads_round_state) as round_reads:
        stats = services.dispatcher.run()
    assert stats.sent == 6 and stats.waiting == 0, stats
    assert len(round_reads) == 4, "the announcement and each brief: posts read their round"
    (announcement,) = standin.messages_in(HIRING)
    (brief,) = standin.messages_in(f"D{user}")
    updated = {(str(c.args["channel"]), str(c.args["ts"])) for c in standin.calls_to("chat.update")}
    assert updated == {(HIRING, announcement["ts"]), (f"D{user}", brief["ts"])}
    for key in (f"announcement:{round_id}", f"brief_refresh:{round_id}:{user}"):
        assert row(database, key).status == WorkState.SENT


def test_a_claim_of_rows_outside_any_round_takes_its_own_workspace_s_only(
    database: Database, clock: Clock
) -> None:
    """A channel's id can be two workspaces' (Slack Connect): what one request enqueued
    for it is claimed with its team, and the other team's rows stay for their own."""
    now = clock()
    ids: dict[str, int] = {}
    with database.transaction() as session:
        for team in (TEAM, "T0OTHER"):
            add_post(
                session, f"post:{team}", now - timedelta(minutes=1), team_id=team, channel_id=HIRING
            )
        ids = {team: id_ for team, id_ in session.execute(select(Outbox.team_id, Outbox.id))}
    with database.transaction() as session:
        scope = Scope("channel_id", HIRING, unbound=True, team_id=TEAM)
        taken = claim(session, Outbox, "me", now, LEASE, 10, only=scope)
    assert taken == [ids[TEAM]]
