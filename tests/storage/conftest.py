"""Fixtures of the outbox tests (test_outbox.py, test_outbox_coalescing.py): the Slack
stand-in, a clock that only moves when a test moves it, and the services on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.services import Services
from bot.services.context import Leases, Resources
from bot.slack.gateway import SlackGateway
from bot.slack.tokens import one_client
from bot.views.renderer import BlockKitRenderer
from storage.db import Database
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock, frozen_clock
from tests.support.seeding import WEDNESDAY_NOON


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return frozen_clock(WEDNESDAY_NOON)


@pytest.fixture
def services(database: Database, standin: SlackStandIn, clock: Clock) -> Services:
    people = WebClient(base_url=standin.api_url, token=standin.token)
    dispatch = WebClient(base_url=standin.api_url, token=standin.token, retry_handlers=[])
    resources = Resources(
        db=database,
        slack=SlackGateway(one_client(people)),
        render=BlockKitRenderer(),
        now=clock,
        leases=Leases(),
    )
    return Services.build(resources, one_client(dispatch))
