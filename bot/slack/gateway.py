"""The bot's questions to Slack, in domain terms. Everything Slack-specific about reading
users and channels lives here so services can stay about hiring. Every question names the
team it is about: its answer comes with that team's token (bot/slack/tokens.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from threading import Lock
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.rules import UserFacts
from bot.errors import SlackUnavailable
from bot.slack.errors import TRY_LATER_ERRORS, SlackError
from bot.slack.tokens import TeamClients

log = logging.getLogger(__name__)
USER_CACHE_SECONDS = 600
# Only "the bot is in the channel" is remembered, briefly: it lets a person whose form timed
# out submit again without waiting for Slack; a refusal is asked again, since the fix (an
# /invite) is made in seconds.
CHANNEL_CACHE_SECONDS = 60
# Slack waits 3 s for the answer to a modal submission, and what the bot asks Slack before
# answering (the panelists, the channel) must fit in it with the database and the network:
# after this long the person is asked to submit again. Lookups still running finish in the
# background and fill the caches, so that next try is quick.
BEFORE_ACK_SECONDS = 2.0
ASKING_THREADS = 8
# users.info is Tier 4; a panel has at most 12 people, so a few parallel calls keep the
# modal submission well inside Slack's 3 seconds.
USER_LOOKUP_THREADS = 6


@dataclass(frozen=True)
class ChannelAccess:
    channel_id: str
    name: str | None
    bot_is_member: bool
    is_private: bool


class SlackGateway:
    def __init__(self, clients: TeamClients) -> None:
        self.clients = clients
        self._users: dict[tuple[str, str], tuple[float, dict[str, Any] | None]] = {}
        self._channels: dict[tuple[str, str], tuple[float, ChannelAccess]] = {}
        self._lock = Lock()
        self._asking = ThreadPoolExecutor(ASKING_THREADS, thread_name_prefix="slack-before-ack")

    # -- questions a person is waiting on ----------------------------------------------
    def in_time(
        self, *questions: Callable[[], Any], seconds: float = BEFORE_ACK_SECONDS
    ) -> list[Any]:
        """The answers to these questions to Slack, asked at once, within `seconds`; raises
        SlackUnavailable if Slack is slower than that or says to try later. For what must
        be known before an ack (Slack's 3 s): a slow Slack must not make the bot miss it."""
        asked = [self._asking.submit(question) for question in questions]
        _, late = wait(asked, timeout=seconds)
        if late:
            log.warning("Slack did not answer within %.1f s; the person is asked to retry", seconds)
            raise SlackUnavailable()
        answers = []
        for future in asked:
            error = future.exception()
            if error is not None and slack_unavailable(error):
                log.warning("Slack could not answer before the ack: %r", error)
                raise SlackUnavailable() from error
            answers.append(future.result())
        return answers

    # -- users -------------------------------------------------------------
    def user(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        """users.info, cached: it changes rarely and is asked for on every panel."""
        key = (team_id, user_id)
        now = time.monotonic()
        with self._lock:
            cached = self._users.get(key)
        if cached and now - cached[0] < USER_CACHE_SECONDS:
            return cached[1]
        try:
            info: dict[str, Any] | None = self.client(team_id).users_info(user=user_id)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") != SlackError.USER_NOT_FOUND:
                raise
            info = None
        with self._lock:
            self._users[key] = (now, info)
        return info

    def user_facts(self, team_id: str, user_ids: Iterable[str]) -> list[UserFacts]:
        ids = list(dict.fromkeys(user_ids))
        with ThreadPoolExecutor(max_workers=min(USER_LOOKUP_THREADS, max(len(ids), 1))) as pool:
            infos = list(pool.map(lambda uid: self.user(team_id, uid), ids))
        return [_facts(uid, info) for uid, info in zip(ids, infos, strict=True)]

    # -- channels ----------------------------------------------------------
    def channel_access(self, team_id: str, channel_id: str) -> ChannelAccess:
        key = (team_id, channel_id)
        now = time.monotonic()
        with self._lock:
            cached = self._channels.get(key)
        if cached and now - cached[0] < CHANNEL_CACHE_SECONDS:
            return cached[1]
        try:
            channel = self.client(team_id).conversations_info(channel=channel_id)["channel"]
        except SlackApiError as exc:
            # A private channel the bot is not in looks like no channel at all.
            if exc.response.get("error") == SlackError.CHANNEL_NOT_FOUND:
                return ChannelAccess(channel_id, None, bot_is_member=False, is_private=True)
            raise
        access = ChannelAccess(
            channel_id,
            channel.get("name"),
            bot_is_member=bool(channel.get("is_member")),
            is_private=bool(channel.get("is_private")),
        )
        if access.bot_is_member:
            with self._lock:
                self._channels[key] = (now, access)
        return access

    def is_channel_member(self, team_id: str, channel_id: str, user_id: str) -> bool:
        client = self.client(team_id)
        cursor = None
        while True:
            try:
                page = client.conversations_members(channel=channel_id, cursor=cursor, limit=500)
            except SlackApiError as exc:
                if exc.response.get("error") in (
                    SlackError.CHANNEL_NOT_FOUND,
                    SlackError.NOT_IN_CHANNEL,
                ):
                    return False
                raise
            if user_id in page["members"]:
                return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False

    # -- messages ----------------------------------------------------------
    def is_admin(self, team_id: str, user_id: str) -> bool:
        """A workspace admin or owner (users.info, cached)."""
        info = self.user(team_id, user_id) or {}
        return bool(info.get("is_admin") or info.get("is_owner"))

    # -- tokens --------------------------------------------------------------------------
    def client(self, team_id: str) -> WebClient:
        """The team's client; raises bot.slack.tokens.TeamNotInstalled if it has no token."""
        return self.clients.for_team(team_id)

    def forget_team(self, team_id: str) -> None:
        """Drop the team's cached token and what we know of its people (an uninstall)."""
        self.clients.forget(team_id)
        with self._lock:
            for key in [key for key in self._users if key[0] == team_id]:
                del self._users[key]
            for key in [key for key in self._channels if key[0] == team_id]:
                del self._channels[key]


def slack_unavailable(error: BaseException) -> bool:
    """Slack did not answer (a timeout, a refused or dropped connection) or answered "try
    again later" (429, 5xx, fatal_error, …)."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        return status == 429 or status >= 500 or error.response.get("error") in TRY_LATER_ERRORS
    return isinstance(error, OSError)  # TimeoutError, URLError and ConnectionError are


def display_name(info: dict[str, Any] | None, fallback: str) -> str:
    if not info:
        return fallback
    profile = info.get("profile") or {}
    # The full name reads best in a hiring summary; the display name is the fallback.
    return str(
        profile.get("real_name")
        or info.get("real_name")
        or profile.get("display_name")
        or info.get("name")
        or fallback
    )


def _facts(user_id: str, info: dict[str, Any] | None) -> UserFacts:
    if info is None:
        return UserFacts(user_id, user_id, is_bot=False, deleted=True, exists=False)
    return UserFacts(
        user_id,
        display_name(info, user_id),
        # Slackbot is a bot without the flag.
        is_bot=bool(info.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(info.get("deleted")),
        tz=info.get("tz") or None,
    )
