"""Build the Bolt app: one WebClient (with retries and our API URL), services, handlers."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.services import Services
from bot.services.context import Deps
from bot.settings import Settings
from bot.slack_gateway import SlackGateway
from handlers import register_all
from storage.db import Database


def make_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.api_base_url,
        timeout=10,
        # The defaults retry only a dropped connection; 429s wait for Retry-After.
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(
    settings: Settings,
    db: Database,
    *,
    verify_token: bool = True,
    listener_executor: Executor | None = None,
) -> App:
    """`listener_executor` runs listeners after their ack; pass one to be able to wait for
    the work in flight (at shutdown, or at the end of a test)."""
    client = make_client(settings)
    bolt_logger = logging.getLogger("panelbot.bolt")
    # Bolt also reads SLACK_BOT_TOKEN from the environment and warns that our client (which
    # carries that same token) wins; an admin reading the log need not wonder about it.
    bolt_logger.addFilter(lambda record: "`token` will be unused" not in record.getMessage())
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=verify_token,
        logger=bolt_logger,
        listener_executor=listener_executor,
    )
    register_all(app, Services.build(Deps(db=db, slack=SlackGateway(client))))
    return app
