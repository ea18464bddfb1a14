"""What every service needs: the database, Slack, and a clock (tests move it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.slack_gateway import SlackGateway
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    db: Database
    slack: SlackGateway
    now: Callable[[], datetime] = field(default=utc_now)
