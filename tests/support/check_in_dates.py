"""When the outcome tests' hire starts, and when the 6-month check-in falls due: shared by
tests/e2e/outcomes/test_outcomes.py and the replay campaign over outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime

START = date(2027, 1, 5)  # a Tuesday; 6 and 12 months on are a Monday and a Wednesday
# 10:00 in the organizer's zone, Europe/Berlin: summer time in July, winter in January.
SIX = datetime(2027, 7, 5, 8, tzinfo=UTC)
