"""A role's own rubric through the real HTTP app: /panel rubric opens the modal, a save is a
new version that the next rounds use (rounds already started keep theirs), inline
validation, who may edit, and two people editing at once."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from bot.domain.rubric_rules import GENERIC_ANCHOR_2, GENERIC_ANCHOR_3, MAX_CRITERIA
from bot.services.rubrics import CONCURRENT_EDIT
from storage.models import Role, RoleRubric
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import (
    ANA,
    DEE,
    HIRING,
    NO_BOT_CHANNEL,
    ORG,
    OUTSIDER,
    Harness,
    modal_named,
)
from tests.support.slack_requests import ephemeral_select_payload

ADMIN = "UADMIN"
NOT_ALLOWED = "Only organizers of Staff Engineer panels and workspace admins can edit its rubric."
BUILT_IN_NAMES = [c.name for c in SECOND_INTERVIEW.criteria]
SYSTEM_DESIGN = {
    "c5_name": "System design",
    "c5_probe": "Have them design a rate limiter; push on failure modes.",
    "c5_anchor_1": "No structure; jumps to tools",
    "c5_anchor_4": "Clear trade-offs, owns the failure modes",
}


# -- helpers -------------------------------------------------------------------------------
def rubric_command(
    h: Harness, role: str, *, user: str = ORG, channel: str = HIRING
) -> dict[str, Any] | None:
    """`/panel rubric <role>`: the modal it opens for `user`, or None when it answered with
    an ephemeral message instead (see `h.standin.responses`)."""
    before_view = h.open_modal_id(user)
    before = len(h.standin.responses)
    name = h.channel_name(channel)
    reply = h.driver.command(user, f"rubric {role}", channel_id=channel, channel_name=name)
    assert reply.status == 200, reply.body

    def answered() -> dict[str, Any] | bool | None:
        return h.fresh_modal(user, "panel_rubric", before_view) or len(h.standin.responses) > before

    found = h.wait_for(answered, f"the answer to /panel rubric {role}")
    return found if isinstance(found, dict) else None


def last_response(h: Harness) -> dict[str, Any]:
    answer = h.standin.responses[-1]
    assert answer.get("response_type") == "ephemeral", answer
    return dict(answer)


def text_values(view: dict[str, Any], **fields: str) -> dict[str, dict[str, Any]]:
    """The modal's text inputs `fields` (block id → text) as the user typed them."""
    return {block_id: {"value": V.text(text)} for block_id, text in fields.items()}


