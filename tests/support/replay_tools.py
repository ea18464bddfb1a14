"""Shared pieces of the door, replay and race campaigns (tests/campaigns/test_door_campaign.py,
tests/campaigns/test_replays.py, tests/campaigns/test_races.py): raw Slack requests that can be
sent again byte
for byte, what the database and the Slack stand-in hold, and waiting until the bot is idle.

A request is built once (`Raw`) and posted as often as a test likes, so a replay is exactly
what Slack would resend: the same body, the same trigger_id, the same event_id.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from storage.models import Base, Round
from tests.slack.driver import VERIFICATION_TOKEN, Reply, _action, sign
from tests.support.harness import HIRING, Harness, button, modal_named
from tests.support.rows import leased

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def retry_headers(n: int) -> dict[str, str]:
    """Slack's headers on its n-th redelivery of a request."""
    return {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}


@dataclass(frozen=True)
class Raw:
    """One request as Slack sends it: the body and its content type."""

    body: bytes
    content_type: str


# -- building requests ---------------------------------------------------------------------
def command(
    h: Harness, user: str, text: str, *, channel: str = HIRING, channel_name: str = "hiring"
) -> Raw:
    fields = h.driver.command_fields(user, text, "/panel", channel, channel_name)
    return Raw(urlencode(fields).encode(), FORM)


def interaction(payload: Mapping[str, Any]) -> Raw:
    return Raw(urlencode({"payload": json.dumps(payload)}).encode(), FORM)


def action(
    h: Harness,
    user: str,
    message: dict[str, Any],
    action_id: str,
    *,
    value: str | None = None,
    block_id: str | None = None,
    selected_option: dict[str, Any] | None = None,
    element_type: str = "button",
) -> Raw:
    """A click in a message: the button's own value and block unless given."""
    if value is None or block_id is None:
        found = button(message, action_id)
        value = found.get("value") if value is None else value
        block_id = found["block_id"] if block_id is None else block_id
    payload = h.driver._interaction(user, "block_actions")
    payload["actions"] = [_action(action_id, block_id, element_type, value, selected_option)]
    payload.update(h.driver._message_context(message))
    return interaction(payload)


def view_action(h: Harness, user: str, view: dict[str, Any], action_id: str) -> Raw:
    """A click on a button in a modal or Home tab, with the view as it is now."""
    found = button(view, action_id)
    payload = h.driver._interaction(user, "block_actions")
    payload["actions"] = [_action(action_id, found["block_id"], "button", found["value"], None)]
    current = h.standin.views.get(view["id"], view)
    payload["container"] = {"type": "view", "view_id": current["id"]}
    payload["view"] = h.standin.view_payload(current["id"], {})
    return interaction(payload)


def submission(
    h: Harness, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
) -> Raw:
    payload = h.submission(user, view, values)
    payload["is_enterprise_install"] = False
    return interaction(payload)


def shortcut(h: Harness, user: str, callback_id: str = "start_panel") -> Raw:
    info = h.standin.user_info(user) or {}
    payload = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": h.driver.team_id, "domain": h.driver.team_domain},
        "user": {"id": user, "username": info.get("name", user), "team_id": h.driver.team_id},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": h.standin.new_trigger_id(user),
    }
    return interaction(payload)


_event_ids = iter(range(1, 10**9))


def event(h: Harness, inner: dict[str, Any]) -> Raw:
    """An Events API event_callback with its own event_id (kept on a replay)."""
    envelope = h.driver.event_envelope(inner, event_id=f"EvCAMPAIGN{next(_event_ids):08d}")
    return Raw(json.dumps(envelope).encode(), JSON)


def home_opened(h: Harness, user: str) -> Raw:
    return event(h, {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})


# -- sending -------------------------------------------------------------------------------
def send(h: Harness, raw: Raw, headers: Mapping[str, str] | None = None) -> Reply:
    """POST the request signed now with the right secret (plus any extra headers)."""
    return h.driver.post(raw.body, raw.content_type, headers=dict(headers or {}))


def send_unsigned(h: Harness, body: bytes, headers: Mapping[str, str]) -> Reply:
    """POST with exactly these headers (no signature added)."""
    request = urllib.request.Request(
        h.driver.events_url, data=body, headers=dict(headers), method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return Reply(status, raw.decode(errors="replace"), elapsed=time.monotonic() - started)


def signed_headers(raw: Raw, *, timestamp: int, secret: str) -> dict[str, str]:
    return {
        "Content-Type": raw.content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, raw.body),
    }


def together(calls: list[Callable[[], Reply]], timeout: float = 30) -> list[Reply]:
    """Run the calls in threads released by one barrier: they hit the bot at one instant."""
    barrier = threading.Barrier(len(calls))
    replies: list[Reply | None] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            replies[i] = calls[i]()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert all(reply is not None for reply in replies), "a request got no answer"
    return [reply for reply in replies if reply is not None]


