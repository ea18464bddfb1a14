"""The request Bolt dispatches is the same whether Bolt parses the body or is handed the
payload guard's parse of it (bot/runtime/http_server.bolt_request_of)."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest

from bot.runtime.http_server import bolt_request_of
from bot.slack.payloads import PARSED_KEY, content_type_of, parsed_body

FORM = "application/x-www-form-urlencoded"
CLICK = {
    "type": "block_actions",
    "team": {"id": "T0001"},
    "user": {"id": "U0001", "team_id": "T0001"},
    "api_app_id": "A0001",
    "trigger_id": "1.2.3",
    "actions": [{"action_id": "give_feedback", "block_id": "brief", "value": "7"}],
    "container": {"type": "message", "channel_id": "D1", "message_ts": "1.2"},
    "response_url": "https://hooks.slack.com/actions/T0001/1/abc",
}
BODIES = {
    "interaction form": (urlencode({"payload": json.dumps(CLICK)}), FORM),
    "slash command": (
        urlencode({"command": "/panel", "text": "status & <x>", "team_id": "T1"}),
        FORM,
    ),
    "ssl check": ("ssl_check=1&token=t", FORM),
    "event JSON": (
        json.dumps({"type": "event_callback", "team_id": "T1", "event": {}}),
        "application/json",
    ),
    "JSON with a charset": (
        json.dumps({"type": "url_verification"}),
        "application/json; charset=utf-8",
    ),
    "empty": ("", FORM),
}


def environ_of(body: str, content_type: str) -> dict[str, Any]:
    raw = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "a=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(raw)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": "1700000000",
        "HTTP_X_SLACK_SIGNATURE": "v0=abc",
        "HTTP_X_SLACK_RETRY_NUM": "1",
        "wsgi.input": io.BytesIO(raw),
    }


@pytest.mark.parametrize("name", BODIES)
def test_the_parsed_body_makes_the_request_bolt_makes(name: str) -> None:
    body, content_type = BODIES[name]
    environ = environ_of(body, content_type)
    parsed_body(body.encode(), content_type_of(environ), environ)  # as the payload guard does
    assert isinstance(environ[PARSED_KEY], dict)
    request = WsgiHttpRequest(environ)
    ours = bolt_request_of(request)
    bolts = BoltRequest(body=body, query="a=1", headers=request.get_headers())
    assert vars(ours) == vars(bolts)
    assert ours.body is environ[PARSED_KEY]  # not parsed a second time


def test_without_a_parse_bolt_parses() -> None:
    body, content_type = BODIES["interaction form"]
    environ = environ_of(body, content_type)
    request = WsgiHttpRequest(environ)
    ours = bolt_request_of(request)
    assert vars(ours) == vars(BoltRequest(body=body, query="a=1", headers=request.get_headers()))
