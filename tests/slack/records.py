"""What the Slack stand-in knows and has recorded, guarded by one lock.

`StandInRecords` is the base of `SlackStandIn`. It owns the workspace settings, the
directory (users, channels, messages people posted) and every record of what the bot did,
so the parts that implement Slack's behaviour (`ConversationsMixin`, `ViewStackMixin`,
`SlackStandIn` itself, the Web API handlers) all work on one set of state under one lock.
"""

from __future__ import annotations

import copy
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.slack.errors import ApiError

if TYPE_CHECKING:
    from tests.slack.socket_mode import SocketModeServer

Json = dict[str, Any]

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
    # The kind of fault the stand-in injected into this call, if any (see `fault_counts`).
    fault: str | None = None


@dataclass
class Fault:
    """A failure `fail_next` queued for the next `remaining` calls of one method."""

    error: str | None
    status: int
    retry_after: int | None
    remaining: int


@dataclass
class RandomFaults:
    """What `fail_randomly` set up: each call of `methods` (None: all) fails with `share`."""

    share: float
    methods: frozenset[str] | None
    kinds: tuple[str, ...]
    retry_after: int
    delay: float
    rng: random.Random


@dataclass
class PermanentFault:
    """A `fail_always` rule: calls of `method` whose arguments match `when` get `error`."""

    method: str
    error: str
    when: Callable[[Json], bool] | None


@dataclass(frozen=True)
class Workspace:
    """A Slack workspace the stand-in serves, and Panelbot's bot user in it."""

    team_id: str
    domain: str
    bot_user_id: str
    bot_id: str

    @property
    def name(self) -> str:
        return self.domain.capitalize()


@dataclass
class Grant:
    """One token Slack issued: whose it is, and whether it still works."""

    team_id: str
    expires_at: float | None = None
    revoked: bool = False


def _ts_sort_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros or 0)