def initial(view: dict[str, Any], block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    value = block["element"].get("initial_value")
    return None if value is None else str(value)


def save(h: Harness, user: str, view: dict[str, Any], **fields: str) -> Reply:
    reply = h.driver.view_submission(user, view, text_values(view, **fields))
    assert reply.status == 200, reply.body
    return reply


def errors_of(reply: Reply) -> dict[str, str]:
    body = reply.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


def versions(h: Harness, role: str) -> list[tuple[int, Rubric, str]]:
    with h.db.read() as session:
        rows = session.execute(
            select(RoleRubric.version, RoleRubric.rubric, RoleRubric.created_by)
            .join(Role, Role.id == RoleRubric.role_id)
            .where(Role.name_key == role.casefold())
            .order_by(RoleRubric.version)
        ).all()
    return [(v, Rubric.from_data(data), by) for v, data, by in rows]


def mrkdwn(view: dict[str, Any]) -> str:
    return "\n".join(str(b["text"]["text"]) for b in view["blocks"] if b.get("type") == "section")


def brief_of(h: Harness, user: str, candidate: str) -> dict[str, Any]:
    found = [m for m in h.standin.messages_in(f"D{user}") if candidate in json.dumps(m["blocks"])]
    assert len(found) == 1, candidate
    return found[0]


def feedback_modal_for(h: Harness, user: str, candidate: str) -> dict[str, Any]:
    view = h.click_for_modal(user, brief_of(h, user, candidate), "give_feedback", "panel_feedback")
    h.standin.close_views(user)
    return view


def rated_keys(view: dict[str, Any]) -> list[str]:
    return [
        b["block_id"].removeprefix("rating:")
        for b in view["blocks"]
        if b.get("block_id", "").startswith("rating:")
    ]


# -- 1. edit, save as version 1, used by the next round only --------------------------------
def test_a_saved_rubric_is_used_by_the_next_rounds_only(harness: Harness) -> None:
    h = harness
    h.start_round(candidate="Before Edit")

    view = rubric_command(h, "Staff Engineer")
    assert view is not None and view["callback_id"] == "panel_rubric"
    role_id = json.loads(view["private_metadata"])["role"]
    assert json.loads(view["private_metadata"]) == {"role": role_id, "version": 0}
    assert "has no rubric of its own yet" in mrkdwn(view)
    # Prefilled with the built-in criteria; the other slots empty.
    for slot, criterion in enumerate(SECOND_INTERVIEW.criteria):
        assert initial(view, f"c{slot}_name") == criterion.name
        assert initial(view, f"c{slot}_probe") == criterion.probe
        assert initial(view, f"c{slot}_anchor_1") == criterion.anchors[0]
        assert initial(view, f"c{slot}_anchor_4") == criterion.anchors[3]
    for slot in range(len(SECOND_INTERVIEW.criteria), MAX_CRITERIA):
        assert initial(view, f"c{slot}_name") is None

    # "Culture and team fit" becomes "Collaboration"; "System design" is added.
    reply = save(h, ORG, view, c1_name="Collaboration", **SYSTEM_DESIGN)
    answer = reply.json()
    assert answer["response_action"] == "update", answer
    shown = h.standin.open_view_for(ORG) or {}
    assert shown["callback_id"] == "panel_notice"
    assert "saved as *version 1*, with 6 criteria" in mrkdwn(shown)
    assert "• Collaboration" in mrkdwn(shown) and "• System design" in mrkdwn(shown)

    [(version, rubric, by)] = versions(h, "Staff Engineer")
    assert (version, by, rubric.version) == (1, ORG, 1)
    assert [c.key for c in rubric.criteria] == [
        "depth",
        "collaboration",
        "scenario",
        "clarification",
        "motivation",
        "system_design",
    ]
    # A kept name keeps its anchors 2 and 3; a new name gets generic ones.
    assert rubric.criteria[0].anchors == SECOND_INTERVIEW.criteria[0].anchors
    assert rubric.criteria[1].anchors[1:3] == (GENERIC_ANCHOR_2, GENERIC_ANCHOR_3)
    assert rubric.criteria[5].probe == SYSTEM_DESIGN["c5_probe"]

    # The next round for the role uses version 1: its brief and its feedback modal.
    h.start_round(candidate="After Edit")
    after = json.dumps(brief_of(h, ANA, "After Edit")["blocks"])
    assert "*System design*" in after and "*Collaboration*" in after
    assert "Culture and team fit" not in after
    # (Ana's focus areas come first in her modal: compared as sets.)
    assert sorted(rated_keys(feedback_modal_for(h, ANA, "After Edit"))) == sorted(
        ["depth", "collaboration", "scenario", "clarification", "motivation", "system_design"]
    )
    # The round started before keeps the rubric it began with.
    before = json.dumps(brief_of(h, ANA, "Before Edit")["blocks"])
    assert "*Culture and team fit*" in before and "System design" not in before
    assert sorted(rated_keys(feedback_modal_for(h, ANA, "Before Edit"))) == sorted(
        c.key for c in SECOND_INTERVIEW.criteria
    )

    # Editing again starts from version 1.
    again = rubric_command(h, "staff engineer")
    assert again is not None
    assert json.loads(again["private_metadata"]) == {"role": role_id, "version": 1}
    assert "version 1" in mrkdwn(again)
    assert initial(again, "c1_name") == "Collaboration"
    assert initial(again, "c5_name") == "System design"
    assert h.standin.warnings == []


def test_a_role_picked_from_several_opens_its_rubric(harness: Harness) -> None:
    h = harness
    seed_finished_rounds(h.db, 1, role="Staff Engineer")
    seed_finished_rounds(h.db, 1, role="Staff Designer")
    assert rubric_command(h, "staff") is None
    picker = last_response(h)
    assert picker["text"] == "Pick a role to edit the rubric of"
    [actions] = [b for b in picker["blocks"] if b["type"] == "actions"]
    [menu] = actions["elements"]
    assert (menu["type"], menu["action_id"]) == ("static_select", "rubric_pick")
    assert [o["text"]["text"] for o in menu["options"]] == ["Staff Designer", "Staff Engineer"]

    # Choosing from the ephemeral picker (not a stored message: the payload is built here).
    payload = ephemeral_select_payload(
        h, ORG, "rubric_pick", menu["options"][0], block_id=actions.get("block_id", "Xq7+B")
    )
    assert h.driver.post_payload(payload).status == 200
    view = h.wait_for(
        lambda: modal_named(h.standin.open_view_for(ORG), "panel_rubric"), "the rubric modal"
    )
    assert view["title"]["text"] == "Rubric: Staff Designer"
    assert save(h, ORG, view, c0_name="Craft").json()["response_action"] == "update"
    assert [v for v, _, _ in versions(h, "Staff Designer")] == [1]
    assert versions(h, "Staff Engineer") == []


# -- 2. inline validation; nothing saved -----------------------------------------------------
def test_invalid_rubrics_are_refused_inline(harness: Harness) -> None:
    h = harness
    view = rubric_command(h, "Data Scientist")
    assert view is not None

    # A slot partly filled: each missing field is named.
    errors = errors_of(save(h, ORG, view, c5_name="System design"))
    assert errors == {
        "c5_probe": "Say what panelists should probe.",
        "c5_anchor_1": "Describe what a 1 (Strong no) looks like.",
        "c5_anchor_4": "Describe what a 4 (Strong yes) looks like.",
    }
    assert (h.standin.open_view_for(ORG) or {})["id"] == view["id"]  # still open
    assert h.standin.views[view["id"]]["errors"] == errors

    # Two criteria with one name (case and spacing don't count).
    errors = errors_of(save(h, ORG, view, c3_name="depth of  SKILLS and experience"))
    assert errors == {
        "c3_name": "Criterion 1 is already named “Depth of skills and experience”; "
        "give each criterion its own name."
    }

    # Everything emptied.
    empty = {
        f"c{slot}_{field}": ""
        for slot in range(MAX_CRITERIA)
        for field in ("name", "probe", "anchor_1", "anchor_4")
    }
    assert errors_of(save(h, ORG, view, **empty)) == {
        "c0_name": "A rubric needs at least one criterion."
    }
    assert versions(h, "Data Scientist") == []

    # Put right, the same modal saves.
    reply = save(h, ORG, view, **SYSTEM_DESIGN)
    assert reply.json()["response_action"] == "update"
    [(version, rubric, _)] = versions(h, "Data Scientist")
    assert version == 1 and len(rubric.criteria) == 6
    assert h.standin.warnings == []


# -- 3. who may edit ----------------------------------------------------------------------------
def test_who_may_edit_a_rubric(harness: Harness) -> None:
    h = harness
    h.standin.add_user(ADMIN, "adam", real_name="Adam Admin", is_admin=True)
    seed_finished_rounds(h.db, 1)  # Staff Engineer has a round, organized by ORG

    # Neither an outsider nor a hiring-channel member who organized none of its rounds.
    assert rubric_command(h, "Staff Engineer", user=OUTSIDER, channel=NO_BOT_CHANNEL) is None
    assert last_response(h)["text"] == NOT_ALLOWED
    assert rubric_command(h, "staff engineer", user=DEE) is None
    assert last_response(h)["text"] == NOT_ALLOWED
    assert h.standin.open_view_for(OUTSIDER) is None and h.standin.open_view_for(DEE) is None

    # A workspace admin may.
    view = rubric_command(h, "Staff Engineer", user=ADMIN)
    assert view is not None
    assert save(h, ADMIN, view, c0_name="Depth").json()["response_action"] == "update"
    assert [(v, by) for v, _, by in versions(h, "Staff Engineer")] == [(1, ADMIN)]

    # A role nobody has interviewed for yet: created, and anyone may set its rubric up.
    view = rubric_command(h, "Data Scientist", user=OUTSIDER, channel=NO_BOT_CHANNEL)
    assert view is not None
    assert "*Data Scientist* has no rubric of its own yet" in mrkdwn(view)
    with h.db.read() as session:
        assert session.scalar(select(Role.name).where(Role.name_key == "data scientist"))
    assert save(h, OUTSIDER, view, **SYSTEM_DESIGN).json()["response_action"] == "update"
    assert [(v, by) for v, _, by in versions(h, "Data Scientist")] == [(1, OUTSIDER)]

    # Once the role has a round, an outsider's open modal can no longer save: told in it.
    view = rubric_command(h, "Product Manager", user=OUTSIDER, channel=NO_BOT_CHANNEL)
    assert view is not None
    h.start_round(role="Product Manager", candidate="Pat Doe")
    reply = save(h, OUTSIDER, view, c0_name="Product sense")
    answer = reply.json()
    assert answer["response_action"] == "update"
    notice = h.standin.open_view_for(OUTSIDER) or {}
    assert notice["callback_id"] == "panel_notice"
    assert notice["title"]["text"] == "Not allowed"
    assert mrkdwn(notice) == (
        "Only organizers of Product Manager panels and workspace admins can edit its rubric."
    )
    assert versions(h, "Product Manager") == []
    # The round's organizer still may.
    view = rubric_command(h, "Product Manager")
    assert view is not None
    assert save(h, ORG, view, c0_name="Product sense").json()["response_action"] == "update"
    assert [(v, by) for v, _, by in versions(h, "Product Manager")] == [(1, ORG)]
    assert h.standin.warnings == []


# -- 4. two people editing at once --------------------------------------------------------------
def test_the_second_of_two_concurrent_edits_is_refused(harness: Harness) -> None:
    h = harness
    h.standin.add_user(ADMIN, "adam", real_name="Adam Admin", is_admin=True)
    seed_finished_rounds(h.db, 1)
    mine = rubric_command(h, "Staff Engineer")
    theirs = rubric_command(h, "Staff Engineer", user=ADMIN)
    assert mine is not None and theirs is not None

    assert save(h, ORG, mine, c0_name="Depth").json()["response_action"] == "update"
    errors = errors_of(save(h, ADMIN, theirs, c0_name="Technical depth"))
    assert errors == {"c0_name": CONCURRENT_EDIT}
    [(version, rubric, by)] = versions(h, "Staff Engineer")
    assert (version, by, rubric.criteria[0].name) == (1, ORG, "Depth")

    # Started again, the edit builds on version 1.
    again = rubric_command(h, "Staff Engineer", user=ADMIN)
    assert again is not None and initial(again, "c0_name") == "Depth"
    assert save(h, ADMIN, again, c0_name="Technical depth").json()["response_action"] == "update"
    assert [(v, by, r.criteria[0].name) for v, r, by in versions(h, "Staff Engineer")] == [
        (1, ORG, "Depth"),
        (2, ADMIN, "Technical depth"),
    ]
    # The key survives renames only when the name is kept: "Technical depth" is new.
    assert versions(h, "Staff Engineer")[1][1].criteria[0].key == "technical_depth"


def test_role_names_are_escaped_in_the_refusal(harness: Harness) -> None:
    h = harness
    seed_finished_rounds(h.db, 1, role="R&D <Infra> <!here>")
    assert rubric_command(h, "infra", user=DEE) is None
    assert last_response(h)["text"] == (
        "Only organizers of R&amp;D &lt;Infra&gt; &lt;!here&gt; panels and workspace admins "
        "can edit its rubric."
    )
