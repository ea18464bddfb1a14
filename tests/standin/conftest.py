"""Fixtures of the stand-in's own tests: its clock, and a Web API client of its bot token
(each module seeds its own `standin`)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from tests.slack.standin import SlackStandIn
from tests.support.clock import StandInClock


@pytest.fixture
def clock() -> StandInClock:
    return StandInClock()


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    """A Web API client with the stand-in's bot token."""
    assert standin.token is not None
    return WebClient(base_url=standin.api_url, token=standin.token)
