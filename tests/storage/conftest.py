"""Fixtures of the outbox tests (test_outbox.py, test_outbox_coalescing.py): the Slack
stand-in, a clock that only moves when a test moves it, and the services on both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.services import Services
from storage.db import Database
from tests.slack.standin import SlackStandIn
from tests.support.clock import Clock, frozen_clock
from tests.support.seeding import WEDNESDAY_NOON
from tests.support.standin_services import standin_services


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return frozen_clock(WEDNESDAY_NOON)


@pytest.fixture
def services(database: Database, standin: SlackStandIn, clock: Clock) -> Services:
    return standin_services(database, standin, clock)
