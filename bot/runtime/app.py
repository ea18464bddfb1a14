"""Build the services (their Slack clients point at our API URL) and the Bolt app, in one of
two modes: one workspace's SLACK_BOT_TOKEN, or any number of workspaces installed through
Slack OAuth (/slack/install), each with its own token (bot/slack/tokens.py,
bot/slack/installation_store.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.web import SlackResponse

from bot.runtime.metrics import MeteredWebClient
from bot.runtime.settings import Settings
from bot.services import Services
from bot.services.context import Leases, Resources, utc_now
from bot.slack.gateway import SlackGateway
from bot.slack.installation_store import OAuthApp, RotatingInstallationStore, state_store
from bot.slack.tokens import FixedToken, InstalledTokens, NoTokens, TeamClients, TokenSource
from bot.views.renderer import BlockKitRenderer
from handlers import register_all
from handlers.installs import oauth_callbacks
from storage.db import Database


def make_client(settings: Settings, *, token: str | None = None, retries: bool = True) -> WebClient:
    """The client for answering people (`retries`: it waits out a 429 and retries a dropped
    connection once) or, without retries, for the outbox dispatcher, which retries itself
    with backoff and must not sleep while it holds a lease. `token` defaults to
    SLACK_BOT_TOKEN (single-workspace mode)."""
    return MeteredWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.api_base_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ]
        if retries
        else [],
    )


def build_services(
    settings: Settings, db: Database, now: Callable[[], datetime] = utc_now
) -> Services:
    """`now` is the clock every service reads (tests move it)."""
    leases = Leases.for_timeout(settings.slack_timeout_seconds, settings.work_lease_seconds)
    tokens = token_source(settings, db)
    people = TeamClients(tokens, lambda token: make_client(settings, token=token))
    senders = TeamClients(tokens, lambda token: make_client(settings, token=token, retries=False))
    resources = Resources(
        db=db,
        slack=SlackGateway(people),
        render=BlockKitRenderer(),
        now=now,
        leases=leases,
        retention=timedelta(days=settings.retention_days),
        note_key=settings.slack_signing_secret.encode(),
    )
    return Services.build(resources, senders, oauth_client_id=settings.slack_client_id)


def token_source(settings: Settings, db: Database) -> TokenSource:
    if settings.slack_bot_token:
        return FixedToken(settings.slack_bot_token)
    if settings.slack_client_id and settings.slack_client_secret:
        return InstalledTokens(installation_store(settings, db))
    return NoTokens()  # a command that does not talk to Slack, run without its settings


def installation_store(settings: Settings, db: Database) -> RotatingInstallationStore:
    """OAuth mode's token store; its refresh calls don't retry (they run under a lock)."""
    assert settings.slack_client_id and settings.slack_client_secret
    return RotatingInstallationStore(
        OAuthApp(settings.slack_client_id, settings.slack_client_secret),
        settings.slack_token_rotation_minutes,
        db,
        make_client(settings, retries=False),
    )


def build_app(
    settings: Settings,
    services: Services,
    *,
    verify_token: bool = True,
    listener_executor: Executor | None = None,
) -> App:
    """`listener_executor` runs listeners after their ack; pass one to be able to wait for
    the work in flight (at shutdown, or at the end of a test). `verify_token` (one
    workspace): check the token with auth.test now, and record its workspace as installed."""
    bolt_logger = logging.getLogger("panelbot.bolt")
    # Bolt also reads SLACK_BOT_TOKEN from the environment and warns that our client (which
    # carries that same token) wins; an admin reading the log need not wonder about it.
    bolt_logger.addFilter(lambda record: "`token` will be unused" not in record.getMessage())
    if settings.oauth:
        app = _oauth_app(settings, services, bolt_logger, listener_executor)
    else:
        client = make_client(settings)
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret,
            token_verification_enabled=verify_token,
            logger=bolt_logger,
            listener_executor=listener_executor,
        )
        if verify_token:
            record_workspace(services, client.auth_test())
    register_all(app, services)
    return app


def record_workspace(services: Services, me: SlackResponse) -> None:
    """One workspace: record the workspace of SLACK_BOT_TOKEN, as auth.test (`me`) names it,
    as installed."""
    services.installs.installed(str(me["team_id"]), me.get("team"))


def _oauth_app(
    settings: Settings,
    services: Services,
    logger: logging.Logger,
    listener_executor: Executor | None,
) -> App:
    """Bolt's OAuth flow (GET /slack/install, GET /slack/oauth_redirect) and authorize, on
    slack_sdk's SQLAlchemy stores in our database."""
    assert settings.slack_client_id and settings.slack_client_secret
    client = make_client(settings)  # no token: each request gets its team's from authorize
    store = installation_store(settings, services.resources.db)
    oauth = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=settings.scopes,
        user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,
        # /slack/install sends the browser straight on to Slack's consent page.
        install_page_rendering_enabled=False,
        authorization_url=settings.authorize_url,
        installation_store=store,
        # Bot tokens only (no user scopes): one lookup per request, in slack_bots.
        installation_store_bot_only=True,
        state_store=state_store(services.resources.db),
        token_rotation_expiration_minutes=settings.slack_token_rotation_minutes,
        callback_options=oauth_callbacks(services),
        logger=logger,
    )
    # Bolt's default authorize would refresh tokens through slack.com whatever
    # SLACK_API_URL says, and call auth.test on every request; this one uses our client
    # and remembers auth.test's answer per token.
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        bot_only=True,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        token_rotation_expiration_minutes=settings.slack_token_rotation_minutes,
        cache_enabled=True,
        client=client,
    )
    return App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        oauth_settings=oauth,
        # App takes an Authorize instance too (its __init__ checks), typed or not.
        authorize=authorize,  # type: ignore[arg-type]
        logger=logger,
        listener_executor=listener_executor,
    )
