"""Calling the Slack stand-in's Web API as a client would."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError


def error_of(call: Any) -> str:
    """The error code Slack refused `call` with (it must be refused)."""
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])
