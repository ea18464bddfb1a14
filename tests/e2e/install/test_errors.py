"""Failures reach the user as words and an error id, never as a stack trace or silence."""

from __future__ import annotations

import logging

import pytest

from tests.support.harness import ANA, ORG, Harness, modal_named


def test_unexpected_failure_gives_the_user_an_error_id(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness.start_round()
    harness.standin.fail_next("views.open", error="internal_error")
    with caplog.at_level(logging.ERROR):
        harness.click(ANA, harness.dm(ANA) or {}, "give_feedback")
        told = harness.wait_for(lambda: harness.standin.responses, "the apology")[-1]
    assert "error id" in told["text"] and told["response_type"] == "ephemeral"
    error_id = told["text"].rsplit("`", 2)[-2]
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert "Traceback" not in told["text"]


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "actions": [{"action_id": "give_feedback"}]},
        {"type": "block_actions", "actions": [{"action_id": "close_round", "value": "-1"}]},
        {"type": "block_actions", "actions": [{"action_id": "see_notes", "value": "9" * 40}]},
        {
            "type": "view_submission",
            "view": {"id": "V1", "type": "modal", "callback_id": "panel_feedback"},
        },
        {
            "type": "view_submission",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "panel_panelists",
                "private_metadata": "[]",
            },
        },
    ],
)
def test_malformed_payloads_get_an_answer_not_a_5xx(
    harness: Harness, payload: dict[str, object]
) -> None:
    base = harness.driver._interaction(ORG, str(payload["type"]))
    reply = harness.driver.post_payload({**base, **payload})
    assert reply.status == 200
    assert "Traceback" not in reply.body
    # The answer is words the person can read: in the modal they submitted, or, for a
    # click with no message to reply to, in a modal opened for them.
    if payload["type"] == "view_submission":
        told = reply.json()["view"]
    else:
        told = harness.wait_for(
            lambda: modal_named(harness.standin.open_view_for(ORG), "panel_notice"), "notice"
        )
    assert "doesn't exist any more" in str(told["blocks"])
