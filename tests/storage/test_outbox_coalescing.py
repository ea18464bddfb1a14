"""Refreshes of one message coalesce, on SQLite and PostgreSQL: changes made before a
delivery are one row, sent once with the newest state; the rows of one claim read their
round once (bot/services/claim_rounds.py) yet never render a state older than their own
generation; and a refresh another instance holds when a change arrives is still sent."""

from __future__ import annotations

from typing import Any

from bot.services import Services
from bot.services.dispatcher import Dispatcher
from storage.db import Database
from storage.models import WorkState
from tests.slack.records import Json
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock
from tests.support.outbox_rounds import change_round, row, start_round
from tests.support.round_rows import HIRING
from tests.support.statements import reads_rounds, statements_sent


def change(db: Database, clock: Clock, round_id: int, **values: Any) -> str:
    """A change of the round that refreshes its announcement and its first panelist's
    brief, as a submission does; returns that panelist."""
    return change_round(db, clock, round_id, brief_of_first=True, **values)


def delivered(services: Services, database: Database, standin: SlackStandIn, c: Any) -> int:
    round_id = start_round(database, standin, c)
    services.dispatcher.run()  # the announcement and the briefs
    return round_id


def test_changes_before_a_delivery_are_sent_once_with_the_newest_state(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    round_id = delivered(services, database, standin, clock)
    change(database, clock, round_id)
    change(database, clock, round_id, candidate_name="Ada Lovelace")
    user = change(database, clock, round_id, candidate_name="Grace Hopper")
    before = len(standin.calls_to("chat.update"))
    stats = services.dispatcher.deliver_round(round_id)
    updates = standin.calls_to("chat.update")[before:]
    assert stats.sent == 2 and len(updates) == 2, "one update per message, not per change"
    assert all("Grace Hopper" in str(call.args.get("text")) for call in updates)
    assert row(database, f"announcement:{round_id}").generation == 2
    for key in (f"announcement:{round_id}", f"brief_refresh:{round_id}:{user}"):
        assert row(database, key).status == WorkState.SENT
    (announcement,) = standin.messages_in(HIRING)
    assert "Grace Hopper" in announcement["text"]
    (brief,) = standin.messages_in(f"D{user}")
    assert "Grace Hopper" in brief["text"]


def test_the_rows_of_one_claim_read_their_round_once(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    round_id = delivered(services, database, standin, clock)
    change(database, clock, round_id, candidate_name="Grace Hopper")
    with statements_sent(database, keep=reads_rounds) as reads:
        stats = services.dispatcher.deliver_round(round_id)
    assert stats.sent == 2
    assert len(reads) == 1, reads


def test_a_row_rearmed_after_its_round_was_read_renders_the_new_state(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    """Both refreshes are claimed and the round read for the first; a change lands while
    the first is in flight: the second must not be rendered from the state read before."""
    round_id = delivered(services, database, standin, clock)
    user = change(database, clock, round_id)
    texts: list[str] = []

    def change_once(args: Json) -> bool:
        texts.append(str(args.get("text")))
        if len(texts) == 1:
            change(database, clock, round_id, candidate_name="Grace Hopper")
        return False  # answer normally

    standin.fail_always("chat.update", "unused", when=change_once)
    services.dispatcher.deliver_round(round_id)
    assert "Grace Hopper" not in texts[0]
    assert all("Grace Hopper" in text for text in texts[1:]), texts
    assert len(texts) == 3, "the first message again, and the second once, both new"
    (announcement,) = standin.messages_in(HIRING)
    (brief,) = standin.messages_in(f"D{user}")
    assert "Grace Hopper" in announcement["text"] and "Grace Hopper" in brief["text"]
    for key in (f"announcement:{round_id}", f"brief_refresh:{round_id}:{user}"):
        assert row(database, key).status == WorkState.SENT


def test_a_refresh_another_instance_holds_when_a_change_arrives_is_not_lost(
    services: Services, database: Database, standin: SlackStandIn, clock: Clock
) -> None:
    """Instance A is sending the announcement's update when a change re-arms it; the change's
    own delivery runs on instance B, finds the row leased to A and leaves it. A's delivery
    finishes under the old generation, so the row stays pending and A sends it again."""
    round_id = delivered(services, database, standin, clock)
    change(database, clock, round_id)
    other = Dispatcher(services.dispatcher.resources, services.dispatcher.clients, owner="B")
    by_b: list[int] = []
    changed = False

    def change_while_a_sends(args: Json) -> bool:
        nonlocal changed
        if not changed:
            changed = True
            change(database, clock, round_id, candidate_name="Grace Hopper")
            by_b.append(other.deliver_round(round_id).sent)
        return False

    standin.fail_always("chat.update", "unused", when=change_while_a_sends)
    services.dispatcher.deliver_round(round_id)
    assert by_b == [0], "B must leave the rows A holds"
    (announcement,) = standin.messages_in(HIRING)
    assert "Grace Hopper" in announcement["text"]
    assert row(database, f"announcement:{round_id}").status == WorkState.SENT
