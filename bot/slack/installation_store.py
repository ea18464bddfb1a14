"""Where OAuth installs keep their tokens: slack_sdk's SQLAlchemy installation store on our
database, taught to rotate a token before handing it out.

With token rotation on, a bot token lives 12 hours and its refresh token can be used once.
Two processes refreshing the same team at once would leave one of them with a dead refresh
token, so a refresh happens under the team's row lock (storage.workspaces.lock), and whoever
gets the lock second reads the bot again and finds it fresh. Bolt's authorize (requests)
and the outbox dispatcher (background sending) both find tokens through this store, so both
take that path; Bolt's own rotator, configured with the same margin, then finds nothing to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from storage import workspaces
from storage.db import Database
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES

# An installation or a bot, as the store finds it (None: none).
Found = TypeVar("Found", Installation | None, Bot | None)

# Slack's default: an install link (its state) works for 10 minutes.
STATE_SECONDS = 600


@dataclass(frozen=True)
class OAuthApp:
    """The Slack app whose installs the store holds (SLACK_CLIENT_ID and _SECRET)."""

    client_id: str
    client_secret: str


class RotatingInstallationStore(SQLAlchemyInstallationStore):
    """The installation store whose finds rotate a token that is about to expire first."""

    def __init__(
        self, app: OAuthApp, rotation_minutes: int, db: Database, client: WebClient
    ) -> None:
        """`rotation_minutes`: how long before its expiry a token is refreshed."""
        super().__init__(
            client_id=app.client_id,
            engine=db.engine,
            bots_table_name=SLACK_BOTS,
            installations_table_name=SLACK_INSTALLATIONS,
        )
        self.db = db
        self.minutes = rotation_minutes
        self.rotator = TokenRotator(
            client_id=app.client_id, client_secret=app.client_secret, client=client
        )

    # -- what Bolt and bot.slack.tokens ask ------------------------------------------------------
    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        def find() -> Installation | None:
            return super(RotatingInstallationStore, self).find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )

        return self._rotated_first(find, enterprise_id, team_id)

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        def find() -> Bot | None:
            return super(RotatingInstallationStore, self).find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )

        return self._rotated_first(find, enterprise_id, team_id)

    def _rotated_first(
        self, find: Callable[[], Found], enterprise_id: str | None, team_id: str | None
    ) -> Found:
        """What `find` reads, after rotating the team's token if it is about to expire."""
        found = find()
        if found is not None and team_id and self._due(found.bot_token_expires_at):
            self.rotate(enterprise_id, team_id)
            found = find()
        return found

    def fresh_bot(self, team_id: str) -> Bot | None:
        """The team's bot with a token that is not about to expire (bot.slack.tokens)."""
        with self.db.engine.connect() as connection:
            enterprise_id = workspaces.enterprise_of(connection, self.client_id, team_id)
        return self.find_bot(enterprise_id=enterprise_id, team_id=team_id)

    def rotation_due_at(self, expires_at: int) -> float:
        return expires_at - self.minutes * 60.0

    # -- rotating ------------------------------------------------------------------------
    def _due(self, expires_at: int | None) -> bool:
        # time.time(), as slack_sdk's TokenRotator decides with it too.
        return expires_at is not None and time.time() >= self.rotation_due_at(expires_at)

    def rotate(self, enterprise_id: str | None, team_id: str) -> None:
        """Refresh the team's tokens if they are (still) about to expire, under its lock.
        Slack refusing the refresh raises slack_sdk's SlackTokenRotationError."""
        with self.db.transaction() as session:
            workspaces.lock(session, team_id, datetime.now(UTC))
            store = workspaces.store_in(session, self.client_id)
            installation = store.find_installation(enterprise_id=enterprise_id, team_id=team_id)
            if installation is not None and installation.bot_token:
                rotated = self.rotator.perform_token_rotation(
                    installation=installation, minutes_before_expiration=self.minutes
                )
                if rotated is not None:
                    store.save(rotated)  # the installation row and its bot row
                return
            # No installation row (its installer's user tokens were revoked): the bot alone.
            bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
            if bot is not None:
                rotated_bot = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self.minutes
                )
                if rotated_bot is not None:
                    store.save_bot(rotated_bot)


def state_store(db: Database) -> SQLAlchemyOAuthStateStore:
    """The OAuth `state` of install links in progress, on the same database."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_SECONDS, engine=db.engine, table_name=SLACK_OAUTH_STATES
    )
