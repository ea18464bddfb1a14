"""Installs and uninstalls: which workspaces use Panelbot, and what happens to their tokens.

An install (OAuth, or the single token's workspace at start) makes the team's `workspaces`
row active. An uninstall, or Slack revoking the bot token, deletes the team's tokens at once
and stamps `uninstalled_at`; the team's rounds and feedback stay until the retention period
has passed since then (the purge is bot/services/retention.py's).

Installs take one file a layer, as every feature does: handlers/installs.py (Slack's OAuth
callbacks and events, wired to Bolt), this service (what an install or uninstall changes),
bot/slack/installation_store.py (slack_sdk's token store, rotating tokens before handing
them out) and storage/workspaces.py (the `workspaces` rows and slack_sdk's token tables).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.context import Resources
from storage import workspaces


class InstallService:
    def __init__(self, resources: Resources, oauth_client_id: str | None = None) -> None:
        """`oauth_client_id`: the app whose tokens the installation store holds; None in
        single-workspace mode, where the only token is a setting."""
        self.resources = resources
        self.client_id = oauth_client_id

    def installed(self, team_id: str, team_name: str | None = None) -> None:
        with self.resources.db.transaction() as session:
            workspaces.mark_installed(session, team_id, team_name, self.resources.now())
        # A reinstall brings a new token; don't wait for the cache to notice.
        self.resources.slack.forget_team(team_id)

    def uninstalled(self, enterprise_id: str | None, team_id: str) -> None:
        """app_uninstalled: every token of the team goes, in one transaction with the stamp."""
        with self.resources.db.transaction() as session:
            if self.client_id:
                store = workspaces.store_in(session, self.client_id)
                store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
            workspaces.mark_uninstalled(session, team_id, self.resources.now())
        self.resources.slack.forget_team(team_id)

    def tokens_revoked(
        self, enterprise_id: str | None, team_id: str, *, bot: bool, user_ids: Sequence[str]
    ) -> None:
        """tokens_revoked: user tokens take their users' installation rows with them; a
        revoked bot token leaves Panelbot nothing to act with in the team, like an uninstall."""
        with self.resources.db.transaction() as session:
            if self.client_id:
                store = workspaces.store_in(session, self.client_id)
                for user_id in user_ids:
                    store.delete_installation(
                        enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
                    )
                if bot:
                    store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
                    workspaces.forget_bot_tokens(session, self.client_id, enterprise_id, team_id)
            if bot:
                workspaces.mark_uninstalled(session, team_id, self.resources.now())
        if bot:
            self.resources.slack.forget_team(team_id)
