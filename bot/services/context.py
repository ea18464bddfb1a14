"""What every service needs: the database, Slack, the renderer of its messages, and a clock
(tests move it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.services.rendering import Renderer
from bot.slack.gateway import SlackGateway
from storage.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Leases:
    """How long an instance holds the work it claimed (another instance takes over once
    that passes), and how much lease must be left to start one row: a row makes at most
    two Slack calls, so this is twice the client timeout and a margin."""

    lease: timedelta = timedelta(minutes=2)
    per_row: timedelta = timedelta(seconds=25)

    @classmethod
    def for_timeout(cls, slack_timeout: float, lease_seconds: float) -> Leases:
        return cls(timedelta(seconds=lease_seconds), timedelta(seconds=2 * slack_timeout + 5))


@dataclass
class Resources:
    """What every service is built on: the database, Slack, the renderer of the messages
    services queue themselves (the views' BlockKitRenderer, given by whoever builds this:
    the runtime, a test, a bench), the clock, and the deployment's lease lengths, retention
    period and note-hashing key."""

    db: Database
    slack: SlackGateway
    render: Renderer
    now: Callable[[], datetime] = field(default=utc_now)
    leases: Leases = field(default_factory=Leases)
    # How long finished rounds, and an uninstalled workspace's data, are kept (RETENTION_DAYS).
    retention: timedelta = timedelta(days=365)
    # Keys the hash that names a note an evidence nudge pointed out (never the note itself):
    # without the key, a stored hash can't be checked against guessed notes.
    note_key: bytes = b"panelbot evidence nudges"
