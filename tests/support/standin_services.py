"""The bot's services over one database and the Slack stand-in, without Bolt: what the
storage tests and the exactly-once campaign drive directly."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services import Services
from bot.services.context import Leases, Resources
from bot.slack.gateway import SlackGateway
from bot.slack.tokens import one_client
from bot.views.renderer import BlockKitRenderer
from storage.db import Database
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock


def standin_services(
    db: Database, standin: SlackStandIn, clock: Clock, dispatch: WebClient | None = None
) -> Services:
    """Services as the runtime builds them; `dispatch` is the outbox's client (one that
    never retries by default, as the runtime's, so a test sees each call it makes)."""
    people = WebClient(base_url=standin.api_url, token=standin.token)
    if dispatch is None:
        dispatch = WebClient(base_url=standin.api_url, token=standin.token, retry_handlers=[])
    resources = Resources(
        db=db,
        slack=SlackGateway(one_client(people)),
        render=BlockKitRenderer(),
        now=clock,
        leases=Leases(),
    )
    return Services.build(resources, one_client(dispatch))
