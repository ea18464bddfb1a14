"""Feedback: rules enforced inline, outsiders refused, retries give one summary (the last
panelists submitting at once: tests/campaigns/test_races.py)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from storage.models import Feedback, FeedbackRevision
from tests.support.harness import ANA, BEN, CY, ORG, OUTSIDER, Harness, has_button, modal_named
from tests.support.slack_requests import together


def stored_feedback(h: Harness) -> int:
    with h.db.read() as session:
        return session.scalar(select(func.count()).select_from(Feedback)) or 0


def test_strong_yes_without_evidence_is_refused_inline(harness: Harness) -> None:
    harness.start_round()
    view = harness.open_feedback(ANA)
    values = harness.feedback_values(view, ratings=(4, 3, 3, 3, 1))
    values["evidence:depth"] = {"value": {"type": "plain_text_input", "value": None}}
    values["evidence:motivation"] = {"value": {"type": "plain_text_input", "value": None}}
    reply = harness.driver.view_submission(ANA, view, values)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        "evidence:depth": "Say what you saw that earns a Strong yes.",
        "evidence:motivation": "Say what you saw that earns a Strong no.",
    }
    assert stored_feedback(harness) == 0


def test_outsider_clicking_a_forwarded_brief_is_refused(harness: Harness) -> None:
    harness.start_round()
    brief = harness.dm(ANA) or {}
    reply = harness.click(OUTSIDER, brief, "give_feedback")
    assert reply.status == 200
    refusal = harness.wait_for(lambda: harness.standin.responses, "the refusal")
    assert "not on the panel" in refusal[-1]["text"]
    assert refusal[-1].get("response_type") == "ephemeral"
    assert harness.standin.open_view_for(OUTSIDER) is None


def test_tampered_metadata_pointing_at_another_round_is_refused(harness: Harness) -> None:
    first = harness.start_round()
    view = harness.open_feedback(ANA)
    payload = harness.submission(ANA, view, harness.feedback_values(view))
    second = harness.start_round(panelists=[BEN, CY], candidate="Grace Hopper")
    assert second != first
    payload["view"]["private_metadata"] = json.dumps({"round": second})
    body = harness.driver.post_payload(payload).json()
    assert body["response_action"] == "update"
    assert "not on the panel" in str(body["view"]["blocks"])
    payload["view"]["private_metadata"] = "not json at all"
    body = harness.driver.post_payload(payload).json()
    assert "doesn't exist" in str(body["view"]["blocks"])
    assert stored_feedback(harness) == 0


def test_another_teams_request_cannot_reach_this_teams_round(harness: Harness) -> None:
    harness.start_round()
    view = harness.open_feedback(ANA)
    payload = harness.submission(ANA, view, harness.feedback_values(view))
    payload["team"] = {"id": "T0THER", "domain": "other"}
    payload["user"]["team_id"] = "T0THER"
    body = harness.driver.post_payload(payload).json()
    assert "doesn't exist" in str(body["view"]["blocks"])
    assert stored_feedback(harness) == 0


def test_retried_last_submission_posts_one_summary(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    assert harness.give_feedback(ANA).status == 200
    view = harness.open_feedback(BEN)
    payload = harness.submission(BEN, view, harness.feedback_values(view))
    for _ in range(3):
        assert harness.driver.post_payload(payload).status == 200
    together([lambda: harness.driver.post_payload(payload)] * 2)
    harness.wait_for(harness.thread, "the summary")
    harness.settle()  # every retry's listener done: a second summary would be out by now
    assert len(harness.thread()) == 1
    with harness.db.read() as session:
        assert session.scalar(select(func.count()).select_from(FeedbackRevision)) == 2


def test_edit_keeps_revisions_and_updates_the_summary_in_place(harness: Harness) -> None:
    harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA)
    harness.give_feedback(BEN)
    summary = harness.wait_for(harness.thread, "the summary")[0]
    assert "Strong no 0" in summary["text"]
    # Ana reconsiders: the modal opens with her answers, she changes the recommendation.
    view = harness.open_feedback(ANA)
    assert view["title"]["text"] == "Edit feedback"
    values = harness.feedback_values(view, recommendation=1)
    assert harness.driver.view_submission(ANA, view, values).status == 200
    harness.wait_for(
        lambda: "Strong no 1" in harness.thread()[0]["text"], "the summary to be updated"
    )
    assert len(harness.thread()) == 1
    assert harness.standin.calls_to("chat.update")
    with harness.db.read() as session:
        revisions = session.scalars(
            select(FeedbackRevision.revision).order_by(FeedbackRevision.id)
        ).all()
    assert revisions == [1, 1, 2]


def test_notes_only_for_hiring_channel_members_and_only_when_complete(harness: Harness) -> None:
    round_id = harness.start_round(panelists=[ANA, BEN])
    harness.give_feedback(ANA, evidence="Explained the <!channel> incident calmly")
    announcement = harness.announcement() or {}
    # Before completion there is no button; a forged click is refused.
    forged = harness.driver.block_action(
        ORG, "see_notes", value=str(round_id), message=announcement
    )
    assert forged.status == 200
    refusal = harness.wait_for(lambda: harness.standin.responses, "refusal")
    assert "sealed" in refusal[-1]["text"]

    harness.give_feedback(BEN)
    summary = harness.wait_for(harness.thread, "summary")[0]
    assert has_button(summary, "see_notes")
    harness.click(OUTSIDER, summary, "see_notes")
    harness.wait_for(lambda: len(harness.standin.responses) == 2, "outsider refusal")
    assert "Only members of" in harness.standin.responses[-1]["text"]
    assert harness.standin.open_view_for(OUTSIDER) is None

    harness.click(ORG, summary, "see_notes")
    notes = harness.wait_for(
        lambda: modal_named(harness.standin.open_view_for(ORG), "panel_notes"), "notes modal"
    )
    assert "&lt;!channel&gt; incident" in str(notes["blocks"])

    # Page to the second panelist, and back.
    def notes_page(n: int) -> dict[str, Any] | None:
        view = modal_named(harness.standin.open_view_for(ORG), "panel_notes")
        return view if view and f"Panelist {n} of 2" in str(view["blocks"]) else None

    [next_button] = [e for b in notes["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert next_button["action_id"] == "notes_page_next"
    harness.driver.block_action(
        ORG, "notes_page_next", value=next_button["value"], block_id="nav", view=notes
    )
    second = harness.wait_for(lambda: notes_page(2), "page 2")
    [back] = [e for b in second["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert back["action_id"] == "notes_page_prev"
    harness.driver.block_action(
        ORG, "notes_page_prev", value=back["value"], block_id="nav", view=second
    )
    harness.wait_for(lambda: notes_page(1), "page 1 again")
