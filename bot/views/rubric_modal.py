"""The "Edit rubric" modal for a role: up to 8 criteria, each a name, what to probe, and
what a 1 and a 4 look like. Required fields are checked server-side (rubric_rules), so a
slot left wholly blank is simply dropped."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

from bot.codec import RubricMeta
from bot.domain.rubric import ANCHOR_MAX, SCALE, SECOND_INTERVIEW, Rubric
from bot.domain.rubric_rules import (
    MAX_CRITERIA,
    NAME_MAX,
    PROBE_MAX,
    CriterionDraft,
    field_id,
)
from bot.text import escape
from bot.views import ids
from bot.views.common import bullet_list, context, header, md, modal, text_input
from bot.views.state import StateValues, text_value

# TODO(ids): move to bot/views/ids.py as ids.RUBRIC.
RUBRIC_MODAL = ids.RUBRIC

VERSIONING_NOTE = (
    "Rounds already started keep the rubric they began with; comparisons only compare "
    "rounds on the same version."
)


def rubric_modal(
    role_id: int, role_name: str, current: Rubric | None, *, version: int
) -> dict[str, Any]:
    """`version` is the version being edited, echoed back to detect concurrent edits."""
    start = current or SECOND_INTERVIEW
    drafts = [CriterionDraft.of(c) for c in start.criteria[:MAX_CRITERIA]]
    intro = (
        f"*{escape(role_name)}* · version {version}"
        if current
        else f"*{escape(role_name)}* has no rubric of its own yet; this starts from the "
        f"built-in *{escape(SECOND_INTERVIEW.name)}* rubric."
    )
    blocks: list[Block] = [
        md(intro),
        context(
            f"Up to {MAX_CRITERIA} criteria; leave a whole criterion blank to drop it. "
            f"Anchors for 2 ({SCALE[2]}) and 3 ({SCALE[3]}) are kept from the criterion "
            "with the same name, or generic for a new one. Keeping a name keeps its "
            "ratings comparable.",
            VERSIONING_NOTE,
        ),
    ]
    for slot in range(MAX_CRITERIA):
        given = drafts[slot] if slot < len(drafts) else None
        blocks += _slot_inputs(slot, given)
    return modal(
        RUBRIC_MODAL,
        f"Rubric: {role_name}",
        blocks,
        submit="Save rubric",
        metadata=RubricMeta(role=role_id, version=version),
    )


def _slot_inputs(slot: int, given: CriterionDraft | None) -> list[Block]:
    g = given or CriterionDraft("", "", "", "")  # text_input leaves "" out
    return [
        header(f"Criterion {slot + 1}"),
        text_input(
            field_id(slot, "name"),
            "Name",
            NAME_MAX,
            initial=g.name[:NAME_MAX],
            optional=True,
            placeholder="e.g. System design",
        ),
        text_input(
            field_id(slot, "probe"),
            "What to probe",
            PROBE_MAX,
            initial=g.probe[:PROBE_MAX],
            optional=True,
            multiline=True,
            hint="Shown to panelists in their brief and next to the rating.",
        ),
        text_input(
            field_id(slot, "anchor_1"),
            f"What a 1 ({SCALE[1]}) looks like",
            ANCHOR_MAX,
            initial=g.anchor_1[:ANCHOR_MAX],
            optional=True,
        ),
        text_input(
            field_id(slot, "anchor_4"),
            f"What a 4 ({SCALE[4]}) looks like",
            ANCHOR_MAX,
            initial=g.anchor_4[:ANCHOR_MAX],
            optional=True,
        ),
    ]


def parse_rubric_modal(values: StateValues) -> list[CriterionDraft]:
    """One draft per slot, in order; anything missing or malformed reads as empty."""
    return [
        CriterionDraft(
            name=text_value(values, field_id(slot, "name")),
            probe=text_value(values, field_id(slot, "probe")),
            anchor_1=text_value(values, field_id(slot, "anchor_1")),
            anchor_4=text_value(values, field_id(slot, "anchor_4")),
        )
        for slot in range(MAX_CRITERIA)
    ]


def rubric_saved_modal(role_name: str, rubric: Rubric) -> dict[str, Any]:
    """The confirmation: what was saved, as which version."""
    names = [escape(c.name) for c in rubric.criteria]
    count = f"{len(names)} {'criterion' if len(names) == 1 else 'criteria'}"
    blocks: list[Block] = [
        md(
            f"The rubric for *{escape(role_name)}* is saved as *version {rubric.version}*, "
            f"with {count}:\n{bullet_list(names)}"
        ),
        context(f"New rounds for this role use it. {VERSIONING_NOTE}"),
    ]
    return modal(ids.NOTICE, "Rubric saved", blocks, close="Done")
