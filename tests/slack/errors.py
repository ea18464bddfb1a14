"""How a stand-in Web API method refuses a call."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def invalid_arguments(messages: list[str]) -> ApiError:
    """Slack's answer to malformed arguments: one message per problem found."""
    return ApiError("invalid_arguments", response_metadata={"messages": messages})
