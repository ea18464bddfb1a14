"""The stand-in refuses what Slack refuses and slack_sdk lets through (tests/slack/
blockkit_rules.py): for each rule, a payload that keeps it is accepted and one that breaks it
is refused with Slack's error — `invalid_blocks` for a message (its `errors` saying where),
`invalid_arguments` for a view (its `response_metadata.messages`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.standin import SlackStandIn

TOKEN = "xoxb-test"
Json = dict[str, Any]
Payload = TypeVar("Payload", Json, list[Json])  # a view, or a message's blocks


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        server.add_user("U1", "ada", real_name="Ada Lovelace")
        server.add_channel("C0HIRING", "hiring", members=["U1"])
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(base_url=standin.api_url, token=TOKEN)


# ---- payload pieces -----------------------------------------------------------------------
def plain(text: str) -> Json:
    return {"type": "plain_text", "text": text}


def section(text: str = "hi", **extra: Any) -> Json:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, action_id: str) -> Json:
    return {"type": "button", "text": plain(text), "action_id": action_id, "value": "7:1"}


def actions(*elements: Json) -> Json:
    return {"type": "actions", "elements": list(elements)}


def option(value: str, description: str | None = None) -> Json:
    found = {"text": plain(f"Option {value}"), "value": value}
    return {**found, "description": plain(description)} if description else found


def options(n: int) -> list[Json]:
    return [option(str(i)) for i in range(n)]


def choices(kind: str, n: int, **extra: Any) -> Json:
    return {"type": kind, "action_id": "value", "options": options(n), **extra}


def input_block(block_id: str, element: Json) -> Json:
    return {"type": "input", "block_id": block_id, "label": plain("Notes"), "element": element}


def text_input(**element: Any) -> Json:
    return input_block("notes", {"type": "plain_text_input", "action_id": "value", **element})


def table(rows: int = 2, cells: int = 2, settings: int = 0) -> Json:
    found: Json = {
        "type": "table",
        "rows": [
            [{"type": "raw_text", "text": f"{r}.{c}"} for c in range(cells)] for r in range(rows)
        ],
    }
    if settings:
        found["column_settings"] = [{"is_wrapped": True}] * settings
    return found


def modal(blocks: list[Json], **extra: Any) -> Json:
    view = {"type": "modal", "title": plain("Panel"), "submit": plain("Save"), "blocks": blocks}
    return {**view, **extra}


# ---- every rule: a good payload, a bad one, and what Slack says about the bad one ---------
@dataclass(frozen=True)
class Rule(Generic[Payload]):
    good: Payload
    bad: Payload
    error: str


# The defect these rules were written for: Previous and Next sharing one action_id.
PAGING_GOOD = [
    actions(button("◀ Previous", "notes_page_prev"), button("Next ▶", "notes_page_next"))
]
PAGING_BAD = [actions(button("◀ Previous", "notes_page"), button("Next ▶", "notes_page"))]
PAGING_ERROR = "duplicate action_id: notes_page [json-pointer:/blocks/0/elements/1/action_id]"
MESSAGE_RULES: dict[str, Rule[list[Json]]] = {
    "action_id once a block": Rule(PAGING_GOOD, PAGING_BAD, PAGING_ERROR),
    "action_id again in another block": Rule(
        [actions(button("A", "go")), actions(button("B", "go"))],
        [actions(button("A", "go"), button("B", "go"))],
        "duplicate action_id: go [json-pointer:/blocks/0/elements/1/action_id]",
    ),
    "block_id once a message": Rule(
        [section(block_id="a"), section(block_id="b")],
        [section(block_id="a"), section(block_id="a")],
        "duplicate block_id: a [json-pointer:/blocks/1/block_id]",
    ),
    "static_select initial_option among the options": Rule(
        [section(accessory=choices("static_select", 3, initial_option=option("2")))],
        [section(accessory=choices("static_select", 3, initial_option=option("3")))],
        "initial_option must match one of the options "
        "[json-pointer:/blocks/0/accessory/initial_option]",
    ),
    "multi_static_select initial_options among the options": Rule(
        [section(accessory=choices("multi_static_select", 3, initial_options=options(2)))],
        [section(accessory=choices("multi_static_select", 3, initial_options=[option("x")]))],
        "initial_options must match the options "
        "[json-pointer:/blocks/0/accessory/initial_options/0]",
    ),
    "10 radio_buttons options": Rule(
        [actions(choices("radio_buttons", 10))],
        [actions(choices("radio_buttons", 11))],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]",
    ),
    "10 checkboxes options": Rule(
        [actions(choices("checkboxes", 10))],
        [actions(choices("checkboxes", 11))],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]",
    ),
    "option description of 75": Rule(
        [actions({**choices("checkboxes", 0), "options": [option("1", "d" * 75)]})],
        [actions({**choices("checkboxes", 0), "options": [option("1", "d" * 76)]})],
        "must be less than 76 characters "
        "[json-pointer:/blocks/0/elements/0/options/0/description/text]",
    ),
    "50 blocks a message": Rule(
        [section()] * 50, [section()] * 51, "no more than 50 items allowed [json-pointer:/blocks]"
    ),
    "one table a message": Rule(
        [table()],
        [table(), table()],
        "only one table is allowed per message [json-pointer:/blocks]",
    ),
    "100 table rows": Rule(
        [table(rows=100)],
        [table(rows=101)],
        "no more than 100 items allowed [json-pointer:/blocks/0/rows]",
    ),
    "20 cells a table row": Rule(
        [table(rows=1, cells=20)],
        [table(rows=1, cells=21)],
        "no more than 20 items allowed [json-pointer:/blocks/0/rows/0]",
    ),
    "20 table column_settings": Rule(
        [table(cells=20, settings=20)],
        [table(cells=20, settings=21)],
        "no more than 20 items allowed [json-pointer:/blocks/0/column_settings]",
    ),
}
VIEW_RULES: dict[str, Rule[Json]] = {
    "action_id once a block": Rule(
        modal(PAGING_GOOD),
        modal(PAGING_BAD),
        "duplicate action_id: notes_page [json-pointer:/view/blocks/0/elements/1/action_id]",
    ),
    "block_id once a view": Rule(
        modal([text_input(), input_block("other", choices("radio_buttons", 2))]),
        modal([text_input(), input_block("notes", choices("radio_buttons", 2))]),
        "duplicate block_id: notes [json-pointer:/view/blocks/1/block_id]",
    ),
    "initial_value within max_length": Rule(
        modal([text_input(max_length=10, initial_value="x" * 10)]),
        modal([text_input(max_length=10, initial_value="x" * 11)]),
        "initial_value must be no longer than max_length (10) "
        "[json-pointer:/view/blocks/0/element/initial_value]",
    ),
    "initial_value within the default max_length": Rule(
        modal([text_input(initial_value="x" * 3000)]),
        modal([text_input(initial_value="x" * 3001)]),
        "initial_value must be no longer than max_length (3000) "
        "[json-pointer:/view/blocks/0/element/initial_value]",
    ),
    "max_length at least 1": Rule(
        modal([text_input(max_length=1)]),
        modal([text_input(max_length=0)]),
        "max_length must be between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
    ),
    "max_length at most 3000": Rule(
        modal([text_input(max_length=3000)]),
        modal([text_input(max_length=3001)]),
        "max_length must be between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
    ),
    "min_length at most max_length": Rule(
        modal([text_input(min_length=5, max_length=5)]),
        modal([text_input(min_length=6, max_length=5)]),
        "min_length must be between 0 and max_length "
        "[json-pointer:/view/blocks/0/element/min_length]",
    ),
    "radio_buttons initial_option among the options": Rule(
        modal([input_block("r", choices("radio_buttons", 4, initial_option=option("3")))]),
        modal([input_block("r", choices("radio_buttons", 4, initial_option=option("4")))]),
        "initial_option must match one of the options "
        "[json-pointer:/view/blocks/0/element/initial_option]",
    ),
    "checkboxes initial_options among the options": Rule(
        modal([input_block("c", choices("checkboxes", 4, initial_options=options(4)))]),
        modal([input_block("c", choices("checkboxes", 4, initial_options=[option("0", "d")]))]),
        "initial_options must match the options "
        "[json-pointer:/view/blocks/0/element/initial_options/0]",
    ),
    "100 blocks a modal": Rule(
        modal([section()] * 100),
        modal([section()] * 101),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
    ),
    "a modal with inputs has submit": Rule(
        modal([text_input()]),
        modal([text_input()], submit=None),
        "must provide a submit property when an input block is present [json-pointer:/view/submit]",
    ),
}


def refusal(call: Any) -> Json:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("rule", list(MESSAGE_RULES))
def test_message_rules(client: WebClient, standin: SlackStandIn, rule: str) -> None:
    spec = MESSAGE_RULES[rule]
    posted = client.chat_postMessage(channel="C0HIRING", text="x", blocks=spec.good)
    assert standin.messages_in("C0HIRING")[-1]["ts"] == posted["ts"]
    refused = refusal(
        lambda: client.chat_postMessage(channel="C0HIRING", text="x", blocks=spec.bad)
    )
    assert refused["error"] == "invalid_blocks"
    assert refused["errors"] == [spec.error]
    # chat.update and chat.postEphemeral check the same way.
    update = refusal(
        lambda: client.chat_update(channel="C0HIRING", ts=posted["ts"], text="x", blocks=spec.bad)
    )
    assert (update["error"], update["errors"]) == ("invalid_blocks", [spec.error])
    ephemeral = refusal(
        lambda: client.chat_postEphemeral(channel="C0HIRING", user="U1", text="x", blocks=spec.bad)
    )
    assert (ephemeral["error"], ephemeral["errors"]) == ("invalid_blocks", [spec.error])


@pytest.mark.parametrize("rule", list(VIEW_RULES))
def test_view_rules(client: WebClient, standin: SlackStandIn, rule: str) -> None:
    spec = VIEW_RULES[rule]
    opened = client.views_open(trigger_id=standin.new_trigger_id("U1"), view=spec.good)
    assert (standin.open_view_for("U1") or {}).get("id") == opened["view"]["id"]
    refused = refusal(
        lambda: client.views_open(trigger_id=standin.new_trigger_id("U1"), view=spec.bad)
    )
    assert refused["error"] == "invalid_arguments"
    # (slack_sdk's View also counts the blocks: 101 gets its words as well as Slack's.)
    assert f"[ERROR] {spec.error}" in refused["response_metadata"]["messages"]


def test_every_view_method_checks(client: WebClient, standin: SlackStandIn) -> None:
    """views.open (above), views.update, views.push and views.publish, with the paging
    defect."""
    expected = ["[ERROR] " + PAGING_ERROR.replace("/blocks", "/view/blocks")]
    opened = client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal([section()]))
    calls: dict[str, Callable[[list[Json]], Any]] = {
        "views.update": lambda blocks: client.views_update(
            view_id=opened["view"]["id"], view=modal(blocks)
        ),
        "views.push": lambda blocks: client.views_push(
            trigger_id=standin.new_trigger_id("U1"), view=modal(blocks)
        ),
        "views.publish": lambda blocks: client.views_publish(
            user_id="U1", view={"type": "home", "blocks": blocks}
        ),
    }
    for method, call in calls.items():
        refused = refusal(partial(call, PAGING_BAD))
        assert refused["error"] == "invalid_arguments", method
        assert refused["response_metadata"]["messages"] == expected, method
        assert call(PAGING_GOOD)["ok"], method


def test_a_home_tab_holds_100_blocks(client: WebClient) -> None:
    home = {"type": "home", "blocks": [section()] * 100}
    assert client.views_publish(user_id="U1", view=home)["ok"]
    refused = refusal(
        lambda: client.views_publish(user_id="U1", view={**home, "blocks": [section()] * 101})
    )
    assert refused["error"] == "invalid_arguments"
    assert (
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
        in (refused["response_metadata"]["messages"])
    )


def test_a_response_url_post_is_checked_too(standin: SlackStandIn) -> None:
    def post(blocks: list[Json]) -> tuple[int, Json]:
        body = json.dumps({"text": "x", "blocks": blocks}).encode()
        request = urllib.request.Request(
            standin.new_response_url(channel="C0HIRING"),
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as refused:
            return refused.code, json.load(refused)

    assert post(PAGING_GOOD) == (200, {"ok": True})
    status, answer = post(PAGING_BAD)
    assert (status, answer["error"], answer["errors"]) == (400, "invalid_blocks", [PAGING_ERROR])
