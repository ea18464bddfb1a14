"""Which bot token speaks for a team, and a Slack client per team built on it.

One workspace (SLACK_BOT_TOKEN): that token, whatever the team. Installed through OAuth: the
team's own token from the installation store (bot/slack/installation_store.py), which rotates it
first when
it is about to expire; this process caches it for a few minutes, never past the point where
it is due for rotation, so an uninstall or a reinstall elsewhere is seen soon.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot

# How long a token read from the database is used before it is read again.
CACHE_SECONDS = 300.0


class TeamNotInstalled(Exception):
    """No bot token for this team: never installed, uninstalled, or its token revoked."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"Panelbot is not installed in workspace {team_id} (no bot token)")
        self.team_id = team_id


class TokenSource(Protocol):
    def bot_token(self, team_id: str) -> str:
        """The team's bot token; raises TeamNotInstalled if it has none."""
        ...

    def forget(self, team_id: str) -> None:
        """Drop what is cached for the team (uninstalled, or Slack refused its token)."""
        ...


class FixedToken:
    """Single-workspace mode: SLACK_BOT_TOKEN for every request and every message."""

    def __init__(self, token: str) -> None:
        self.token = token

    def bot_token(self, team_id: str) -> str:
        return self.token

    def forget(self, team_id: str) -> None:
        """Nothing is cached: the token is a setting."""


class NoTokens:
    """No Slack settings (`panelbot export`, `rubric`, `forget` need none): no team has a
    token here; nothing these commands do asks for one."""

    def bot_token(self, team_id: str) -> str:
        raise TeamNotInstalled(team_id)

    def forget(self, team_id: str) -> None:
        """Nothing is cached."""


class FreshBots(Protocol):
    """What InstalledTokens needs of the installation store (bot/slack/installation_store.py)."""

    def fresh_bot(self, team_id: str) -> Bot | None: ...

    def rotation_due_at(self, expires_at: int) -> float: ...


@dataclass(frozen=True)
class _Cached:
    token: str
    until: float  # time.time() after which the database is asked again


class InstalledTokens:
    """OAuth mode: each team's bot token from the installation store."""

    def __init__(self, store: FreshBots) -> None:
        self.store = store
        self._cache: dict[str, _Cached] = {}
        self._lock = Lock()

    def bot_token(self, team_id: str) -> str:
        now = time.time()
        with self._lock:
            cached = self._cache.get(team_id)
        if cached is not None and now < cached.until:
            return cached.token
        bot = self.store.fresh_bot(team_id)
        if bot is None or not bot.bot_token:
            self.forget(team_id)
            raise TeamNotInstalled(team_id)
        until = now + CACHE_SECONDS
        if bot.bot_token_expires_at is not None:
            until = min(until, self.store.rotation_due_at(bot.bot_token_expires_at))
        with self._lock:
            self._cache[team_id] = _Cached(str(bot.bot_token), until)
        return str(bot.bot_token)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._cache.pop(team_id, None)


class TeamClients:
    """A Slack client per team carrying the team's current token; `make` builds one for a
    token (bot.runtime.app.make_client, with or without retry handlers)."""

    def __init__(self, tokens: TokenSource, make: Callable[[str], WebClient]) -> None:
        self.tokens = tokens
        self._make = make
        self._clients: dict[str, WebClient] = {}
        self._lock = Lock()

    def for_team(self, team_id: str) -> WebClient:
        """Raises TeamNotInstalled if the team has no token."""
        token = self.tokens.bot_token(team_id)
        with self._lock:
            client = self._clients.get(team_id)
            if client is None or client.token != token:
                client = self._make(token)
                self._clients[team_id] = client
            return client

    def forget(self, team_id: str) -> None:
        self.tokens.forget(team_id)
        with self._lock:
            self._clients.pop(team_id, None)


def one_client(client: WebClient) -> TeamClients:
    """Every team through one client and its token (one workspace; tests)."""
    return TeamClients(FixedToken(client.token or ""), lambda _token: client)
