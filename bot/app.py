"""Build the services (their Slack clients point at our API URL) and the Bolt app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.metrics import MeteredWebClient
from bot.services import Services
from bot.services.context import Deps, Leases, utc_now
from bot.settings import Settings
from bot.slack_gateway import SlackGateway
from handlers import register_all
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
    deps = Deps(db=db, slack=SlackGateway(make_client(settings)), now=now, leases=leases)
    return Services.build(deps, make_client(settings, retries=False))


def build_app(
    settings: Settings,
    services: Services,
    *,
    verify_token: bool = True,
    listener_executor: Executor | None = None,
) -> App:
    """`listener_executor` runs listeners after their ack; pass one to be able to wait for
    the work in flight (at shutdown, or at the end of a test)."""
    bolt_logger = logging.getLogger("panelbot.bolt")
    # Bolt also reads SLACK_BOT_TOKEN from the environment and warns that our client (which
    # carries that same token) wins; an admin reading the log need not wonder about it.
    bolt_logger.addFilter(lambda record: "`token` will be unused" not in record.getMessage())
    app = App(
        client=services.deps.slack.client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=verify_token,
        logger=bolt_logger,
        listener_executor=listener_executor,
    )
    register_all(app, services)
    return app
