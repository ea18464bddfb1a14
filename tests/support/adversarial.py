"""Shared pieces of the bad-input, outsider and confidentiality campaigns
(tests/campaigns/test_fuzz.py,
tests/campaigns/test_permissions.py, tests/campaigns/test_confidentiality.py): waiting until every
listener has
finished, what the bot logged, and everything the Slack stand-in received, each piece with
the people who can see it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack.driver import Reply, _action
from tests.support.harness import Harness

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# What a stack trace or a leaked exception looks like in text a person reads.
TRACE = re.compile(
    r"Traceback \(most recent|File \"/|\b(Key|Type|Value|Attribute|Index|Integrity|Data|"
    r"Operational|Programming|Validation|UnicodeEncode)Error\b|sqlalchemy|psycopg|"
    r"slack_sdk\.errors|SlackApiError"
)


# -- waiting for listeners ------------------------------------------------------------------
class Settler:
    """Counts the listeners Bolt runs after their ack (on the harness's executor), so a test
    can wait until every one has finished: exact, where watching for quiet is a guess."""

    def __init__(self, h: Harness) -> None:
        assert h.executor is not None, "the harness fixture hands over its executor"
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()
        submit = h.executor.submit

        def counted(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            future = submit(fn, *args, **kwargs)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)
            return future

        h.executor.submit = counted  # type: ignore[method-assign]

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def __call__(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(pending)} listeners still running")
            wait(pending, timeout=left)


# -- building requests as dicts (to mutate before sending) ---------------------------------
def command_fields(h: Harness, user: str, text: str, channel: str) -> dict[str, Any]:
    name = "hiring" if channel.startswith("C") else "directmessage"
    return dict(h.driver.command_fields(user, text, "/panel", channel, name))


def click_payload(
    h: Harness,
    user: str,
    action_id: str,
    value: str | None,
    *,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    selected: str | None = None,
) -> dict[str, Any]:
    """A block_actions payload: a button (or, with `selected`, a static select) in a
    message or in a view the stand-in knows."""
    payload = h.driver._interaction(user, "block_actions")
    option = {"text": {"type": "plain_text", "text": "x"}, "value": selected} if selected else None
    element = "static_select" if selected is not None else "button"
    payload["actions"] = [_action(action_id, "b", element, value, option)]
    if message is not None:
        payload.update(h.driver._message_context(message))
    else:
        assert view is not None
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = h.standin.view_payload(view["id"], {})
    return payload


def event_envelope(h: Harness, inner: dict[str, Any], n: int) -> dict[str, Any]:
    return h.driver.event_envelope(inner, event_id=f"EvFUZZ{n:010d}")


def post_form(h: Harness, fields: dict[str, Any]) -> Reply:
    """A slash command's form; values that are not strings go as JSON text (a form has
    nothing else)."""
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    # surrogatepass: a lone surrogate goes as the bytes it would be (not UTF-8 any more).
    return h.driver.post(urlencode(encoded, errors="surrogatepass"), FORM)


def post_interaction(h: Harness, payload: dict[str, Any]) -> Reply:
    return h.driver.post(urlencode({"payload": json.dumps(payload)}), FORM)


def post_event(h: Harness, envelope: dict[str, Any]) -> Reply:
    return h.driver.post(json.dumps(envelope), JSON)


# -- what people were shown ----------------------------------------------------------------
def strings_in(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from strings_in(item)


def mrkdwn_texts(node: object, *, top: bool = True) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: a message's `text`, text objects of type
    mrkdwn, a file's initial comment (plain_text and raw_text never ping)."""
    if isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item, top=False)
        return
    if not isinstance(node, dict):
        return
    if top and isinstance(node.get("text"), str):
        yield node["text"]
    if isinstance(node.get("initial_comment"), str):
        yield node["initial_comment"]
    if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
        yield node["text"]
    for key, value in node.items():
        if isinstance(value, dict | list) and key not in ("state",):
            yield from mrkdwn_texts(value, top=False)


