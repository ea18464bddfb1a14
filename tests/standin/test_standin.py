"""Self-tests of the Slack stand-in and the Slack driver."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack.bolt_server import serve_bolt_app
from tests.slack.driver import SlackDriver
from tests.slack.standin import SlackStandIn
from tests.slack.state import V, full_state_values
from tests.support.clock import StandInClock
from tests.support.slack_api import error_of

TOKEN = "xoxb-test"
SECRET = "signing-secret"


@pytest.fixture
def standin(clock: StandInClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN, clock=clock) as server:
        server.add_user("U1", "ada", real_name="Ada Lovelace")
        server.add_user("U2", "grace")
        server.add_channel("C0HIRING", "hiring", members=["U1", "U2"])
        server.add_channel("C0NOBOT", "random", bot_is_member=False)
        server.add_channel("G0SECRET", "secret", is_private=True, bot_is_member=False)
        yield server


def modal(title: str = "Panel", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "panel_modal",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks if blocks is not None else [text_input("notes", "value")],
    }


def text_input(block_id: str, action_id: str, **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Notes"},
        "element": {"type": "plain_text_input", "action_id": action_id, **element},
    }


def section(text: str = "hi") -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# ---- messages ---------------------------------------------------------------------


def test_post_update_and_thread(client: WebClient, standin: SlackStandIn) -> None:
    posted = client.chat_postMessage(channel="C0HIRING", text="hello", blocks=[section()])
    reply = client.chat_postMessage(channel="C0HIRING", text="reply", thread_ts=posted["ts"])
    client.chat_update(channel="C0HIRING", ts=posted["ts"], text="edited")

    assert posted["message"]["user"] == "UBOT"
    assert float(reply["ts"]) > float(posted["ts"])
    top, threaded = standin.messages_in("C0HIRING")
    assert (top["text"], top["blocks"]) == ("edited", [section()])
    assert standin.replies_to("C0HIRING", posted["ts"]) == [threaded]
    assert standin.calls_to("chat.postMessage")[0].args["blocks"] == [section()]
    link = client.chat_getPermalink(channel="C0HIRING", message_ts=posted["ts"])
    assert link["permalink"].startswith("https://acme.slack.com/archives/C0HIRING/p")


def test_form_encoded_calls_are_decoded(client: WebClient, standin: SlackStandIn) -> None:
    client.api_call(
        "chat.postMessage",
        data={"channel": "C0HIRING", "text": "t", "blocks": json.dumps([section()])},
    )
    assert standin.calls[-1].args["blocks"] == [section()]


def test_channel_access_rules(client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C0NOBOT", text="x")) == (
        "not_in_channel"
    )
    assert error_of(lambda: client.chat_postMessage(channel="G0SECRET", text="x")) == (
        "channel_not_found"
    )
    assert error_of(lambda: client.chat_postMessage(channel="C0NONE", text="x")) == (
        "channel_not_found"
    )
    assert error_of(lambda: client.conversations_info(channel="G0SECRET")) == "channel_not_found"
    assert client.chat_postMessage(channel="D0ANY", text="x")["ok"]
    assert error_of(lambda: client.chat_update(channel="C0HIRING", ts="1.2", text="x")) == (
        "message_not_found"
    )


def test_message_content_checks(client: WebClient, standin: SlackStandIn) -> None:
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns client-side too
        assert error_of(lambda: client.chat_postMessage(channel="C0HIRING")) == "no_text"
    too_many = [section()] * 51
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0HIRING", text="x", blocks=too_many)
    assert refused.value.response["error"] == "invalid_blocks"
    unknown = [{"type": "fancy_block"}]
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0HIRING", text="x", blocks=unknown)
    assert caught.value.response["errors"] == [
        "unsupported type: fancy_block [json-pointer:/blocks/0/type]"
    ]
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns client-side too
        client.chat_postMessage(channel="C0HIRING", blocks=[section()])
    assert standin.warnings[-1]["warning"] == "missing_text_in_blocks"
    assert error_of(lambda: client.chat_postMessage(channel="C0HIRING", text="x" * 40_001)) == (
        "msg_too_long"
    )


def test_ephemeral_and_response_url(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postEphemeral(channel="C0HIRING", user="U1", text="psst")
    assert standin.ephemerals[0]["text"] == "psst"
    assert error_of(lambda: client.chat_postEphemeral(channel="C0HIRING", user="U9", text="x")) == (
        "user_not_in_channel"
    )

    url = standin.new_response_url()
    request = urllib.request.Request(
        url, data=b'{"text": "done"}', headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response) == {"ok": True}
    assert standin.responses == [{"text": "done"}]


def test_concurrent_posts_get_unique_ts(client: WebClient, standin: SlackStandIn) -> None:
    def post_many(worker: int) -> None:
        for n in range(10):
            client.chat_postMessage(channel="C0HIRING", text=f"{worker}-{n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post_many, range(8)))
    assert len({m["ts"] for m in standin.messages_in("C0HIRING")}) == 80
    assert len(standin.calls_to("chat.postMessage")) == 80


# ---- auth, arguments, faults ------------------------------------------------------


def test_token_checks(standin: SlackStandIn) -> None:
    wrong = WebClient(base_url=standin.api_url, token="xoxb-wrong")
    assert error_of(wrong.auth_test) == "invalid_auth"
    anonymous = WebClient(base_url=standin.api_url)
    assert error_of(anonymous.auth_test) == "not_authed"


def test_arguments_and_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postMessage", json={"text": "x"})
    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: channel"
    ]
    assert error_of(lambda: client.api_call("chat.nope")) == "unknown_method"


def test_fail_next(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_next("auth.test", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert client.auth_test()["user_id"] == "UBOT"

    standin.fail_next("users.info", error="fatal_error", times=2)
    assert error_of(lambda: client.users_info(user="U1")) == "fatal_error"
    assert error_of(lambda: client.users_info(user="U1")) == "fatal_error"
    assert client.users_info(user="U1")["ok"]

    standin.fail_next("auth.test", status=500)
    with pytest.raises(SlackApiError) as caught:
        client.auth_test()
    assert caught.value.response.status_code == 500
    assert [call.status for call in standin.calls_to("auth.test")] == [429, 200, 500]


# ---- directory --------------------------------------------------------------------


def test_directory(client: WebClient) -> None:
    user = client.users_info(user="U1")["user"]
    assert (user["real_name"], user["tz"], user["profile"]["display_name"]) == (
        "Ada Lovelace",
        "Europe/Berlin",
        "ada",
    )
    assert error_of(lambda: client.users_info(user="U404")) == "user_not_found"
    channel = client.conversations_info(channel="C0HIRING")["channel"]
    assert (channel["name"], channel["is_member"], channel["is_private"]) == (
        "hiring",
        True,
        False,
    )
    assert client.conversations_open(users="U2")["channel"]["id"] == "DU2"


def test_members_pagination(client: WebClient) -> None:
    first = client.conversations_members(channel="C0HIRING", limit=2)
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_members(channel="C0HIRING", limit=2, cursor=cursor)
    assert first["members"] + second["members"] == ["U1", "U2", "UBOT"]
    assert second["response_metadata"]["next_cursor"] == ""


# ---- views ------------------------------------------------------------------------


def test_trigger_ids_expire_and_are_single_use(
    client: WebClient, standin: SlackStandIn, clock: StandInClock
) -> None:
    stale = standin.new_trigger_id("U1")
    clock.advance(3.5)
    assert error_of(lambda: client.views_open(trigger_id=stale, view=modal())) == (
        "expired_trigger_id"
    )
    fresh = standin.new_trigger_id("U1")
    clock.advance(2.9)
    opened = client.views_open(trigger_id=fresh, view=modal())["view"]
    assert opened["id"].startswith("V") and opened["root_view_id"] == opened["id"]
    assert error_of(lambda: client.views_open(trigger_id=fresh, view=modal())) == (
        "exchanged_trigger_id"
    )
    record = standin.last_view_for("U1")
    assert record is not None and record["callback_id"] == "panel_modal"


@pytest.mark.parametrize(
    "view",
    [
        modal(title="x" * 30),
        modal(blocks=[text_input("b", "a", max_length=5000)]),
        modal(blocks=[text_input("b", "a", min_length=10, max_length=5)]),
        modal(blocks=[section()] * 101),
        modal(blocks=[{"type": "mystery"}]),
        {**modal(), "private_metadata": "m" * 3001},
        {**modal(), "submit": None},
    ],
    ids=["title", "max_length", "min_gt_max", "101_blocks", "unknown", "metadata", "no_submit"],
)
def test_invalid_views_refused(client: WebClient, standin: SlackStandIn, view: Any) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=standin.new_trigger_id("U1"), view=view)
    assert caught.value.response["error"] == "invalid_arguments"
    assert caught.value.response["response_metadata"]["messages"]


def test_view_update_push_and_publish(client: WebClient, standin: SlackStandIn) -> None:
    opened = client.views_open(trigger_id=standin.new_trigger_id("U1"), view=modal())["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Two"))
    assert updated["view"]["hash"] != opened["hash"]
    assert error_of(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    ) == ("hash_conflict")
    pushed = client.views_push(trigger_id=standin.new_trigger_id("U1"), view=modal("Three"))
    assert pushed["view"]["previous_view_id"] == opened["id"]
    assert pushed["view"]["root_view_id"] == opened["id"]

    home = {"type": "home", "blocks": [section()]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    assert standin.home_views["U1"]["id"] == published["id"]
    assert error_of(lambda: client.views_publish(user_id="U1", view=modal())) == (
        "invalid_arguments"
    )


# ---- state value builders ---------------------------------------------------------


def test_full_state_values_fill_and_check() -> None:
    blocks = [
        text_input("notes", "value", initial_value="draft"),
        {**text_input("extra", "value"), "optional": True},
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "multi_users_select", "action_id": "users"},
        },
    ]
    values = full_state_values(blocks, {"who": {"users": V.users(["U1"])}})
    assert values == {
        "notes": {"value": {"type": "plain_text_input", "value": "draft"}},
        "extra": {"value": {"type": "plain_text_input", "value": None}},
        "who": {"users": {"type": "multi_users_select", "selected_users": ["U1"]}},
    }
    with pytest.raises(ValueError, match="required"):
        full_state_values(blocks, {})
    with pytest.raises(ValueError, match="multi_users_select"):
        full_state_values(blocks, {"who": {"users": V.user("U1")}})
    with pytest.raises(ValueError, match="nope"):
        full_state_values(blocks, {"nope": {"x": V.text("y")}, "who": {"users": V.users(["U1"])}})


# ---- the driver against a real Bolt app -------------------------------------------


@pytest.fixture
def bolt(standin: SlackStandIn) -> Iterator[SlackDriver]:
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=standin.api_url, token=TOKEN),
        # Run listeners before answering so assertions see their effects immediately.
        process_before_response=True,
    )
    register_listeners(app)
    base_url, stop = serve_bolt_app(app)
    try:
        yield SlackDriver(base_url, SECRET, standin)
    finally:
        stop()


def register_listeners(app: App) -> None:
    @app.command("/panel")
    def open_panel(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        if body["text"] == "pages":  # a reply whose two buttons share an action_id
            same = {"type": "button", "text": {"type": "plain_text", "text": "Go"}}
            ack(
                text="x", blocks=[{"type": "actions", "elements": [{**same, "action_id": "p"}] * 2}]
            )
            return
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal())

    @app.view("panel_modal")
    def submit_panel(ack: Ack, view: dict[str, Any]) -> None:
        notes = view["state"]["values"]["notes"]["value"]["value"]
        if notes == "bad":
            ack(response_action="errors", errors={"notes": "Not like that"})
        else:
            ack()

    @app.view("wizard")
    def next_step(ack: Ack) -> None:
        ack(response_action="push", view=modal("Step two"))

    @app.action("refresh")
    def refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Refreshed"))

    @app.action("approve")
    def approve(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="approved")

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], say: Any) -> None:
        say(text=f"hi <@{event['user']}>", thread_ts=event["ts"])

    @app.shortcut("new_panel")
    def shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"], view=modal("From shortcut"))


def test_command_opens_modal_and_submission(bolt: SlackDriver, standin: SlackStandIn) -> None:
    assert bolt.command("U1", "open").status == 200
    view = standin.last_view_for("U1")
    assert view is not None and view["user_id"] == "U1"

    refused = bolt.view_submission("U1", view, {"notes": {"value": V.text("bad")}})
    assert refused.json()["response_action"] == "errors"
    assert standin.views[view["id"]]["errors"] == {"notes": "Not like that"}

    assert bolt.view_submission("U1", view, {"notes": {"value": V.text("ok")}}).status == 200
    assert standin.open_view_for("U1") is None
    assert standin.warnings == []


def test_a_command_reply_with_blocks_is_checked(bolt: SlackDriver, standin: SlackStandIn) -> None:
    """Slack checks the blocks of an ack as it checks a message's: the driver warns."""
    assert bolt.command("U1", "pages").status == 200
    assert standin.warnings == [
        {
            "method": "ack",
            "warning": "invalid_blocks",
            "errors": ["duplicate action_id: p [json-pointer:/blocks/0/elements/1/action_id]"],
        }
    ]


