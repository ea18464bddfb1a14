"""Two workspaces installed through OAuth, driven through the real request path: a request
from team A can never read or change team B's rounds. Team A's people press buttons and
submit views whose values or private_metadata carry B's round ids and are told the round
does not exist, while nothing of B changes; /panel status, the Home tab, comparisons and
exports show each team only its own candidates. (Both teams use the same role name.)"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bot.views import ids
from storage.models import DueWork, Feedback, Outbox, Panelist, Round
from tests.slack.state import V
from tests.support.harness import ANA, ORG, TEAM_A, TEAM_B, Harness, modal_named
from tests.support.oauth_harness import install

NOT_FOUND = "That round doesn't exist any more."


@pytest.fixture
def teams(oauth_harness: Harness) -> tuple[Harness, Harness]:
    h = oauth_harness
    for team in (TEAM_A, TEAM_B):
        assert install(h, team).status == 200
    return h, h.for_team(TEAM_B)


def state_of(h: Harness, team_id: str) -> dict[str, Any]:
    """Everything a team's rounds are made of, to compare before and after."""
    with h.db.read() as session:

        def rows(model: Any, *columns: str) -> list[tuple[Any, ...]]:
            found = session.scalars(select(model).where(model.team_id == team_id))
            return sorted(tuple(str(getattr(r, c)) for c in columns) for r in found)

        return {
            "rounds": rows(Round, "id", "status", "closed_at", "summary_claimed_at", "due_at"),
            "panelists": rows(Panelist, "round_id", "user_id", "active", "removed_at"),
            "feedback": rows(Feedback, "round_id", "user_id", "revision"),
            "outbox": rows(Outbox, "key", "status", "generation"),
            "due_work": rows(DueWork, "key", "status", "due_at"),
        }


def comparisons(h: Harness) -> list[dict[str, Any]]:
    """The role comparisons posted in the team's hiring channel."""
    return [
        m
        for m in h.standin.messages_in(h.team.hiring)
        if str(m.get("text", "")).startswith("Comparison for")
    ]


def told(h: Harness, before: int) -> str:
    """The ephemeral answer posted to the clicked message's response_url."""
    posts = h.wait_for(lambda: h.standin.response_posts[before:], "the answer")
    return str(posts[-1][1].get("text"))


def rounds_in_both(a: Harness, b: Harness) -> tuple[int, dict[str, Any]]:
    """A round in each workspace: B's round id, and B's state before A's people try it."""
    theirs = b.start_round(candidate="Barbara Liskov")
    a.start_round(candidate="Ada Lovelace")
    return theirs, state_of(a, TEAM_B.team_id)


def test_buttons_carrying_another_teams_round_change_nothing(
    teams: tuple[Harness, Harness],
) -> None:
    a, b = teams
    theirs, b_before = rounds_in_both(a, b)
    messages_before = len(a.standin.calls_to("chat.postMessage"))
    views_before = len(a.standin.views)
    announcement, brief = a.announcement(), a.dm(ANA)
    assert announcement is not None and brief is not None
    presses = [
        (ORG, announcement, ids.CLOSE_ROUND, str(theirs)),
        (ORG, announcement, ids.CANCEL_ROUND, str(theirs)),
        (ORG, announcement, ids.EDIT_PANELISTS, str(theirs)),
        (ANA, brief, ids.GIVE_FEEDBACK, str(theirs)),
        (ORG, announcement, ids.SEE_NOTES, str(theirs)),
        (ORG, announcement, ids.COMPARE_ROLE, str(theirs)),
        (ANA, brief, ids.NUDGE_SNOOZE, f"{theirs}:2"),
        (ANA, brief, ids.NUDGE_NOT_ATTENDED, str(theirs)),
        (ORG, announcement, ids.NUDGE_NOW, str(theirs)),
    ]
    for user, message, action, value in presses:
        before = len(a.standin.response_posts)
        reply = a.driver.block_action(user, action, value=value, message=message)
        assert reply.status == 200, action
        assert told(a, before) == NOT_FOUND, action
    assert len(a.standin.views) == views_before  # no modal opened on B's round
    assert state_of(a, TEAM_B.team_id) == b_before
    assert len(a.standin.calls_to("chat.postMessage")) == messages_before


def resubmit_for(h: Harness, user: str, view: dict[str, Any], values: Any, round_id: int) -> Any:
    """Submit `view` as if its private_metadata named `round_id`; the bot's ack."""
    payload = h.submission(user, view, values)
    metadata = json.loads(payload["view"]["private_metadata"])
    payload["view"]["private_metadata"] = json.dumps({**metadata, "round": round_id})
    reply = h.driver.post_payload(payload)
    assert reply.status == 200, reply.body
    return reply.json()


def test_views_carrying_another_teams_round_change_nothing(
    teams: tuple[Harness, Harness],
) -> None:
    a, b = teams
    theirs, b_before = rounds_in_both(a, b)

    view = a.open_feedback(ANA)
    ack = resubmit_for(a, ANA, view, a.feedback_values(view), theirs)
    assert ack["response_action"] == "update"
    assert ack["view"]["title"]["text"] == "Round not found"

    announcement = a.announcement()
    assert announcement is not None
    a.click(ORG, announcement, ids.EDIT_PANELISTS)
    panel = a.wait_for(
        lambda: modal_named(a.standin.open_view_for(ORG), ids.PANELISTS), "the panel modal"
    )
    values = {"panelists": {"value": V.users([ANA])}}
    ack = resubmit_for(a, ORG, panel, values, theirs)
    assert ack["view"]["title"]["text"] == "Round not found"
    # Nor can A put B's people on its own panel: to A's token they don't exist.
    refused = a.driver.view_submission(
        ORG, panel, {"panelists": {"value": V.users([ANA, TEAM_B.panel[0]])}}
    )
    assert refused.json()["response_action"] == "errors", refused.body
    assert state_of(a, TEAM_B.team_id) == b_before


def test_status_home_compare_and_export_show_only_the_own_team(
    teams: tuple[Harness, Harness],
) -> None:
    a, b = teams
    a.start_round(candidate="Ada Lovelace")
    b.start_round(candidate="Barbara Liskov")
    mine = {TEAM_A.team_id: "Ada Lovelace", TEAM_B.team_id: "Barbara Liskov"}
    for h, other in ((a, b), (b, a)):
        own, foreign = mine[h.team.team_id], mine[other.team.team_id]
        status = h.driver.command(h.team.org, "status")
        assert own in status.body and foreign not in status.body
        assert h.driver.event({"type": "app_home_opened", "user": h.team.org}).status == 200
        home = h.wait_for(partial(h.standin.home_views.get, h.team.org), "the Home tab")
        assert own in str(home["blocks"]) and foreign not in str(home["blocks"])

    # Both panels finish; each team compares and exports "Staff Engineer".
    for h in (a, b):
        for panelist in h.team.panel:
            h.give_feedback(panelist)
        h.wait_for(h.thread, "the summary")
    for h, other in ((a, b), (b, a)):
        own, foreign = mine[h.team.team_id], mine[other.team.team_id]
        h.driver.command(h.team.org, "compare Staff Engineer", channel_id=h.team.hiring)
        compared = h.wait_for(partial(comparisons, h), "the comparison")
        assert own in str(compared[0]["blocks"]) and foreign not in str(compared[0]["blocks"])
        h.driver.command(h.team.org, "export Staff Engineer", channel_id=h.team.hiring)
        [export] = h.wait_for(partial(h.standin.files_in, h.team.org), "the export")
        content = export["content"].decode()
        assert own in content and foreign not in content
