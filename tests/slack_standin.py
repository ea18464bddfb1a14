"""A local stand-in for Slack's Web API, for tests.

`SlackStandIn` is a small threaded HTTP server on 127.0.0.1 that answers the Web API
methods Panelbot uses, in Slack's JSON shapes, and checks what Slack checks: the token,
required arguments, channel membership, Block Kit validity and limits, trigger_id expiry,
view hashes. Everything it receives is recorded so tests can assert on it.

Point the bot at it with `WebClient(base_url=standin.api_url, token=standin.token)`.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Json = dict[str, Any]

# Limits Slack enforces server-side that slack_sdk's models do not (or not all) check.
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT_INPUT_LENGTH = 3000
MAX_VIEW_LABEL_LENGTH = 24
MAX_PRIVATE_METADATA_LENGTH = 3000
MAX_VIEW_JSON_BYTES = 250_000
MAX_MESSAGE_TEXT_LENGTH = 40_000
TRIGGER_TTL_SECONDS = 3.0
MAX_VIEW_STACK = 3
DEFAULT_PAGE_SIZE = 100
# How often the server loop checks for shutdown; the default 0.5 s would slow every test.
POLL_SECONDS = 0.01
MAX_PAGE_SIZE = 1000

# Arguments Slack accepts as JSON-encoded strings in form bodies; decoded before recording.
JSON_ARGS = ("blocks", "view", "attachments", "metadata")

# Keys of a view object as Slack returns it (views.open etc.) and sends it in payloads.
VIEW_FIELDS = (
    "id",
    "team_id",
    "type",
    "blocks",
    "private_metadata",
    "callback_id",
    "state",
    "hash",
    "title",
    "clear_on_close",
    "notify_on_close",
    "close",
    "submit",
    "previous_view_id",
    "root_view_id",
    "app_id",
    "external_id",
    "app_installed_team_id",
    "bot_id",
)

TZ_LABELS = {
    "Europe/Berlin": "Central European Time",
    "Europe/London": "Greenwich Mean Time",
    "America/New_York": "Eastern Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "Asia/Tokyo": "Japan Standard Time",
    "UTC": "Coordinated Universal Time",
}


@dataclass
class ApiCall:
    """One Web API call as the stand-in received it, and how it was answered."""

    method: str
    args: Json
    token: str | None
    at: float
    ok: bool = True
    error: str | None = None
    status: int = 200


@dataclass
class _Fault:
    error: str | None
    status: int
    retry_after: int | None
    remaining: int


class ApiError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid_arguments(messages: list[str]) -> ApiError:
    return ApiError("invalid_arguments", response_metadata={"messages": messages})


# --------------------------------------------------------------------------------------
# Block Kit validation (pure functions, so tests can also call them directly)
# --------------------------------------------------------------------------------------


def block_errors(blocks: object, *, limit: int, pointer: str = "/blocks") -> list[str]:
    """Errors Slack would report for a `blocks` array; empty if it is acceptable."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    for index, raw in enumerate(blocks):
        errors.extend(_one_block_errors(raw, f"{pointer}/{index}"))
    errors.extend(_text_input_errors(blocks, pointer))
    return errors


def _one_block_errors(raw: object, pointer: str) -> list[str]:
    if not isinstance(raw, dict) or "type" not in raw:
        return [f"missing required field: type [json-pointer:{pointer}]"]
    try:
        block = Block.parse(raw)
        if block is None:
            return [f"unsupported type: {raw['type']} [json-pointer:{pointer}/type]"]
        # to_dict() runs validate_json() on the block *and* on every nested object,
        # whereas validate_json() alone only checks the block's own fields.
        block.to_dict()
    except SlackObjectFormationError as exc:
        return [f"{exc} [json-pointer:{pointer}]"]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # slack_sdk's constructors raise these for missing or malformed fields.
        return [f"malformed block: {exc} [json-pointer:{pointer}]"]
    return _unknown_element_errors(raw, block, pointer)


