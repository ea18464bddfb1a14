"""A finished round without a decision nudges its organizer two business days after the
summary, then once every business day, in their working hours, until the decision is
recorded; the digest lists rounds awaiting a decision and those decided since the last one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.decision import business_days_later, first_decision_nudge, next_decision_nudge
from tests.support.decision_form import decision_values
from tests.support.harness import ANA, BEN, HIRING, ORG, Harness, has_button

THU = datetime(2026, 12, 3, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(
    ("at", "days", "expected"),
    [
        (THU.replace(hour=15), 2, datetime(2026, 12, 7, 15, tzinfo=UTC)),  # Thu → Mon
        (THU.replace(hour=15), 1, datetime(2026, 12, 4, 15, tzinfo=UTC)),  # Thu → Fri
        (datetime(2026, 12, 5, 11, tzinfo=UTC), 2, datetime(2026, 12, 8, 11, tzinfo=UTC)),  # Sat
        (datetime(2026, 12, 7, 9, tzinfo=UTC), 2, datetime(2026, 12, 9, 9, tzinfo=UTC)),  # Mon
    ],
)
def test_business_days(at: datetime, days: int, expected: datetime) -> None:
    assert business_days_later(at, days, None) == expected


def test_nudges_keep_to_the_organizers_working_hours() -> None:
    # Finished at 21:30 in New York on a Thursday: two business days on is Monday 21:30,
    # quiet; the nudge waits for Tuesday 08:00 there.
    finished = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)
    assert first_decision_nudge(finished, "America/New_York") == datetime(
        2026, 12, 8, 13, 0, tzinfo=UTC
    )
    # From a Friday nudge, the next is on Monday.
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert next_decision_nudge(friday, "Europe/London") == datetime(2026, 12, 7, 9, tzinfo=UTC)


NO_DECISION = "No decision yet on Ada Lovelace"


def nudges(h: Harness) -> list[dict[str, object]]:
    return h.standin.posted(f"D{ORG}", text_contains=NO_DECISION)


def digest_now(h: Harness) -> str:
    def digests() -> list[dict[str, Any]]:
        return h.standin.posted(HIRING, text_contains="Hiring digest")

    before = len(digests())
    h.driver.command(ORG, "digest now", channel_id=HIRING)
    h.tick()
    posted = h.wait_for(lambda: digests() if len(digests()) > before else None, "a new digest")
    return "\n".join(b["text"]["text"] for b in posted[-1]["blocks"] if b.get("type") == "section")


def test_an_undecided_round_nudges_its_organizer_each_business_day(harness: Harness) -> None:
    h = harness
    settle = h.settle_listeners  # moves of the clock wait for the bot to finish what it does
    h.clock.set(THU.replace(hour=9))
    h.start_round(panelists=[ANA, BEN], interview_at=int(THU.replace(hour=10).timestamp()))
    settle()
    h.clock.set(THU.replace(hour=15))
    for user in (ANA, BEN):
        h.give_feedback(user)
    h.wait_for(lambda: h.thread(), "the summary")
    settle()
    assert "*Awaiting a decision*\n• *Ada Lovelace* · Staff Engineer" in digest_now(h)

    for day, expected in ((4, 0), (5, 0), (6, 0), (7, 1), (8, 2)):  # Fri, Sat, Sun, Mon, Tue
        h.clock.set(datetime(2026, 12, day, 15, 1, tzinfo=UTC))
        h.tick()
        # The clock runs: Monday's nudge schedules Tuesday's at the moment it ran, a
        # fraction of a second past 15:01, which a tick right after 15:01 may still precede.
        h.clock.advance(timedelta(minutes=1))
        h.tick()
        assert len(nudges(h)) == expected, (day, len(nudges(h)))
    nudge = nudges(h)[-1]
    assert "finished <!date^" in json.dumps(nudge["blocks"])

    # Recording the decision from the nudge stops them.
    view = h.click_for_modal(ORG, nudge, "record_decision", "panel_decision")
    reply = h.driver.view_submission(
        ORG,
        view,
        decision_values(
            "another_interview",
            "A system design round to settle the depth question.",
            [ORG, ANA, BEN],
        ),
    )
    assert reply.json()["response_action"] == "update", reply.body
    settle()
    for day in (9, 10, 11):
        h.clock.set(datetime(2026, 12, day, 15, 1, tzinfo=UTC))
        h.tick()
    assert len(nudges(h)) == 2
    assert has_button(nudges(h)[-1], "record_decision")
    digest = digest_now(h)
    assert "Awaiting a decision" not in digest
    # A digest asked for now, with no schedule, covers everything: "Decided".
    assert "*Decided*\n• *Ada Lovelace* · Staff Engineer · *Another interview*" in digest