def test_block_action_respond_replaces_message(
    bolt: SlackDriver, client: WebClient, standin: SlackStandIn
) -> None:
    posted = client.chat_postMessage(channel="C0HIRING", text="approve?")
    message = standin.messages[("C0HIRING", posted["ts"])]
    assert bolt.block_action("U1", "approve", value="yes", message=message).status == 200
    assert standin.messages_in("C0HIRING")[0]["text"] == "approved"
    assert standin.responses[-1]["replace_original"] is True


def test_event_and_shortcut(bolt: SlackDriver, standin: SlackStandIn) -> None:
    mention = standin.add_message("C0HIRING", "U2", "<@UBOT> hello")
    event = {"type": "app_mention", "user": "U2", "text": mention["text"], "ts": mention["ts"]}
    assert bolt.event({**event, "channel": "C0HIRING"}).status == 200
    assert standin.replies_to("C0HIRING", mention["ts"])[0]["text"] == "hi <@U2>"

    assert bolt.shortcut("U2", "new_panel").status == 200
    view = standin.last_view_for("U2")
    assert view is not None and view["title"]["text"] == "From shortcut"


def test_bad_signatures_are_refused(bolt: SlackDriver) -> None:
    assert bolt.post("token=x", "application/x-www-form-urlencoded", secret="nope").status == 401
    stale = bolt.post("token=x", "application/x-www-form-urlencoded", timestamp=1_000_000)
    assert stale.status == 401


def test_view_actions_and_pushed_steps(
    bolt: SlackDriver, client: WebClient, standin: SlackStandIn
) -> None:
    wizard = {**modal("Step one"), "callback_id": "wizard"}
    client.views_open(trigger_id=standin.new_trigger_id("U1"), view=wizard)
    first = standin.last_view_for("U1")
    assert first is not None

    assert bolt.block_action("U1", "refresh", view=first).status == 200
    refreshed = standin.last_view_for("U1")
    assert refreshed is not None and refreshed["title"]["text"] == "Refreshed"
    assert refreshed["callback_id"] == "panel_modal"

    standin.views[first["id"]]["callback_id"] = "wizard"  # route the submit to "wizard"
    assert bolt.view_submission("U1", first, {"notes": {"value": V.text("x")}}).status == 200
    top = standin.open_view_for("U1")
    assert top is not None and top["previous_view_id"] == first["id"]
    assert top["title"]["text"] == "Step two"