def _unknown_element_errors(raw: Json, block: Block, pointer: str) -> list[str]:
    # slack_sdk silently turns unknown element types into None; Slack rejects them.
    errors: list[str] = []
    for key in ("element", "accessory"):
        if raw.get(key) is not None and getattr(block, key, None) is None:
            errors.append(f"unsupported element type [json-pointer:{pointer}/{key}]")
    elements = getattr(block, "elements", None)
    if isinstance(elements, list):
        for index, element in enumerate(elements):
            if element is None:
                errors.append(f"unsupported element type [json-pointer:{pointer}/elements/{index}]")
    return errors


def _text_input_errors(node: object, pointer: str) -> list[str]:
    """Walk any JSON and check every plain_text_input's length bounds."""
    if isinstance(node, list):
        return [
            error
            for index, item in enumerate(node)
            for error in _text_input_errors(item, f"{pointer}/{index}")
        ]
    if not isinstance(node, dict):
        return []
    errors = [
        error
        for key, value in node.items()
        for error in _text_input_errors(value, f"{pointer}/{key}")
    ]
    if node.get("type") == "plain_text_input":
        errors.extend(_length_bound_errors(node, pointer))
    return errors


def _length_bound_errors(element: Json, pointer: str) -> list[str]:
    max_length = element.get("max_length", MAX_TEXT_INPUT_LENGTH)
    min_length = element.get("min_length", 0)
    if not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_INPUT_LENGTH:
        return [
            f"max_length must be between 1 and {MAX_TEXT_INPUT_LENGTH} "
            f"[json-pointer:{pointer}/max_length]"
        ]
    if not isinstance(min_length, int) or not 0 <= min_length <= max_length:
        return [f"min_length must be between 0 and max_length [json-pointer:{pointer}/min_length]"]
    return []


def view_errors(view: object) -> list[str]:
    """Errors Slack would report (as response_metadata.messages) for a view object."""
    if not isinstance(view, dict):
        return ["[ERROR] view must be a JSON object [json-pointer:/view]"]
    errors = _view_shape_errors(view)
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        errors.append(f"[ERROR] {exc} [json-pointer:/view]")
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        errors.append(f"[ERROR] malformed view: {exc} [json-pointer:/view]")
    blocks = view.get("blocks")
    if blocks is None:
        errors.append("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
    else:
        found = block_errors(blocks, limit=MAX_VIEW_BLOCKS, pointer="/view/blocks")
        errors.extend(f"[ERROR] {error}" for error in found)
    return errors


def _view_shape_errors(view: Json) -> list[str]:
    errors: list[str] = []
    if len(json.dumps(view).encode()) > MAX_VIEW_JSON_BYTES:
        errors.append(f"[ERROR] view exceeds {MAX_VIEW_JSON_BYTES} bytes [json-pointer:/view]")
    if view.get("type") not in ("modal", "home"):
        errors.append("[ERROR] type must be modal or home [json-pointer:/view/type]")
    if view.get("type") == "modal" and not view.get("title"):
        errors.append("[ERROR] missing required field: title [json-pointer:/view/title]")
    for key in ("title", "submit", "close"):
        text = (view.get(key) or {}).get("text", "")
        if len(text) > MAX_VIEW_LABEL_LENGTH:
            errors.append(
                f"[ERROR] must be less than {MAX_VIEW_LABEL_LENGTH + 1} characters "
                f"[json-pointer:/view/{key}/text]"
            )
    if len(view.get("private_metadata") or "") > MAX_PRIVATE_METADATA_LENGTH:
        errors.append(
            f"[ERROR] must be less than {MAX_PRIVATE_METADATA_LENGTH + 1} characters "
            "[json-pointer:/view/private_metadata]"
        )
    if _has_input_block(view) and view.get("type") == "modal" and not view.get("submit"):
        errors.append(
            "[ERROR] must provide a submit property when an input block is present "
            "[json-pointer:/view/submit]"
        )
    return errors


def _has_input_block(view: Json) -> bool:
    blocks = view.get("blocks")
    return isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )


def _ts_sort_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


