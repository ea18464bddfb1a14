"""The organizer's controls, and everyone else being refused them."""

from __future__ import annotations

from functools import partial
from typing import Any

from tests.slack.state import V
from tests.support.harness import ANA, BEN, CY, DEE, ORG, Harness, has_button, modal_named
from tests.support.rows import status_of


def responses_are(h: Harness, n: int) -> bool:
    return len(h.standin.responses) == n


def open_panelists_modal(h: Harness) -> dict[str, Any]:
    h.click(ORG, h.announcement() or {}, "edit_panelists")
    return h.wait_for(lambda: modal_named(h.standin.open_view_for(ORG), "panel_panelists"), "modal")


def test_close_now_posts_a_partial_summary_naming_who_is_missing(harness: Harness) -> None:
    round_id = harness.start_round()
    harness.give_feedback(ANA)
    old_brief = harness.dm(BEN) or {}
    harness.click(ORG, harness.announcement() or {}, "close_round")
    summary = harness.wait_for(harness.thread, "partial summary")[0]
    text = str(summary["blocks"])
    assert "Partial" in text and f"<@{BEN}>" in text and f"<@{CY}>" in text
    assert status_of(harness.db, round_id) == "closed"
    harness.wait_for(lambda: "Closed" in str((harness.announcement() or {})["blocks"]), "closed")
    # Feedback can no longer change; the brief says so.
    harness.wait_for(lambda: "closed" in str((harness.dm(BEN) or {})["blocks"]), "brief")
    assert not has_button(harness.dm(BEN) or {}, "give_feedback")
    # A stale button (an old copy of the brief) gets words, not a modal.
    harness.click(BEN, old_brief, "give_feedback")
    refusal = harness.wait_for(lambda: harness.standin.responses, "refusal")
    assert "can no longer change" in refusal[-1]["text"]
    assert harness.standin.open_view_for(BEN) is None


def test_others_are_refused_the_organizer_controls(harness: Harness) -> None:
    round_id = harness.start_round()
    announcement = harness.announcement() or {}
    for n, action in enumerate(("close_round", "cancel_round", "edit_panelists"), start=1):
        harness.click(ANA, announcement, action)
        harness.wait_for(partial(responses_are, harness, n), f"refusal {n}")
        assert "Only the organizer" in harness.standin.responses[-1]["text"]
    assert status_of(harness.db, round_id) == "open"
    assert harness.thread() == []


def test_cancel_round_tells_the_panel(harness: Harness) -> None:
    round_id = harness.start_round()
    harness.give_feedback(ANA)
    harness.click(ORG, harness.announcement() or {}, "cancel_round")
    harness.wait_for(lambda: status_of(harness.db, round_id) == "cancelled", "cancelled")
    harness.wait_for(lambda: "cancelled" in str((harness.dm(BEN) or {})["blocks"]), "brief")
    # The announcement's update may still be under way: an earlier one (ANA's "1 of 3") was
    # in flight when the round was cancelled, so it is rendered and sent once more.
    harness.wait_for(
        lambda: "Cancelled" in str((harness.announcement() or {})["blocks"]), "announcement"
    )
    assert harness.thread() == []  # cancelled feedback stays sealed
    assert not has_button(harness.dm(BEN) or {}, "give_feedback")


def test_add_and_remove_panelists(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA)
    view = open_panelists_modal(harness)
    reply = harness.driver.view_submission(
        ORG, view, {"panelists": {"value": V.users([ANA, CY, DEE])}}
    )
    assert reply.status == 200
    harness.wait_for(lambda: harness.dm(CY) and harness.dm(DEE), "briefs for the new panelists")
    harness.wait_for(
        lambda: "no longer on this panel" in str((harness.dm(BEN) or {})["blocks"]), "Ben told"
    )
    harness.wait_for(
        lambda: "1 of 3 submitted" in str((harness.announcement() or {})["blocks"]), "progress"
    )
    harness.give_feedback(CY)
    harness.give_feedback(DEE)
    summary = harness.wait_for(harness.thread, "summary")[0]
    assert "from 3 of 3 panelists" in str(summary["blocks"])


def test_removing_the_last_missing_panelist_completes_the_round(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA)
    view = open_panelists_modal(harness)
    harness.driver.view_submission(ORG, view, {"panelists": {"value": V.users([ANA])}})
    harness.wait_for(harness.thread, "summary")


def test_panelist_change_refuses_bots_inline(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    view = open_panelists_modal(harness)
    reply = harness.driver.view_submission(
        ORG, view, {"panelists": {"value": V.users([ANA, "UDEPLOYBOT"])}}
    )
    assert "Bots can't give feedback" in reply.json()["errors"]["panelists"]
