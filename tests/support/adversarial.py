"""Shared pieces of the bad-input, outsider and confidentiality campaigns
(tests/campaigns/test_fuzz.py, tests/campaigns/test_permissions.py,
tests/campaigns/test_confidentiality.py): what the bot logged, and everything the Slack
stand-in received, each piece with the people who can see it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.views import ids
from tests.support.harness import Harness
from tests.support.texts import strings_in

# What a stack trace or a leaked exception looks like in text a person reads.
TRACE = re.compile(
    r"Traceback \(most recent|File \"/|\b(Key|Type|Value|Attribute|Index|Integrity|Data|"
    r"Operational|Programming|Validation|UnicodeEncode)Error\b|sqlalchemy|psycopg|"
    r"slack_sdk\.errors|SlackApiError"
)


# Payload shapes that made Bolt itself raise before the payload guard refused them.
BOLT_CRASHERS: list[dict[str, Any]] = [
    {"type": "block_actions", "actions": []},
    {"type": "block_actions", "actions": {}},
    {"type": "block_actions", "actions": [None]},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "view": {}},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "user": 5},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "team": 5},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "channel": [1]},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "enterprise": 5},
    {"type": "block_actions", "actions": [{"action_id": ids.GIVE_FEEDBACK}], "response_urls": 5},
    {"type": "view_submission", "view": {"callback_id": ids.FEEDBACK}},
    {"type": "view_submission", "view": None},
    {"type": "view_submission", "view": "x"},
    {
        "type": "view_submission",
        "view": {"type": "modal", "callback_id": ids.FEEDBACK},
        "response_urls": [5],
    },
]


# -- what people were shown ----------------------------------------------------------------
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
