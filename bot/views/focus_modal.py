"""Focus areas: the organizer's modal to change them, and the lines that show them (the
New panel confirmation, each panelist's brief)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, Option, StaticMultiSelectElement

from bot.codec import RoundMeta
from bot.domain.focus import needed
from bot.domain.panel import RoundSnapshot
from bot.domain.rubric import Rubric
from bot.text import escape, truncate
from bot.views import ids
from bot.views.announcement import candidate_line
from bot.views.common import context, md, modal, notice_modal
from bot.views.state import StateValues, selected_values

OPTION_TEXT_MAX = 75
LABEL_NAME_MAX = 150


def criterion_names(rubric: Rubric, keys: tuple[str, ...]) -> list[str]:
    return [c.name for c in rubric.criteria if c.key in keys]


def focus_lines(snapshot: RoundSnapshot) -> list[str]:
    """One line per panelist: who focuses on what (mrkdwn, escaped)."""
    return [
        f"• {escape(p.name)}: {escape(', '.join(criterion_names(snapshot.rubric, p.focus)))}"
        for p in snapshot.panelists
        if p.focus
    ]


def focus_modal(snapshot: RoundSnapshot) -> dict[str, Any]:
    options = {
        c.key: Option(value=c.key, text=truncate(c.name, OPTION_TEXT_MAX))
        for c in snapshot.rubric.criteria
    }
    blocks: list[Block] = [
        md(candidate_line(snapshot)),
        context(
            f"Each criterion needs {needed(len(snapshot.panelists))} panelists focusing on it. "
            "Panelists must rate their focus criteria; the others they may rate or mark "
            "Not assessed. You can change this until the first feedback comes in."
        ),
    ]
    for p in snapshot.panelists:
        blocks.append(
            InputBlock(
                block_id=f"focus:{p.user_id}",
                label=truncate(p.name, LABEL_NAME_MAX),
                element=StaticMultiSelectElement(
                    action_id="value",
                    options=list(options.values()),
                    initial_options=[options[k] for k in p.focus if k in options] or None,
                ),
            )
        )
    return modal(
        ids.FOCUS, "Focus areas", blocks, submit="Save", metadata=RoundMeta(round=snapshot.id)
    )


def parse_focus(values: StateValues) -> dict[str, list[str]]:
    """Panelist → the criterion keys picked for them, from every "focus:<panelist>" block;
    panelists and keys the round does not have are dropped by the service."""
    if not isinstance(values, dict):
        return {}
    return {
        str(block_id).removeprefix("focus:"): selected_values(values, block_id)
        for block_id in values
        if str(block_id).startswith("focus:")
    }


def focus_saved_modal(snapshot: RoundSnapshot) -> dict[str, Any]:
    text = "Focus areas saved. Each panelist's brief now lists theirs first:\n" + "\n".join(
        focus_lines(snapshot)
    )
    return notice_modal("Focus areas saved", text)