# -- finding the bot's messages -----------------------------------------------------------
def announcement_of(h: Harness, round_id: int) -> dict[str, Any]:
    """The round's announcement in the hiring channel, as it is now."""
    for message in h.standin.messages_in(HIRING):
        if not message.get("thread_ts") and _has_value(message, "close_round", round_id):
            return message
    raise AssertionError(f"no announcement of round {round_id}")


def brief_of(h: Harness, user: str, round_id: int) -> dict[str, Any]:
    """The panelist's brief (with its Give feedback button) for the round."""
    for message in h.standin.messages_in(f"D{user}"):
        if _has_value(message, "give_feedback", round_id):
            return message
    raise AssertionError(f"{user} has no brief for round {round_id}")


def summaries_of(h: Harness, round_id: int) -> list[dict[str, Any]]:
    """Summaries posted (chat.postMessage accepted) under the round's announcement."""
    with h.db.read() as session:
        ts = session.scalar(select(Round.announcement_ts).where(Round.id == round_id))
    assert ts, f"round {round_id} has no announcement"
    return [
        call.args
        for call in list(h.standin.calls)
        if call.method == "chat.postMessage" and call.ok and call.args.get("thread_ts") == ts
    ]


def _has_value(message: dict[str, Any], action_id: str, round_id: int) -> bool:
    try:
        return str(button(message, action_id).get("value")) == str(round_id)
    except AssertionError:
        return False


def modal(h: Harness, user: str, callback_id: str) -> dict[str, Any]:
    """The modal of this kind the user has open (waiting for it to open)."""
    return h.wait_for(lambda: modal_named(h.standin.open_view_for(user), callback_id), callback_id)


def opened(
    h: Harness, user: str, message: dict[str, Any], action_id: str, callback_id: str
) -> dict[str, Any]:
    """Click a button and wait for the new modal it opens."""
    return h.click_for_modal(user, message, action_id, callback_id)


def send_together(h: Harness, *raws: Raw) -> list[Reply]:
    """The requests, signed and sent at one instant (threads and a barrier)."""
    return together([functools.partial(send, h, raw) for raw in raws])


# -- what is stored, what Slack saw --------------------------------------------------------
def row_counts(h: Harness) -> dict[str, int]:
    """Rows in every table of the schema."""
    with h.db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


@dataclass(frozen=True)
class SlackSeen:
    """What the bot has done in Slack so far, counted by kind."""

    posts: int  # chat.postMessage calls Slack accepted
    updates: int
    uploads: int  # files.completeUploadExternal calls Slack accepted
    modals: int  # views.open / views.push accepted
    ephemerals: int  # chat.postEphemeral accepted
    responses: int  # response_url posts
    calls: int  # every Web API call, accepted or not

    def new_messages(self, before: SlackSeen) -> dict[str, int]:
        """Messages that reached people since `before` (modals and updates excluded)."""
        changes = {
            "posts": self.posts - before.posts,
            "uploads": self.uploads - before.uploads,
            "ephemerals": self.ephemerals - before.ephemerals,
        }
        return {kind: n for kind, n in changes.items() if n}


def slack_seen(h: Harness) -> SlackSeen:
    calls = list(h.standin.calls)

    def ok(*methods: str) -> int:
        return sum(1 for c in calls if c.method in methods and c.ok)

    return SlackSeen(
        posts=ok("chat.postMessage"),
        updates=ok("chat.update"),
        uploads=ok("files.completeUploadExternal"),
        modals=ok("views.open", "views.push"),
        ephemerals=ok("chat.postEphemeral"),
        responses=len(h.standin.responses),
        calls=len(calls),
    )


def quiesce(h: Harness, *, quiet: float = 0.05, timeout: float = 20) -> None:
    """Wait until the bot is idle: no listener running, no work leased, and no new Slack
    call or response_url post for `quiet` seconds. Without the listener count (a harness
    with no executor of ours), a longer quiet."""
    listeners = h.executor
    deadline = time.monotonic() + timeout
    last = (-1, -1)
    still_since = time.monotonic()
    if listeners is None:
        quiet = max(quiet, 0.25)
    while True:
        now = (len(h.standin.calls), len(h.standin.responses))
        busy = listeners is not None and listeners.running > 0
        if now != last or busy:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet and leased(h.db) == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not settle")
        time.sleep(0.02)


def drain(h: Harness) -> None:
    """Idle, then one scheduler tick delivers whatever the outbox still holds, then idle."""
    quiesce(h)
    h.tick()
    quiesce(h)
