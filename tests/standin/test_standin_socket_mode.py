"""The stand-in's Socket Mode side (tests/slack/socket_mode.py) as an app sees it, through a
plain WebSocket client: tickets, hello, envelopes and acks, what it records, Slack's
`disconnect` request and broken connections."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from slack_sdk import WebClient
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.slack.socket_mode import Link, SocketModeServer
from tests.slack.standin import SlackStandIn

TIMEOUT = 10.0


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        running.start_socket_mode()
        yield running


def slack_side(standin: SlackStandIn) -> SocketModeServer:
    assert standin.socket_mode is not None
    return standin.socket_mode


def new_url(standin: SlackStandIn) -> str:
    client = WebClient(base_url=standin.api_url)
    return str(client.apps_connections_open(app_token="xapp-test")["url"])


def receive(connection: ClientConnection) -> dict[str, object]:
    message = json.loads(connection.recv(timeout=TIMEOUT))
    assert isinstance(message, dict)
    return message


def test_a_ticket_is_good_for_one_connection_which_is_greeted(standin: SlackStandIn) -> None:
    url = new_url(standin)
    assert url.startswith(slack_side(standin).url + "?ticket=")
    assert new_url(standin) != url, "every apps.connections.open names a new ticket"
    with connect(url) as app:
        hello = receive(app)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": standin.app_id}
        assert slack_side(standin).wait_for_link().number == 1
        with pytest.raises(InvalidStatus) as refused:
            connect(url)  # the same ticket again
        assert refused.value.response.status_code == 401
        with pytest.raises(InvalidStatus):
            connect(slack_side(standin).url)  # none at all
    assert len(slack_side(standin).refused) == 2
    assert len(slack_side(standin).links) == 1


def test_envelopes_and_acks_are_recorded(standin: SlackStandIn) -> None:
    side = slack_side(standin)
    with connect(new_url(standin)) as app:
        receive(app)  # hello

        def answer_one() -> None:
            envelope = receive(app)
            app.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"x": 1}}))

        acker = threading.Thread(target=answer_one)
        acker.start()
        ack = side.deliver("slash_commands", {"command": "/panel", "text": "help"})
        acker.join(TIMEOUT)
        assert ack.payload == {"x": 1} and ack.link == 1 and ack.elapsed >= 0
        sent = side.envelopes[-1]
        assert sent.accepts_response_payload and sent.retry_attempt == 0

        # An event, redelivered: no payload is expected in its ack; a second ack is a stray,
        # as is one for an envelope Slack never sent.
        event = side.send("events_api", {"type": "event_callback"}, retry_attempt=1)
        message = receive(app)
        assert message == event.message()
        assert message["accepts_response_payload"] is False and message["retry_attempt"] == 1
        for envelope_id in (event.envelope_id, event.envelope_id, "never-sent"):
            app.send(json.dumps({"envelope_id": envelope_id}))
        side.wait_for_ack(event)
        clicked = side.send("interactive", {"type": "block_actions"})
        assert not clicked.accepts_response_payload
        assert side.send("interactive", {"type": "view_submission"}).accepts_response_payload
        with pytest.raises(AssertionError, match="no ack for the interactive envelope"):
            side.wait_for_ack(clicked, timeout=0.2)
    assert side.acks[-1].payload is None
    assert side.strays == [{"envelope_id": event.envelope_id}, {"envelope_id": "never-sent"}]


def test_slack_asks_for_a_new_connection_or_drops_it(standin: SlackStandIn) -> None:
    side = slack_side(standin)
    with connect(new_url(standin)) as first:
        receive(first)
        side.request_refresh()
        assert receive(first) == {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-standin"},
        }
        with connect(new_url(standin)) as second:
            assert receive(second)["num_connections"] == 2
            assert side.wait_for_link(2).number == 2, "envelopes go to the newest connection"
    closed_by_the_app = side.links[:2]
    until(lambda: not any(link.is_open for link in closed_by_the_app))

    for reset in (True, False):
        with connect(new_url(standin)) as app:
            receive(app)
            link = side.links[-1]
            until(partial(greeted, link))
            side.drop(reset=reset)
            with pytest.raises(ConnectionClosed):
                app.recv(timeout=TIMEOUT)
            until(partial(closed, link))
    assert len(side.links) == 4 and side.open_links() == []


def greeted(link: Link) -> bool:
    return link.greeted


def closed(link: Link) -> bool:
    return not link.is_open


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