# --------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------


class SlackStandIn:
    """Fake Slack Web API server. All public records are guarded by one lock."""

    def __init__(
        self,
        *,
        token: str = "xoxb-test",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        clock: Callable[[], float] = time.time,
        team_domain: str = "acme",
        app_id: str = "A0001",
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.clock = clock
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        self._triggers: dict[str, tuple[str, float]] = {}
        self._response_urls: dict[str, tuple[str | None, str | None]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._stacks: dict[str, list[str]] = {}
        self._last_modal: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[str, str], Json] = {}
        self.ephemerals: list[Json] = []
        self.responses: list[Json] = []
        self.response_posts: list[tuple[str, Json]] = []
        self.views: dict[str, Json] = {}
        self.home_views: dict[str, Json] = {}
        self.warnings: list[Json] = []
        self.add_user(bot_user_id, "panelbot", is_bot=True)

    # ---- lifecycle ------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        server = _StandInServer(("127.0.0.1", 0), _StandInHandler)
        server.standin = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ---- directory ------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        tz_offset: int = 3600,
        is_bot: bool = False,
        deleted: bool = False,
        team_id: str | None = None,
    ) -> None:
        real = real_name if real_name is not None else name
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": TZ_LABELS.get(tz, tz),
            "tz_offset": tz_offset,
            "is_bot": is_bot,
            "is_admin": False,
            "is_app_user": False,
            "updated": int(self.clock()),
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": name,
                "display_name_normalized": name,
                "team": team_id or self.team_id,
            },
        }
        with self._lock:
            self._users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
        members: Iterable[str] = (),
    ) -> None:
        member_list = list(members)
        # Slack lists the bot among a channel's members once it has joined.
        if bot_is_member and self.bot_user_id not in member_list:
            member_list.append(self.bot_user_id)
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_private": is_private,
                "members": member_list,
            }

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> Json:
        """Record a message a human posted, e.g. to refer to it from an event."""
        with self._lock:
            ts = self._next_ts()
            message: Json = {
                "type": "message",
                "channel": channel,
                "ts": ts,
                "user": user,
                "text": text,
                "blocks": [],
                "team": self.team_id,
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.messages[(channel, ts)] = message
            return copy.deepcopy(message)

    def user_info(self, user_id: str) -> Json | None:
        with self._lock:
            user = self._users.get(user_id)
            return copy.deepcopy(user) if user else None

    def channel_info(self, channel_id: str) -> Json | None:
        """The conversation object conversations.info returns, ignoring access rules."""
        with self._lock:
            if channel_id.startswith("D"):
                return self._im_object(channel_id)
            channel = self._channels.get(channel_id)
            return self._channel_object(channel) if channel else None

    # ---- interactivity helpers ------------------------------------------------------

    def new_trigger_id(self, user_id: str) -> str:
        """A trigger_id for `user_id`: valid for 3 s of `self.clock`, usable once."""
        with self._lock:
            trigger_id = f"{next(self._ids)}.{int(self.clock())}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = (user_id, self.clock())
            return trigger_id

    def new_response_url(self, channel: str | None = None, message_ts: str | None = None) -> str:
        """A response_url on this server; bound to a message so replace_original works."""
        with self._lock:
            url = f"{self.base_url}/response/{next(self._ids)}-{secrets.token_hex(8)}"
            self._response_urls[url] = (channel, message_ts)
            return url

    def responses_to(self, url: str) -> list[Json]:
        with self._lock:
            return [copy.deepcopy(body) for posted, body in self.response_posts if posted == url]

    # ---- records --------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def messages_in(self, channel: str) -> list[Json]:
        with self._lock:
            found = [m for (ch, _), m in self.messages.items() if ch == channel]
            return copy.deepcopy(sorted(found, key=lambda m: _ts_sort_key(m["ts"])))

    def replies_to(self, channel: str, thread_ts: str) -> list[Json]:
        return [
            m
            for m in self.messages_in(channel)
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def last_view_for(self, user_id: str) -> Json | None:
        """The modal most recently opened, updated or pushed for the user (even if closed)."""
        with self._lock:
            view_id = self._last_modal.get(user_id)
            return copy.deepcopy(self.views[view_id]) if view_id else None

    def open_view_for(self, user_id: str) -> Json | None:
        """The modal the user currently sees (top of their stack), or None."""
        with self._lock:
            stack = self._stacks.get(user_id) or []
            return copy.deepcopy(self.views[stack[-1]]) if stack else None

    def view_payload(self, view_id: str, values: Json | None = None) -> Json:
        """The view object Slack puts in interaction payloads for this view."""
        with self._lock:
            payload = {key: copy.deepcopy(self.views[view_id][key]) for key in VIEW_FIELDS}
        payload["state"] = {"values": copy.deepcopy(values or {})}
        return payload

    # ---- fault injection ------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail, then behave normally again."""
        fault = _Fault(error=error, status=status, retry_after=retry_after, remaining=times)
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    # ---- what the driver reports back after a view_submission ----------------------

    def apply_view_submission_ack(self, view_id: str, ack: Json | None) -> None:
        """Update the user's modal stack the way Slack does after the app acks a submit."""
        with self._lock:
            record = self.views[view_id]
            action = (ack or {}).get("response_action")
            try:
                self._apply_response_action(record, action, ack or {})
            except ApiError as exc:
                self._warn(
                    "view_submission",
                    "invalid_response_action",
                    response_action=action,
                    error=exc.error,
                    details=exc.extra,
                )

    def close_views(self, user_id: str) -> None:
        """The user closed their modal(s) with the close button (view_closed)."""
        with self._lock:
            for view_id in self._stacks.pop(user_id, []):
                self.views[view_id]["closed"] = True

    def _apply_response_action(self, record: Json, action: object, ack: Json) -> None:
        user_id = record["user_id"]
        if action == "errors":
            self._check_error_keys(record, ack.get("errors"))
            record["errors"] = ack.get("errors")
        elif action == "update":
            self._replace_view(record, ack.get("view"), expected_hash=None)
        elif action == "push":
            self._push_view(user_id, ack.get("view"))
        elif action == "clear":
            self.close_views(user_id)
        else:
            # A plain ack closes the submitted view and reveals the one below it.
            stack = self._stacks.get(user_id, [])
            if record["id"] in stack:
                stack.remove(record["id"])
            record["closed"] = True

    def _check_error_keys(self, record: Json, errors: object) -> None:
        input_ids = {
            block.get("block_id")
            for block in record["blocks"]
            if isinstance(block, dict) and block.get("type") == "input"
        }
        if not isinstance(errors, dict) or not errors or not set(errors) <= input_ids:
            raise _invalid_arguments(
                [f"[ERROR] errors must map input block_ids {sorted(map(str, input_ids))}"]
            )

    # ---- request handling (called from server threads) -----------------------------

    def handle_api(self, method: str, args: Json, header_token: str | None) -> tuple[int, Json]:
        token = header_token or args.pop("token", None)
        # A private copy, so later edits to stored messages/views never rewrite history.
        call = ApiCall(method=method, args=copy.deepcopy(args), token=token, at=self.clock())
        status, body = self._answer(method, args, token)
        call.ok, call.error, call.status = bool(body.get("ok")), body.get("error"), status
        with self._lock:
            self.calls.append(call)
        return status, body

    def _answer(self, method: str, args: Json, token: str | None) -> tuple[int, Json]:
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}
        if method != "api.test":
            if not token:
                return 200, {"ok": False, "error": "not_authed"}
            if token != self.token:
                return 200, {"ok": False, "error": "invalid_auth"}
        fault = self._take_fault(method)
        if fault is not None:
            return fault
        try:
            with self._lock:
                return 200, {"ok": True, **handler(self, args)}
        except ApiError as exc:
            return 200, {"ok": False, "error": exc.error, **exc.extra}
        except Exception as exc:
            # A stand-in bug (or arguments it cannot parse) must fail the call visibly,
            # not kill the server thread and leave the bot's request hanging.
            self._warn(method, "standin_error", error=repr(exc))
            return 500, {"ok": False, "error": "internal_error"}

    def _take_fault(self, method: str) -> tuple[int, Json] | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
        if fault.status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return 429, {"ok": False, "error": "ratelimited", "_retry_after": retry_after}
        if fault.status != 200:
            return fault.status, {"ok": False, "error": fault.error or "internal_error"}
        return 200, {"ok": False, "error": fault.error or "internal_error"}

    def handle_response_url(self, url: str, body: Json) -> tuple[int, Json]:
        with self._lock:
            if url not in self._response_urls:
                return 404, {"ok": False, "error": "no_service"}
            self.responses.append(body)
            self.response_posts.append((url, body))
            if "blocks" in body:
                errors = block_errors(body["blocks"], limit=MAX_MESSAGE_BLOCKS)
                if errors:
                    return 400, {"ok": False, "error": "invalid_blocks", "errors": errors}
            self._apply_response_url_post(url, body)
        return 200, {"ok": True}

    def _apply_response_url_post(self, url: str, body: Json) -> None:
        channel, message_ts = self._response_urls[url]
        key = (channel or "", message_ts or "")
        if body.get("delete_original") and key in self.messages:
            del self.messages[key]
        elif body.get("replace_original") and key in self.messages:
            self._replace_content(self.messages[key], body)
        elif body.get("response_type") == "in_channel" and channel:
            self._store_bot_message(channel, body)

    # ---- helpers used by method handlers (lock held) -------------------------------

    def _next_ts(self) -> str:
        # Unique and increasing even when the injected clock stands still.
        self._last_ts_micros = max(self._last_ts_micros + 1, int(self.clock() * 1_000_000))
        seconds, micros = divmod(self._last_ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _new_view_id(self) -> str:
        return f"V{next(self._ids):010d}"

    def _new_hash(self) -> str:
        return f"{int(self.clock())}.{secrets.token_urlsafe(6)}"

    def _warn(self, method: str, warning: str, **details: Any) -> None:
        with self._lock:
            self.warnings.append({"method": method, "warning": warning, **details})

    def _user(self, user_id: str) -> Json:
        user = self._users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def _im_object(self, channel_id: str) -> Json:
        return {
            "id": channel_id,
            "is_im": True,
            "is_channel": False,
            "is_group": False,
            "is_private": True,
            "is_member": True,
            "user": channel_id[1:],
            "created": 1700000000,
        }

    def _channel_object(self, channel: Json) -> Json:
        is_member = self.bot_user_id in channel["members"]
        return {
            "id": channel["id"],
            "name": channel["name"],
            "name_normalized": channel["name"],
            "is_channel": not channel["is_private"],
            "is_group": channel["is_private"],
            "is_im": False,
            "is_mpim": False,
            "is_private": channel["is_private"],
            "is_archived": False,
            "is_general": False,
            "is_member": is_member,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": 1700000000,
            "context_team_id": self.team_id,
        }

    def _visible_channel(self, channel_id: str) -> Json:
        channel = self._channels.get(channel_id)
        # Slack hides private channels the bot is not in: they look nonexistent.
        if channel is None or (
            channel["is_private"] and self.bot_user_id not in channel["members"]
        ):
            raise ApiError("channel_not_found")
        return channel

    def _postable_channel(self, channel: str) -> str:
        """Resolve a chat.* `channel` argument the way Slack does, or raise its error."""
        if channel.startswith("D"):
            return channel
        if channel[:1] in ("U", "W"):
            # Posting to a user ID lands in the app's DM with that user.
            self._dm_target(channel)
            return "D" + channel
        by_name = {c["name"]: cid for cid, c in self._channels.items()}
        channel_id = by_name.get(channel.lstrip("#"), channel)
        found = self._visible_channel(channel_id)
        if self.bot_user_id not in found["members"]:
            raise ApiError("not_in_channel")
        return channel_id

    def _dm_target(self, user_id: str) -> Json:
        user = self._users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        if user["deleted"]:
            raise ApiError("user_disabled")
        if user["is_bot"]:
            raise ApiError("cannot_dm_bot")
        return user

    def _check_message_content(self, method: str, args: Json, *, update: bool = False) -> None:
        if not update and not any(args.get(key) for key in ("text", "blocks", "attachments")):
            raise ApiError("no_text")
        if len(str(args.get("text") or "")) > MAX_MESSAGE_TEXT_LENGTH:
            raise ApiError("msg_too_long")
        if "blocks" in args:
            errors = block_errors(args["blocks"], limit=MAX_MESSAGE_BLOCKS)
            if errors:
                raise ApiError(
                    "invalid_blocks", errors=errors, response_metadata={"messages": errors}
                )
            if not args.get("text"):
                self._warn(method, "missing_text_in_blocks", channel=args.get("channel"))

    def _store_bot_message(self, channel: str, args: Json) -> Json:
        message: Json = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "text": args.get("text") or "",
            "blocks": args.get("blocks") or [],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        }
        if args.get("attachments"):
            message["attachments"] = args["attachments"]
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self.messages[(channel, message["ts"])] = message
        return message

    def _replace_content(self, message: Json, args: Json) -> None:
        # chat.update keeps fields that are absent from the call (Slack docs).
        for key in ("text", "blocks", "attachments"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}

    def _consume_trigger(self, trigger_id: str) -> str:
        entry = self._triggers.pop(trigger_id, None)
        if entry is None:
            raise ApiError("invalid_trigger_id")
        user_id, issued_at = entry
        if self.clock() - issued_at > TRIGGER_TTL_SECONDS:
            raise ApiError("expired_trigger_id")
        return user_id

    def _checked_view(self, view: object) -> Json:
        errors = view_errors(view)
        if errors:
            raise _invalid_arguments(errors)
        return cast(Json, view)

    def _new_view_record(self, user_id: str, view: Json, *, previous: str | None) -> Json:
        view_id = self._new_view_id()
        external_id = view.get("external_id") or ""
        if external_id and external_id in self._external_ids:
            raise ApiError("duplicate_external_id")
        root = self.views[previous]["root_view_id"] if previous else view_id
        record = self._view_fields(view, view_id, external_id)
        record.update(
            previous_view_id=previous,
            root_view_id=root,
            user_id=user_id,
            closed=False,
            errors=None,
        )
        self.views[view_id] = record
        if external_id:
            self._external_ids[external_id] = view_id
        return record

    def _view_fields(self, view: Json, view_id: str, external_id: str) -> Json:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
            "view": copy.deepcopy(view),
        }

    def _replace_view(self, record: Json, view: object, *, expected_hash: str | None) -> Json:
        checked = self._checked_view(view)
        if expected_hash is not None and expected_hash != record["hash"]:
            raise ApiError("hash_conflict")
        fresh = self._view_fields(checked, record["id"], record["external_id"])
        record.update(fresh, errors=None)
        if record["type"] == "modal":
            self._last_modal[record["user_id"]] = record["id"]
        return record

    def _push_view(self, user_id: str, view: object) -> Json:
        checked = self._checked_view(view)
        stack = self._stacks.get(user_id) or []
        if not stack:
            raise ApiError("not_found")
        if len(stack) >= MAX_VIEW_STACK:
            raise ApiError("push_limit_reached")
        record = self._new_view_record(user_id, checked, previous=stack[-1])
        stack.append(record["id"])
        self._last_modal[user_id] = record["id"]
        return record

    def _response_view(self, record: Json) -> Json:
        return {key: copy.deepcopy(record[key]) for key in VIEW_FIELDS}


