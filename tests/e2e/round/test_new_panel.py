"""Starting a round: the three ways in, and inline errors for every bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Round
from tests.support.harness import (
    ANA,
    BEN,
    DEPLOYBOT,
    GONE,
    HIRING,
    NO_BOT_CHANNEL,
    ORG,
    PRIVATE_NO_BOT,
    Harness,
    modal_named,
)


def rounds_stored(h: Harness) -> int:
    with h.db.read() as session:
        return session.scalar(select(func.count()).select_from(Round)) or 0


def errors_of(reply: Any) -> dict[str, str]:
    body = reply.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


def test_command_prefills_candidate_and_channel(harness: Harness) -> None:
    view = harness.open_new_panel("new Ada Lovelace")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["candidate"]["element"]["initial_value"] == "Ada Lovelace"
    assert blocks["channel"]["element"]["initial_conversation"] == HIRING


@pytest.mark.parametrize("text", ["", "  NEW  "])
def test_bare_command_opens_the_modal(harness: Harness, text: str) -> None:
    harness.open_new_panel(text)


def test_global_shortcut_opens_the_modal(harness: Harness) -> None:
    reply = harness.driver.shortcut(ORG, "start_panel")
    assert reply.status == 200
    harness.wait_for(lambda: modal_named(harness.standin.open_view_for(ORG), "panel_new"), "modal")


@pytest.mark.parametrize(
    ("changes", "block", "words"),
    [
        ({"candidate": "   "}, "candidate", "candidate's name"),
        ({"panelists": [ANA, DEPLOYBOT]}, "panelists", "Bots can't give feedback"),
        ({"panelists": [GONE]}, "panelists", "Deactivated"),
        ({"interview_at": 1_900_000_000, "due_at": 1_899_999_000}, "due_at", "after the interview"),
        ({"channel": NO_BOT_CHANNEL}, "channel", "Invite @Panelbot to #random first"),
        ({"channel": PRIVATE_NO_BOT}, "channel", "private channel first"),
        ({"questions": "\n".join(f"q{i}" for i in range(11))}, "questions", "at most 10"),
    ],
)
def test_inline_errors(harness: Harness, changes: dict[str, Any], block: str, words: str) -> None:
    view = harness.open_new_panel()
    reply = harness.submit_new_panel(view, **changes)
    errors = errors_of(reply)
    assert block in errors, errors
    assert words in errors[block]
    assert rounds_stored(harness) == 0
    assert harness.standin.messages_in(HIRING) == []


def test_no_panelists_from_a_forged_payload(harness: Harness) -> None:
    """Slack's client requires a panelist; a forged submission without one still gets words."""
    view = harness.open_new_panel()
    payload = harness.driver._interaction(ORG, "view_submission")
    payload["view"] = harness.standin.view_payload(
        view["id"],
        {
            "candidate": {"value": {"type": "plain_text_input", "value": "Ada"}},
            "new_role": {"value": {"type": "plain_text_input", "value": "Engineer"}},
            "channel": {"value": {"type": "conversations_select", "selected_conversation": HIRING}},
            "interview_at": {"value": {"type": "datetimepicker", "selected_date_time": 2e9}},
        },
    )
    reply = harness.driver.post_payload(payload)
    assert errors_of(reply)["panelists"] == "Pick at least one panelist."
    assert rounds_stored(harness) == 0


def test_panel_of_one_is_warned_and_still_started(harness: Harness) -> None:
    view = harness.open_new_panel()
    reply = harness.submit_new_panel(view, panelists=[BEN])
    confirmation = reply.json()["view"]
    assert "Only one panelist" in str(confirmation["blocks"])
    harness.wait_for(harness.announcement, "announcement")
    assert "0 of 1 submitted" in str((harness.announcement() or {})["blocks"])


def test_retried_submission_starts_one_round(harness: Harness) -> None:
    view = harness.open_new_panel()
    payload = harness.submission(ORG, view, harness.new_panel_values())
    # The same submission delivered twice (a double click, a network redelivery).
    first = harness.driver.post_payload(payload)
    again = harness.driver.post_payload(payload)
    assert first.json()["response_action"] == again.json()["response_action"] == "update"
    harness.wait_for(harness.announcement, "announcement")
    harness.settle()  # a wrongly-started second round would have shown itself by now
    assert rounds_stored(harness) == 1
    assert len(harness.standin.messages_in(HIRING)) == 1
    assert len(harness.standin.messages_in(f"D{ANA}")) == 1
    assert "Ada Lovelace" in str(again.json())


def test_candidate_name_cannot_ping(harness: Harness) -> None:
    harness.start_round(candidate="<!channel> & <@UORG>")
    announcement = harness.announcement() or {}
    assert "<!channel>" not in announcement["text"]
    assert "&lt;!channel&gt; &amp; &lt;@UORG&gt;" in str(announcement["blocks"])


def test_existing_roles_are_offered(harness: Harness) -> None:
    harness.start_round(role="Data Scientist")
    view = harness.open_new_panel()
    roles = next(b for b in view["blocks"] if b.get("block_id") == "role")
    assert [o["value"] for o in roles["element"]["options"]] == ["Data Scientist"]


def test_a_public_hiring_channel_is_pointed_out(harness: Harness) -> None:
    harness.standin.add_channel("C0PUBLIC", "general-hiring", members=[ORG, ANA, BEN])
    view = harness.open_new_panel()
    reply = harness.submit_new_panel(view, channel="C0PUBLIC", panelists=[ANA, BEN])
    assert "#general-hiring is a public channel" in str(reply.json()["view"]["blocks"])
    private = harness.submit_new_panel(harness.open_new_panel(), panelists=[ANA, BEN])
    assert "public channel" not in str(private.json()["view"]["blocks"])