class StandInRecords:
    """The stand-in's state. All public records are guarded by one lock.

    `team_id`, `team_domain`, `bot_user_id` and `bot_id` are those of the workspace the
    current Web API call acts as (tests/slack/workspaces.py), else of the first workspace,
    which the constructor's arguments describe; `token` is that workspace's bot token
    (None: not installed until a test installs it through OAuth).
    """

    def __init__(
        self,
        *,
        token: str | None = "xoxb-test",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        clock: Callable[[], float] = time.time,
        team_domain: str = "acme",
        app_id: str = "A0001",
        app_token: str = "xapp-test",
    ) -> None:
        self.token = token
        self.app_id = app_id
        # Socket Mode: the app-level tokens apps.connections.open accepts, and where the
        # WebSocket URL it hands out leads: a fixed URL if set, else Slack's side once
        # started (`start_socket_mode`), else this server, which answers a handshake with 404.
        self.app_tokens = {app_token}
        self.socket_mode_url: str | None = None
        self.socket_mode: SocketModeServer | None = None
        self.clock = clock
        self._lock = threading.RLock()
        self.workspaces = {team_id: Workspace(team_id, team_domain, bot_user_id, bot_id)}
        self._default_team = team_id
        self._acting = threading.local()
        # Every token issued (by the constructor or oauth.v2.access) and its scopes.
        self._grants: dict[str, Grant] = {}
        self._scopes: dict[str, str] = {}
        if token:
            self._grants[token] = Grant(team_id)
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, Json] = {}
        self._channels: dict[str, Json] = {}
        self._triggers: dict[str, tuple[str, float]] = {}
        self._response_urls: dict[str, tuple[str | None, str | None]] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._random_faults: RandomFaults | None = None
        self._permanent_faults: list[PermanentFault] = []
        # (channel, ts) of every message chat.postMessage stored, in the order stored.
        self._posted_keys: list[tuple[str, str]] = []
        self._stacks: dict[str, list[str]] = {}
        self._last_modal: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}
        # files.getUploadURLExternal reservations not completed yet, by file id, and the
        # upload URL paths (on this server) that lead to them.
        self._pending_uploads: dict[str, Json] = {}
        self._upload_paths: dict[str, str] = {}
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[str, str], Json] = {}
        self.ephemerals: list[Json] = []
        self.responses: list[Json] = []
        self.response_posts: list[tuple[str, Json]] = []
        self.views: dict[str, Json] = {}
        self.home_views: dict[str, Json] = {}
        self.warnings: list[Json] = []
        # Every file files.completeUploadExternal shared, one record per file and channel
        # (channel None: uploaded without sharing); see `FilesMixin.files_in`.
        self.files: list[Json] = []
        self.add_user(bot_user_id, "panelbot", is_bot=True)

    # ---- the workspace a call acts as -----------------------------------------------

    @property
    def acting_workspace(self) -> Workspace:
        acting: Workspace | None = getattr(self._acting, "workspace", None)
        return acting or self.workspaces[self._default_team]

    @property
    def team_id(self) -> str:
        return self.acting_workspace.team_id

    @property
    def team_domain(self) -> str:
        return self.acting_workspace.domain

    @property
    def bot_user_id(self) -> str:
        return self.acting_workspace.bot_user_id

    @property
    def bot_id(self) -> str:
        return self.acting_workspace.bot_id

    def _foreign(self, team_id: str | None) -> bool:
        """A user, channel or view of another workspace than the one acting."""
        return team_id is not None and team_id != self.team_id

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
        is_admin: bool = False,
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
            "is_admin": is_admin,
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
        team_id: str | None = None,
    ) -> None:
        member_list = list(members)
        team = team_id or self.team_id
        bot = self.workspaces[team].bot_user_id
        # Slack lists the bot among a channel's members once it has joined.
        if bot_is_member and bot not in member_list:
            member_list.append(bot)
        with self._lock:
            self._channels[channel_id] = {
                "id": channel_id,
                "name": name,
                "is_private": is_private,
                "members": member_list,
                "team_id": team,
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

    # ---- records --------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def posted(self, channel: str | None = None, *, text_contains: str | None = None) -> list[Json]:
        """Messages chat.postMessage stored, oldest first, as they are now (edits applied).

        Faulted calls stored nothing, so they are not here; calls answered after a "slow"
        fault are, even if the client gave up waiting. Messages people posted
        (`add_message`) and response_url posts are left out, as are messages since
        deleted. `channel` is a conversation id, a channel name (with or without "#") or a
        user id (meaning the bot's DM with that user); `text_contains` filters on `text`.
        """
        with self._lock:
            wanted = None if channel is None else self._conversation_id(channel)
            found = [
                self.messages[key]
                for key in self._posted_keys
                if key in self.messages and (wanted is None or key[0] == wanted)
            ]
            if text_contains is not None:
                found = [m for m in found if text_contains in str(m.get("text") or "")]
            return copy.deepcopy(found)

    def fault_counts(self, method: str | None = None) -> dict[str, int]:
        """How many faults of each kind were injected (into calls of `method`, if given).

        Kinds: "ratelimited" (HTTP 429), "server_error" (HTTP 5xx), "slow" (answered late
        but normally), and for faults answered HTTP 200 the error code itself, e.g.
        "fatal_error" or a `fail_always` error such as "channel_not_found". Counts are
        history: `clear_failures` does not reset them.
        """
        counts: dict[str, int] = {}
        with self._lock:
            for call in self.calls:
                if call.fault is not None and (method is None or call.method == method):
                    counts[call.fault] = counts.get(call.fault, 0) + 1
        return counts

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

    def responses_to(self, url: str) -> list[Json]:
        with self._lock:
            return [copy.deepcopy(body) for posted, body in self.response_posts if posted == url]

    # ---- helpers shared by the stand-in's parts (lock held) ------------------------

    def _next_ts(self) -> str:
        # Unique and increasing even when the injected clock stands still.
        self._last_ts_micros = max(self._last_ts_micros + 1, int(self.clock() * 1_000_000))
        seconds, micros = divmod(self._last_ts_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _conversation_id(self, channel: str) -> str:
        """The conversation a user id, channel name or id names (no access checks)."""
        if channel[:1] in ("U", "W"):
            return "D" + channel
        by_name = {c["name"]: cid for cid, c in self._channels.items()}
        return by_name.get(channel.lstrip("#"), channel)

    def _warn(self, method: str, warning: str, **details: Any) -> None:
        with self._lock:
            self.warnings.append({"method": method, "warning": warning, **details})

    def _user(self, user_id: str) -> Json:
        user = self._users.get(user_id)
        if user is None or self._foreign(user["team_id"]):
            raise ApiError("user_not_found")
        return user