def _required(args: Json, *names: str) -> None:
    missing = [name for name in names if args.get(name) in (None, "")]
    if missing:
        raise _invalid_arguments([f"[ERROR] missing required field: {name}" for name in missing])


# --------------------------------------------------------------------------------------
# Web API methods. Each takes the stand-in (lock held) and the decoded arguments and
# returns the response fields besides "ok", or raises ApiError.
# --------------------------------------------------------------------------------------


def _api_test(s: SlackStandIn, args: Json) -> Json:
    return {"args": args}


def _auth_test(s: SlackStandIn, args: Json) -> Json:
    return {
        "url": f"https://{s.team_domain}.slack.com/",
        "team": s.team_domain.capitalize(),
        "user": s._users[s.bot_user_id]["name"],
        "team_id": s.team_id,
        "user_id": s.bot_user_id,
        "bot_id": s.bot_id,
        "is_enterprise_install": False,
    }


def _users_info(s: SlackStandIn, args: Json) -> Json:
    _required(args, "user")
    return {"user": copy.deepcopy(s._user(args["user"]))}


def _conversations_info(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    channel_id = args["channel"]
    if channel_id.startswith("D"):
        return {"channel": s._im_object(channel_id)}
    return {"channel": s._channel_object(s._visible_channel(channel_id))}


def _conversations_members(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    members = s._visible_channel(args["channel"])["members"]
    limit = min(max(int(args.get("limit") or DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    start = _decode_cursor(args.get("cursor"))
    end = start + limit
    next_cursor = _encode_cursor(end) if end < len(members) else ""
    return {
        "members": list(members[start:end]),
        "response_metadata": {"next_cursor": next_cursor},
    }


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: object) -> int:
    if not cursor:
        return 0
    try:
        prefix, _, offset = base64.b64decode(str(cursor)).decode().partition(":")
        if prefix == "offset":
            return int(offset)
    except ValueError:
        pass
    raise ApiError("invalid_cursor")


def _conversations_open(s: SlackStandIn, args: Json) -> Json:
    if args.get("channel"):
        return {"channel": {"id": args["channel"]}, "no_op": True, "already_open": True}
    _required(args, "users")
    user_ids = [u.strip() for u in str(args["users"]).split(",") if u.strip()]
    for user_id in user_ids:
        s._dm_target(user_id)
    if len(user_ids) == 1:
        return {"channel": {"id": "D" + user_ids[0]}}
    # Group DMs get one stable id per set of members.
    return {"channel": {"id": "G" + "".join(sorted(user_ids))}}


def _chat_post_message(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel")
    channel = s._postable_channel(str(args["channel"]))
    s._check_message_content("chat.postMessage", args)
    message = s._store_bot_message(channel, args)
    return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}


def _chat_update(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "ts")
    channel = s._postable_channel(str(args["channel"]))
    message = s.messages.get((channel, str(args["ts"])))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("user") != s.bot_user_id:
        raise ApiError("cant_update_message")
    s._check_message_content("chat.update", args, update=True)
    s._replace_content(message, args)
    return {
        "channel": channel,
        "ts": message["ts"],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def _chat_post_ephemeral(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "user")
    channel_id = s._postable_channel(str(args["channel"]))
    channel = s._channels.get(channel_id)
    if channel is not None and args["user"] not in channel["members"]:
        raise ApiError("user_not_in_channel")
    s._check_message_content("chat.postEphemeral", args)
    message_ts = s._next_ts()
    s.ephemerals.append({**args, "message_ts": message_ts})
    return {"message_ts": message_ts}


def _chat_get_permalink(s: SlackStandIn, args: Json) -> Json:
    _required(args, "channel", "message_ts")
    channel, ts = str(args["channel"]), str(args["message_ts"])
    message = s.messages.get((channel, ts))
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{s.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return {"channel": channel, "permalink": link}


def _views_open(s: SlackStandIn, args: Json) -> Json:
    _required(args, "trigger_id", "view")
    view = s._checked_view(args["view"])
    if view["type"] != "modal":
        raise _invalid_arguments(["[ERROR] views.open only opens modals [json-pointer:/view/type]"])
    user_id = s._consume_trigger(str(args["trigger_id"]))
    # A new trigger starts a fresh stack: any modal the user had open is replaced.
    s.close_views(user_id)
    record = s._new_view_record(user_id, view, previous=None)
    s._stacks[user_id] = [record["id"]]
    s._last_modal[user_id] = record["id"]
    return {"view": s._response_view(record)}


def _views_push(s: SlackStandIn, args: Json) -> Json:
    _required(args, "trigger_id", "view")
    view = s._checked_view(args["view"])
    user_id = s._consume_trigger(str(args["trigger_id"]))
    return {"view": s._response_view(s._push_view(user_id, view))}


def _views_update(s: SlackStandIn, args: Json) -> Json:
    _required(args, "view")
    view_id = args.get("view_id") or s._external_ids.get(str(args.get("external_id") or ""))
    if not args.get("view_id") and not args.get("external_id"):
        raise _invalid_arguments(["[ERROR] missing required field: view_id or external_id"])
    record = s.views.get(str(view_id))
    if record is None:
        raise ApiError("not_found")
    expected = str(args["hash"]) if args.get("hash") else None
    return {"view": s._response_view(s._replace_view(record, args["view"], expected_hash=expected))}


def _views_publish(s: SlackStandIn, args: Json) -> Json:
    _required(args, "user_id", "view")
    view = s._checked_view(args["view"])
    if view["type"] != "home":
        raise _invalid_arguments(["[ERROR] type must be home [json-pointer:/view/type]"])
    user_id = str(args["user_id"])
    record = s.home_views.get(user_id)
    if record is None:
        record = s._new_view_record(user_id, view, previous=None)
        s.home_views[user_id] = record
    else:
        expected = str(args["hash"]) if args.get("hash") else None
        s._replace_view(record, view, expected_hash=expected)
    return {"view": s._response_view(record)}


_METHODS: dict[str, Callable[[SlackStandIn, Json], Json]] = {
    "api.test": _api_test,
    "auth.test": _auth_test,
    "users.info": _users_info,
    "conversations.info": _conversations_info,
    "conversations.members": _conversations_members,
    "conversations.open": _conversations_open,
    "chat.postMessage": _chat_post_message,
    "chat.update": _chat_update,
    "chat.postEphemeral": _chat_post_ephemeral,
    "chat.getPermalink": _chat_get_permalink,
    "views.open": _views_open,
    "views.push": _views_push,
    "views.update": _views_update,
    "views.publish": _views_publish,
}


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops bursts of parallel connects (1 s SYN retry).
    request_queue_size = 128
    standin: SlackStandIn


class _StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def standin(self) -> SlackStandIn:
        return cast(_StandInServer, self.server).standin

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        parts = urlsplit(self.path)
        body = self._read_body()
        if parts.path.startswith("/api/"):
            args = dict(parse_qsl(parts.query, keep_blank_values=True))
            args.update(self._decode_args(body))
            status, answer = self.standin.handle_api(
                parts.path[len("/api/") :], _decode_json_args(args), self._bearer_token()
            )
            self._send_api_answer(status, answer)
        elif parts.path.startswith("/response/"):
            status, answer = self.standin.handle_response_url(
                self.standin.base_url + parts.path, self._decode_args(body)
            )
            self._send(status, json.dumps(answer).encode(), "application/json")
        else:
            self._send(404, b"Not Found", "text/plain")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _decode_args(self, body: bytes) -> Json:
        if not body:
            return {}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError:
                return {}
            return decoded if isinstance(decoded, dict) else {}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))

    def _bearer_token(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def _send_api_answer(self, status: int, answer: Json) -> None:
        retry_after = answer.pop("_retry_after", None)
        if status >= 500:
            self._send(status, b"Internal Server Error", "text/plain")
            return
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._send(status, json.dumps(answer).encode(), "application/json", headers)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _decode_json_args(args: Json) -> Json:
    """Form bodies carry blocks/view/attachments as JSON strings; record them decoded."""
    decoded = dict(args)
    for key in JSON_ARGS:
        value = decoded.get(key)
        if isinstance(value, str):
            # Undecodable values stay strings, so validation reports them as malformed.
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(value)
    return decoded