def plain_texts(node: object) -> Iterator[str]:
    """Every plain_text string (labels, titles, option texts, headers, buttons)."""
    if isinstance(node, list):
        for item in node:
            yield from plain_texts(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
        yield node["text"]
    for value in node.values():
        if isinstance(value, dict | list):
            yield from plain_texts(value)


@dataclass(frozen=True)
class Shown:
    """One thing the bot showed in Slack, and who can see it."""

    where: str  # e.g. "chat.postMessage → C0HIRING"
    audience: frozenset[str]
    content: Any  # what the bot sent (arguments, body or view)

    def text(self) -> str:
        return "\n".join(strings_in(self.content))


class Audit:
    """Records who each trigger_id and response_url belongs to (by wrapping the stand-in's
    minting), so everything the bot sent can be attributed to the people who see it."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.trigger_users: dict[str, str] = {}
        self.url_users: dict[str, str] = {}
        mint_trigger = h.standin.new_trigger_id
        mint_url = h.standin.new_response_url

        def trigger(user_id: str) -> str:
            trigger_id = mint_trigger(user_id)
            self.trigger_users[trigger_id] = user_id
            return trigger_id

        h.standin.new_trigger_id = trigger  # type: ignore[method-assign]
        self._mint_url = mint_url
        self._acting: list[str] = []

    def acting(self, user: str) -> _Acting:
        """Response URLs minted meanwhile belong to `user` (the driver mints them for a
        request before sending it)."""
        return _Acting(self, user)

    def mint_url_for(self, user: str) -> Callable[..., str]:
        def mint(channel: str | None = None, message_ts: str | None = None) -> str:
            url = self._mint_url(channel=channel, message_ts=message_ts)
            self.url_users[url] = user
            return url

        return mint

    # -- audiences ------------------------------------------------------------------------
    def members(self, channel: str) -> frozenset[str]:
        return channel_members(self.h, channel)

    def shown(self) -> list[Shown]:
        """Everything the bot has shown anyone so far, with its audience."""
        standin = self.h.standin
        found: list[Shown] = []
        views = dict(standin.views)
        for call in list(standin.calls):
            if not call.ok:
                continue
            args, method = call.args, call.method
            if method in ("chat.postMessage", "chat.update"):
                channel = str(args.get("channel"))
                found.append(Shown(f"{method} → {channel}", self.members(channel), args))
            elif method == "chat.postEphemeral":
                found.append(Shown(method, frozenset({str(args.get("user"))}), args))
            elif method in ("views.open", "views.push"):
                user = self.trigger_users.get(str(args.get("trigger_id")), "?")
                found.append(Shown(f"{method} for {user}", frozenset({user}), args.get("view")))
            elif method == "views.update":
                record = views.get(str(args.get("view_id"))) or {}
                user = str(record.get("user_id", "?"))
                found.append(Shown(f"{method} for {user}", frozenset({user}), args.get("view")))
            elif method == "views.publish":
                user = str(args.get("user_id"))
                found.append(Shown(f"home tab of {user}", frozenset({user}), args.get("view")))
            elif method == "files.completeUploadExternal":
                channel = str(args.get("channel_id") or args.get("channels") or "")
                found.append(Shown(f"{method} → {channel}", self.members(channel), args))
        for record in list(standin.files):
            channel = str(record.get("channel") or "")
            content = record.get("content")
            text = content.decode(errors="replace") if isinstance(content, bytes) else ""
            found.append(Shown(f"file in {channel}", self.members(channel), text))
        for url, body in list(standin.response_posts):
            user = self.url_users.get(url, "?")
            audience = frozenset({user})
            if body.get("replace_original") or body.get("response_type") == "in_channel":
                where, _ = standin._response_urls.get(url, (None, None))
                if where:
                    audience = audience | self.members(where)
            found.append(Shown(f"response to {user}", audience, body))
        return found


def channel_members(h: Harness, channel: str) -> frozenset[str]:
    """Who can read a conversation now (the stand-in has no public view of its members)."""
    if channel.startswith("D"):
        return frozenset({channel[1:]})
    with h.standin._lock:
        found = h.standin._channels.get(channel) or {}
        return frozenset(found.get("members") or ())


class _Acting:
    def __init__(self, audit: Audit, user: str) -> None:
        self.audit, self.user = audit, user

    def __enter__(self) -> None:
        self.audit.h.standin.new_response_url = self.audit.mint_url_for(self.user)  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        self.audit.h.standin.new_response_url = self.audit._mint_url  # type: ignore[method-assign]


def logged_text(records: list[logging.LogRecord]) -> str:
    """Everything the log lines say, with their exceptions' text and extra fields."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
        if record.exc_text:
            parts.append(record.exc_text)
        parts.extend(str(v) for k, v in vars(record).items() if k not in _STANDARD_RECORD_KEYS)
    return "\n".join(parts)


_STANDARD_RECORD_KEYS = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
}
