"""The payload guard (bot/slack/payloads.py) on its own: what Slack sends passes it, in all
its shapes (org-wide installs, Slack Connect modals, events whose user is an object, slash
commands, the SSL check); what crashed Bolt does not."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.payloads import shape_problem
from tests.support.adversarial import BOLT_CRASHERS

# -- what Slack does send passes the guard ------------------------------------------------------
SLACK_SHAPES: list[dict[str, Any]] = [
    {"type": "url_verification", "token": "t", "challenge": "abc"},
    {  # a click in an org-wide install: no team object, the user carries it
        "type": "block_actions",
        "team": None,
        "enterprise": {"id": "E0001", "name": "Acme"},
        "is_enterprise_install": True,
        "user": {"id": "W0001", "username": "a", "team_id": "T0001"},
        "api_app_id": "A0001",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0001",
            "is_ephemeral": True,
        },
        "channel": {"id": "C0001", "name": "hiring"},
        "response_url": "https://hooks.slack.com/actions/T0001/1/abc",
        "actions": [
            {
                "type": "static_select",
                "action_id": "compare_pick",
                "block_id": "x=1",
                "selected_option": {"text": {"type": "plain_text", "text": "A"}, "value": "1:"},
                "action_ts": "1700000000.1",
            }
        ],
        "state": {"values": {}},
    },
    {  # a modal submission with response_urls, from a Slack Connect channel's modal
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": "U0001", "name": "a", "team_id": "T0001"},
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0001",
            "type": "modal",
            "callback_id": "panel_new",
            "private_metadata": "",
            "hash": "1.abc",
            "team_id": "T0001",
            "app_installed_team_id": "T0002",
            "previous_view_id": None,
            "state": {"values": {"b": {"a": {"type": "plain_text_input", "value": None}}}},
        },
        "response_urls": [
            {"block_id": "b", "action_id": "a", "channel_id": "C1", "response_url": "https://x/y"}
        ],
    },
    {  # an event whose user is an object (user_change), with authorizations
        "type": "event_callback",
        "team_id": "T0001",
        "enterprise_id": "E0001",
        "event": {"type": "user_change", "user": {"id": "U0001", "name": "a"}},
        "authorizations": [
            {"enterprise_id": None, "team_id": "T0001", "user_id": "U0BOT", "is_bot": True}
        ],
        "is_ext_shared_channel": False,
    },
]


@pytest.mark.parametrize("body", SLACK_SHAPES, ids=lambda b: str(b["type"]))
def test_what_slack_sends_passes_the_guard(body: dict[str, Any]) -> None:
    assert shape_problem(json.dumps(body).encode(), "application/json") is None
    form = urlencode({"payload": json.dumps(body)}).encode()
    assert shape_problem(form, "application/x-www-form-urlencoded") is None


def test_what_slack_sends_as_a_command_and_an_ssl_check_passes_the_guard() -> None:
    command = {
        "token": "t",
        "team_id": "T0001",
        "team_domain": "acme",
        "enterprise_id": "E0001",
        "enterprise_name": "Acme Corp",
        "channel_id": "G0001",
        "channel_name": "privategroup",
        "user_id": "U0001",
        "user_name": "ana",
        "command": "/panel",
        "text": "compare <!channel> & ünïcødé",
        "api_app_id": "A0001",
        "is_enterprise_install": "false",
        "response_url": "https://hooks.slack.com/commands/T0001/1/abc",
        "trigger_id": "1.2.3",
    }
    form = "application/x-www-form-urlencoded"
    assert shape_problem(urlencode(command).encode(), form) is None
    assert shape_problem(b"ssl_check=1&token=t", form) is None


@pytest.mark.parametrize("shape", BOLT_CRASHERS, ids=lambda s: json.dumps(s)[:60])
def test_what_crashed_bolt_is_refused(shape: dict[str, Any]) -> None:
    body = {
        "user": {"id": "U0001"},
        "team": {"id": "T0001"},
        "trigger_id": "1.2.3",
        "response_url": "https://hooks.slack.com/x",
        **shape,
    }
    assert shape_problem(json.dumps(body).encode(), "application/json") is not None
