"""The one controllable clock of the tests, handed to the bot's services as `now`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

# Where the bot's clock starts in every end-to-end test: a Wednesday morning, so what a test
# sees never depends on the day or the hour it runs (weekends and quiet hours hold nudges).
TEST_START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Clock:
    """Starts at `start` and runs at the real pace from there (an end-to-end test's bot, whose
    leases and timeouts need time to pass), or, with running=False, stands still; either way
    plus however far a test has moved it (no sleeping). Safe to read and move from several
    threads."""

    def __init__(self, start: datetime = TEST_START, *, running: bool = True) -> None:
        self._running = running
        self._lock = threading.Lock()
        self._at, self._since = start, datetime.now(UTC)

    def __call__(self) -> datetime:
        with self._lock:
            if not self._running:
                return self._at
            return self._at + (datetime.now(UTC) - self._since)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._at += delta

    def set(self, when: datetime) -> None:
        with self._lock:
            self._at, self._since = when, datetime.now(UTC)


def frozen_clock(start: datetime) -> Clock:
    """A clock that moves only when told to."""
    return Clock(start, running=False)


class StandInClock:
    """The Slack stand-in's clock (seconds since the epoch, as time.time), moved by hand so
    expiry (trigger ids, tokens) is tested without sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
