"""Focus areas: the proposal (every criterion covered by two panelists, loads even), the
organizer's changes until feedback starts, the feedback modal that requires the focus and
lets the rest be "not assessed", and every statistic treating not assessed as missing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.domain.calibration import Rated, agreement, calibrate
from bot.domain.comparison import FinishedPanel, build_comparison
from bot.domain.export import export_rows
from bot.domain.feedback import FeedbackDraft, PanelistFeedback, Rating
from bot.domain.focus import coverage, focus_errors, needed, propose_focus
from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW, Criterion, Rubric
from bot.domain.stats import summarize
from bot.views.focus_modal import focus_lines, focus_modal, focus_saved_modal
from bot.views.new_panel import panel_started_modal
from storage.models import Panelist, RatingRow
from tests.slack.blockkit import view_errors
from tests.slack.state import V
from tests.support.harness import ANA, BEN, CY, ORG, Harness, button, has_button
from tests.support.snapshots import worst_round
from tests.support.texts import no_raw_mentions, strings_in

KEYS = [
    c.key for c in SECOND_INTERVIEW.criteria
]  # depth team_fit scenario clarification motivation


def rubric_of(n: int) -> Rubric:
    return Rubric(
        "r",
        "R",
        tuple(
            Criterion(f"c{i}", f"Criterion {i}", "probe", ("a", "b", "c", "d")) for i in range(n)
        ),
    )


@given(st.integers(1, 8), st.integers(1, 12))
def test_every_criterion_is_covered_and_loads_are_even(criteria: int, panel: int) -> None:
    rubric = rubric_of(criteria)
    people = [f"U{i}" for i in range(panel)]
    proposed = propose_focus(rubric, people)
    assert min(coverage(rubric, proposed).values()) >= needed(panel)
    loads = [len(keys) for keys in proposed.values()]
    assert min(loads) >= 1 and max(loads) - min(loads) <= 1
    assert focus_errors(rubric, {}, proposed) == {}


def test_the_proposal_for_the_default_rubric_and_three_panelists() -> None:
    assert propose_focus(SECOND_INTERVIEW, ["A", "B", "C"]) == {
        "A": ("depth", "team_fit", "clarification", "motivation"),
        "B": ("depth", "scenario", "clarification"),
        "C": ("team_fit", "scenario", "motivation"),
    }


def test_a_changed_panel_keeps_what_each_had_and_fills_the_gaps() -> None:
    before = {"A": ("depth", "team_fit"), "B": ("depth", "scenario"), "C": ("team_fit",)}
    after = propose_focus(SECOND_INTERVIEW, ["A", "B", "D"], before)
    assert set(after["A"]) >= {"depth", "team_fit"} and set(after["B"]) >= {"depth", "scenario"}
    assert min(coverage(SECOND_INTERVIEW, after).values()) == 2


def test_the_organizers_assignment_is_checked() -> None:
    names = {"A": "Ana", "B": "Ben"}
    errors = focus_errors(SECOND_INTERVIEW, names, {"A": tuple(KEYS), "B": ()})
    assert errors == {
        "focus:A": "Each criterion needs 2 panelists focusing on it; too few on: Depth of skills "
        "and experience, Culture and team fit, Role-specific scenario, Clarification of "
        "round-1 concerns, Candidate's questions and motivation.",
        "focus:B": "Give Ben at least one focus.",
    }


# -- not assessed is missing, everywhere ---------------------------------------------------------
def rated(name: str, ratings: dict[str, int], rec: int = 3) -> PanelistFeedback:
    draft = FeedbackDraft(tuple(Rating(k, r, "seen") for k, r in ratings.items()), rec)
    return PanelistFeedback(f"U{name}", name, draft)


def test_not_assessed_is_missing_in_statistics_comparison_calibration_and_export() -> None:
    fb = [
        rated("A", {"depth": 4, "team_fit": 4}),
        rated("B", {"depth": 2}),  # team_fit not assessed
        rated("C", {"team_fit": 4}),  # depth not assessed
    ]
    s = summarize(SECOND_INTERVIEW, fb, [])
    by_key = {c.key: c for c in s.criteria}
    assert by_key["depth"].ratings == (4, 2) and by_key["depth"].mean == 3.0
    assert by_key["team_fit"].ratings == (4, 4) and not by_key["team_fit"].disagreement
    assert by_key["scenario"].mean is None
    assert s.overall == 3.5  # the criteria nobody rated are left out, not counted as 0

    snap = worst_round(Status.COMPLETE)
    panel = FinishedPanel(snap, tuple(fb), snap.due_at)
    row = build_comparison("R", [panel]).rows[0]
    assert row.means["depth"] == 3.0 and row.means["scenario"] is None

    facts = [
        Rated(1, f.user_id, "R", {r.criterion_key: r.rating for r in f.draft.ratings}, 3)
        for f in fb
    ]
    interviewers = calibrate(facts)
    # B rated depth only: compared with A alone on it (C did not assess it).
    assert interviewers["UB"].leniency == -2.0
    # Agreement: a gap where a panelist did not assess, never a rating; the same as if the
    # panelist had never been asked about that criterion.
    assert agreement(facts) == agreement([*facts, Rated(2, "UZ", "R", {}, 3)])

    rows = [r for r in export_rows([panel]) if r["panelist_id"] == "UB"]
    assert {r["criterion_key"]: r["rating"] for r in rows}["team_fit"] is None


# -- end to end ------------------------------------------------------------------------------------
def said(node: object) -> str:
    return "\n".join(strings_in(node))


def focus_of(h: Harness, round_id: int) -> dict[str, list[str]]:
    with h.db.read() as session:
        rows = session.execute(
            select(Panelist.user_id, Panelist.focus).where(Panelist.round_id == round_id)
        ).all()
    return {user: list(focus or []) for user, focus in rows}


def open_focus(h: Harness) -> dict[str, Any]:
    return h.click_for_modal(ORG, h.announcement() or {}, "focus_areas", "panel_focus")


def test_focus_areas_from_the_proposal_to_the_summary(harness: Harness) -> None:
    h = harness
    reply = h.submit_new_panel(h.open_new_panel())
    confirmation = said(reply.json()["view"])
    assert "*Focus areas* — each criterion has two panelists on it." in confirmation
    assert "• Ana Tanaka: Depth of skills and experience, Culture and team fit" in confirmation
    announcement = h.wait_for(h.announcement, "the announcement")
    round_id = int(button(announcement, "close_round")["value"])
    assert focus_of(h, round_id) == {
        ANA: ["depth", "team_fit", "clarification", "motivation"],
        BEN: ["depth", "scenario", "clarification"],
        CY: ["team_fit", "scenario", "motivation"],
    }
    h.wait_for(lambda: h.dm(ANA), "Ana's brief")
    assert "*Depth of skills and experience* (your focus)" in said(h.dm(ANA))

    # Only the organizer may change them, and only to a covering assignment.
    seen = len(h.standin.responses)
    h.click(ANA, announcement, "focus_areas")
    told = h.wait_for(lambda: h.standin.responses[seen:], "the refusal")
    assert "Only the organizer, <@UORG>, can change this round." in told[0]["text"]
    view = open_focus(h)
    thin = {
        f"focus:{ANA}": {"value": V.options(KEYS)},
        f"focus:{BEN}": {"value": V.options(["depth"])},
        f"focus:{CY}": {"value": V.options(["team_fit"])},
    }
    errors = h.driver.view_submission(ORG, view, thin).json()["errors"]
    assert errors == {
        f"focus:{ANA}": "Each criterion needs 2 panelists focusing on it; too few on: "
        "Role-specific scenario, Clarification of round-1 concerns, Candidate's questions "
        "and motivation."
    }
    chosen = {
        f"focus:{ANA}": {"value": V.options(["depth", "scenario", "motivation"])},
        f"focus:{BEN}": {"value": V.options(["depth", "team_fit", "clarification"])},
        f"focus:{CY}": {
            "value": V.options(["team_fit", "scenario", "clarification", "motivation"])
        },
    }
    saved = h.driver.view_submission(ORG, view, chosen).json()
    assert saved["response_action"] == "update", saved
    assert focus_of(h, round_id)[ANA] == ["depth", "scenario", "motivation"]
    h.wait_for(
        lambda: "*Role-specific scenario* (your focus)" in said(h.dm(ANA)), "Ana's new brief"
    )

    # Ana's modal: her focus first and required; the rest may be Not assessed.
    modal = h.open_feedback(ANA)
    inputs = [b for b in modal["blocks"] if b.get("block_id", "").startswith("rating:")]
    assert [b["block_id"] for b in inputs[:3]] == [
        "rating:depth",
        "rating:scenario",
        "rating:motivation",
    ]
    assert [b["optional"] for b in inputs] == [False, False, False, True, True]
    assert inputs[3]["element"]["options"][-1]["text"]["text"] == "Not assessed"
    values = h.feedback_values(modal)
    values["rating:team_fit"] = {"value": V.radio("na")}
    values["rating:clarification"] = {"value": V.radio("na")}
    assert h.driver.view_submission(ANA, modal, values).json()["response_action"] == "update"
    with h.db.read() as session:
        keys = session.scalars(select(RatingRow.criterion_key)).all()
    assert sorted(keys) == ["depth", "motivation", "scenario"]

    # Feedback has started: the focus areas are fixed.
    h.wait_for(
        lambda: not has_button(h.announcement() or {}, "focus_areas"), "no Focus areas button"
    )
    seen = len(h.standin.responses)
    h.click(ORG, announcement, "focus_areas")
    told = h.wait_for(lambda: h.standin.responses[seen:], "the answer")
    assert "focus areas are fixed now" in told[0]["text"]

    for user in (BEN, CY):
        h.give_feedback(user)
    summary = said(h.wait_for(h.thread, "the summary")[0])
    assert "*Culture and team fit* — mean 3.0 · spread 0 · rated by 2 of 3" in summary
    assert "*Depth of skills and experience* — mean 3.0 · spread 0 · rated by 3 of 3" in summary
    assert "rated by fewer than 2" not in summary


def test_a_criterion_rated_by_one_is_warned_about(harness: Harness) -> None:
    h = harness
    h.start_round(panelists=[ANA, BEN])
    # A panel of two: both cover everything, so nothing may be left not assessed.
    modal = h.open_feedback(ANA)
    ratings = [b for b in modal["blocks"] if b.get("block_id", "").startswith("rating:")]
    assert ratings and not any(b["optional"] for b in ratings)
    h.give_feedback(ANA)
    h.click(ORG, h.announcement() or {}, "close_round")  # closed before Ben submits
    summary = said(h.wait_for(h.thread, "the summary")[0])
    assert "rated by 1 of 1  :warning: rated by fewer than 2" in summary


def test_the_focus_views_at_their_worst() -> None:
    """Twelve hostile names, every criterion for each: the modal, the saved notice and the
    New panel confirmation stay within Slack's limits, escaped where mrkdwn."""
    r = worst_round(Status.OPEN, submitted=False)
    r = replace(r, panelists=tuple(replace(p, focus=tuple(KEYS)) for p in r.panelists))
    for view in (
        focus_modal(r),
        focus_saved_modal(r),
        panel_started_modal(r.candidate_name, [], "general", focus_lines(r)),
    ):
        assert view_errors(view) == []
        no_raw_mentions(view)
