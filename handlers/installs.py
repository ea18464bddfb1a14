"""Installs and uninstalls: the OAuth flow's outcome, app_uninstalled and tokens_revoked.

Slack sends the two events after the tokens are already dead, so Bolt lets them through
without authorize; the listeners only record what happened (services/installs.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs

from bot.services import Services
from handlers.responses import bound

log = logging.getLogger(__name__)


def oauth_callbacks(services: Services) -> CallbackOptions:
    """Bolt's install pages, after recording a successful install's workspace."""

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.team_id:  # an org-wide (Enterprise Grid) install has none
            services.installs.installed(installation.team_id, installation.team_name)
        log.info("installed in workspace %s", installation.team_id)
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("an install did not complete: %s", args.reason)
        return args.default.failure(args)

    return CallbackOptions(success=success, failure=failure)


def uninstalled(context: BoltContext, *, services: Services) -> None:
    if context.team_id:
        services.installs.uninstalled(context.enterprise_id, context.team_id)
        log.info("uninstalled from workspace %s", context.team_id)


def tokens_revoked(context: BoltContext, event: dict[str, Any], *, services: Services) -> None:
    # Read defensively: Slack sends {"oauth": [user ids], "bot": [bot ids]}; anything
    # else must not raise into Bolt (a forged or future shape).
    tokens = event.get("tokens")
    tokens = tokens if isinstance(tokens, dict) else {}
    oauth = tokens.get("oauth")
    if context.team_id:
        services.installs.tokens_revoked(
            context.enterprise_id,
            context.team_id,
            bot=bool(tokens.get("bot")),
            user_ids=[str(user) for user in oauth] if isinstance(oauth, list) else [],
        )


def register(app: App, services: Services) -> None:
    # Not `guarded`: there is no one to tell, and Slack only wants the 200.
    app.event("app_uninstalled")(bound(uninstalled, services))
    app.event("tokens_revoked")(bound(tokens_revoked, services))
