"""/panel status and the App Home tab: what I owe, what I organize."""

from __future__ import annotations

from tests.support.harness import ANA, BEN, ORG, OUTSIDER, Harness, button, modal_named


def test_status_shows_what_each_person_owes(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA)
    ana = harness.driver.command(ANA, "status").json()
    assert ana["response_type"] == "ephemeral"
    assert "You owe no feedback" in str(ana["blocks"])
    assert "Edit my feedback" in str(ana["blocks"])
    ben = harness.driver.command(BEN, "status").json()
    assert "Waiting for your feedback (1)" in str(ben["blocks"])
    org = harness.driver.command(ORG, "status").json()
    assert "Rounds you organize (1)" in str(org["blocks"])
    assert "1 of 2 submitted" in str(org["blocks"]) and f"<@{BEN}>" in str(org["blocks"])
    assert "mean" not in str(org["blocks"])  # sealed for the organizer too
    nobody = harness.driver.command(OUTSIDER, "status").json()
    assert "no open panels" in nobody["text"] + str(nobody["blocks"])


def test_home_tab_lists_pending_feedback_with_a_button(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    reply = harness.driver.event({"type": "app_home_opened", "user": BEN, "tab": "home"})
    assert reply.status == 200
    home = harness.wait_for(lambda: harness.standin.home_views.get(BEN), "home tab")
    give = button(home, "give_feedback")
    harness.driver.block_action(
        BEN, "give_feedback", value=give["value"], block_id=give["block_id"], view=home
    )
    harness.wait_for(
        lambda: modal_named(harness.standin.open_view_for(BEN), "panel_feedback"), "feedback modal"
    )


def test_home_start_button_opens_the_new_panel_modal(harness: Harness) -> None:
    harness.driver.event({"type": "app_home_opened", "user": ORG, "tab": "home"})
    home = harness.wait_for(lambda: harness.standin.home_views.get(ORG), "home tab")
    start = button(home, "open_new_panel")
    harness.driver.block_action(
        ORG, "open_new_panel", value=start["value"], block_id=start["block_id"], view=home
    )
    harness.wait_for(lambda: modal_named(harness.standin.open_view_for(ORG), "panel_new"), "modal")
