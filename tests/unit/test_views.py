"""Every view and message validates through slack_sdk's models and the limits slack_sdk
does not check (50 blocks a message, plain_text_input max_length), with worst-case data.
tests/unit/test_views_worst_case.py runs every builder in bot/views at its worst through the
stand-in's own check, with the same worst-case round and feedback (tests/support/snapshots.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.domain.message import Message
from bot.domain.overview import Overview
from bot.domain.panel import Status
from bot.domain.stats import summarize
from bot.views.announcement import announcement, organizer_controls
from bot.views.brief import brief, feedback_button
from bot.views.common import actions
from bot.views.feedback_modal import (
    _closing_inputs,
    _criterion_inputs,
    feedback_modal,
    parse_feedback,
)
from bot.views.help import help_message
from bot.views.new_panel import new_panel_modal, panel_started_modal, parse_new_panel
from bot.views.notes import notes_modal
from bot.views.overview import home_view, status_message
from bot.views.panelists_modal import panelists_modal
from bot.views.summary import summary_message
from tests.slack.blockkit import message_errors, view_errors
from tests.support.snapshots import NOW, worst_feedback, worst_round
from tests.support.texts import EVIL, no_raw_mentions


def assert_message_ok(m: Message) -> None:
    assert m.text
    assert message_errors(m.blocks) == []


def assert_modal_ok(view: dict[str, Any]) -> None:
    assert view_errors(view) == []


def test_new_panel_modal() -> None:
    view = new_panel_modal(role_names=[f"Role {i}" for i in range(120)], now=NOW, channel_id="C1")
    assert_modal_ok(view)
    assert_modal_ok(new_panel_modal(role_names=[], candidate_name="Ada " * 100, now=NOW))


def test_panel_started_modal_warns_about_a_panel_of_one() -> None:
    view = panel_started_modal(EVIL, ["Depth"])
    assert_modal_ok(view)
    assert "Only one panelist" in str(view)
    no_raw_mentions(view)


@pytest.mark.parametrize("status", [Status.OPEN, Status.COMPLETE, Status.CLOSED, Status.CANCELLED])
def test_announcement_and_brief(status: str) -> None:
    r = worst_round(status, submitted=False)
    m = announcement(r)
    assert_message_ok(m)
    no_raw_mentions(m)
    assert "0 of 12 submitted" in str(m.blocks)
    for user in ("U00", "UOTHER"):
        b = brief(r, user)
        assert_message_ok(b)
        no_raw_mentions(b)


def test_announcement_never_shows_ratings() -> None:
    r = worst_round(Status.OPEN, submitted=True)
    text = str(announcement(r).blocks)
    assert "12 of 12 submitted" in text
    for word in ("Strong", "mean", "spread", "Recommendation"):
        assert word not in text


@pytest.mark.parametrize("focus_areas", [True, False])
@pytest.mark.parametrize("submitted", [True, False])
def test_announcement_and_brief_parts_built_once_are_what_the_blocks_render(
    focus_areas: bool, submitted: bool
) -> None:
    """The organizer's controls and the brief's feedback button are kept as JSON per round
    (built once); they must be exactly what slack_sdk renders from the blocks, the Focus
    areas button only while no feedback is in, and each message gets its own dicts."""
    r = worst_round(Status.OPEN, submitted=submitted)
    if focus_areas:
        first = r.panelists[0]
        r = replace(r, panelists=(replace(first, focus=("depth",)), *r.panelists[1:]))
    assert r.focus_assigned == focus_areas
    m = announcement(r)
    shown = focus_areas and not submitted
    assert m.blocks[-1] == organizer_controls(r.id, shown).to_dict()
    assert ("Focus areas" in str(m.blocks[-1])) == shown
    b = brief(r, r.panelists[0].user_id)
    assert actions(feedback_button(r.id, submitted)).to_dict() in b.blocks
    again, b_again = announcement(r), brief(r, r.panelists[0].user_id)
    assert again == m and again.blocks[-1] is not m.blocks[-1]
    assert b_again == b and all(x is not y for x, y in zip(b_again.blocks, b.blocks, strict=True))


def test_feedback_modal_empty_and_prefilled() -> None:
    r = worst_round(Status.OPEN)
    assert_modal_ok(feedback_modal(r))
    prefilled = feedback_modal(r, worst_feedback(r)[0].draft)
    assert_modal_ok(prefilled)
    no_raw_mentions(prefilled)


def test_feedback_modal_parts_built_once_are_what_the_blocks_render() -> None:
    """A first modal's criteria and closing inputs are kept as JSON (built once); they must
    be exactly what slack_sdk renders from the blocks, and each modal gets its own dicts."""
    r = worst_round(Status.OPEN)
    first = feedback_modal(r, None, r.panelists[0].user_id)
    focus = r.focus_of(r.panelists[0].user_id) if r.focus_assigned else ()
    ordered = [c for c in r.rubric.criteria if c.key in focus] + [
        c for c in r.rubric.criteria if c.key not in focus
    ]
    criteria = [
        block.to_dict()
        for c in ordered
        for block in _criterion_inputs(c, None, bool(focus) and c.key not in focus, True)
    ]
    closing = [block.to_dict() for block in _closing_inputs(None)]
    blocks = first["blocks"]
    start = blocks.index(criteria[0])
    assert blocks[start : start + len(criteria)] == criteria
    assert blocks[-len(closing) :] == closing
    again = feedback_modal(r, None, r.panelists[0].user_id)
    assert again == first and again["blocks"][-1] is not first["blocks"][-1]


def test_feedback_modal_reads_back_what_it_shows() -> None:
    r = worst_round(Status.OPEN)
    draft = worst_feedback(r)[0].draft
    view = feedback_modal(r, draft)
    values: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if "initial_option" in element:
            values[block["block_id"]] = {"value": {"selected_option": element["initial_option"]}}
        elif "initial_value" in element:
            values[block["block_id"]] = {"value": {"value": element["initial_value"]}}
    assert parse_feedback(r, values) == draft


def test_forged_feedback_values_read_as_missing() -> None:
    r = worst_round(Status.OPEN)
    forged = {
        "rating:depth": {"value": {"selected_option": {"value": "5"}}},
        "recommendation": {"value": {"selected_option": "4"}},
        "q:1": {"value": {"selected_option": {"value": "maybe"}}},
        "engagement": "nonsense",
    }
    draft = parse_feedback(r, forged)  # type: ignore[arg-type]
    assert draft.ratings == () and draft.recommendation == 0 and draft.question_answers == ()


@pytest.mark.parametrize("status", [Status.COMPLETE, Status.CLOSED])
def test_summary_worst_case(status: str) -> None:
    r = worst_round(status)
    fb = worst_feedback(r)
    m = summary_message(r, summarize(r.rubric, fb, list(r.questions)), fb)
    assert_message_ok(m)
    no_raw_mentions(m)
    tables = [b for b in m.blocks if b["type"] == "table"]
    assert len(tables) == 1 and len(tables[0]["rows"]) == 13


def test_partial_summary_names_who_did_not_submit() -> None:
    r = worst_round(Status.CLOSED, submitted=False)
    m = summary_message(r, summarize(r.rubric, [], list(r.questions)), [])
    assert_message_ok(m)
    assert "Partial" in str(m.blocks) and "<@U00>" in str(m.blocks)


def test_notes_modal_every_page() -> None:
    r = worst_round()
    fb = worst_feedback(r)
    for page in range(len(fb)):
        view = notes_modal(r, fb, page)
        assert_modal_ok(view)
        no_raw_mentions(view)
    assert_modal_ok(notes_modal(r, [], 0))


def test_overview_status_and_home() -> None:
    many = [worst_round(Status.OPEN, submitted=False) for _ in range(30)]
    o = Overview(owed=many, editable=many, organized=many)
    assert_message_ok(status_message(o))
    assert_modal_ok(home_view(o))
    empty = Overview(owed=[], editable=[], organized=[])
    assert "no open panels" in str(status_message(empty).blocks)
    assert_modal_ok(home_view(empty))


def test_help_and_panelists_modal() -> None:
    assert_message_ok(help_message())
    assert_modal_ok(panelists_modal(worst_round(Status.OPEN)))


def test_parse_new_panel_tolerates_forged_shapes() -> None:
    form = parse_new_panel(
        {
            "candidate": {"value": {"value": 42}},
            "panelists": {"value": {"selected_users": "U1"}},
            "channel": {"value": {"selected_conversation": ["C1"]}},
            "interview_at": {"value": {"selected_date_time": "soon"}},
        }
    )
    assert form.candidate_name == "" and form.panelist_ids == []
    assert form.channel_id is None and form.interview_at is None


def test_feedback_saved_says_how_many_are_still_to_go() -> None:
    from bot.views.feedback_modal import feedback_saved_modal

    open_round = worst_round(Status.OPEN, submitted=False)
    assert "12 still to go" in str(feedback_saved_modal(open_round))
    assert "summary" in str(feedback_saved_modal(worst_round(Status.COMPLETE)))
    assert_modal_ok(feedback_saved_modal(open_round))


def test_a_criterion_strong_no_is_called_out() -> None:
    r = worst_round()
    fb = worst_feedback(r)  # the first criterion is rated 1 by everyone
    text = str(summary_message(r, summarize(r.rubric, fb, []), fb).blocks)
    assert "a Strong no" in text


def test_worst_case_summary_stays_under_slacks_total_text_limit() -> None:
    """msg_blocks_too_long: Slack's undocumented cap on a message's total text (~12,000)."""
    r = worst_round()
    feedback = worst_feedback(r)
    message = summary_message(r, summarize(r.rubric, feedback, list(r.questions)), feedback)
    text = sum(len(str((block.get("text") or {}).get("text") or "")) for block in message.blocks)
    assert text < 9_000, text
