"""Add / remove panelists on an open round."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import InputBlock, UserMultiSelectElement

from bot.codec import RoundMeta
from bot.domain import rules
from bot.domain.panel import RoundSnapshot
from bot.text import escape
from bot.views import ids
from bot.views.common import context, md, modal


def panelists_modal(snapshot: RoundSnapshot) -> dict[str, Any]:
    blocks = [
        md(f"*{escape(snapshot.candidate_name)}* · {escape(snapshot.role_name)}"),
        InputBlock(
            block_id="panelists",
            label="Panelists",
            element=UserMultiSelectElement(
                action_id="value",
                initial_users=[p.user_id for p in snapshot.panelists],
                max_selected_items=rules.MAX_PANELISTS,
            ),
        ),
        context(
            "New panelists get the brief in a DM. Removed panelists are told, and any "
            "feedback they gave is left out of the summary."
        ),
    ]
    return modal(
        ids.PANELISTS, "Panelists", blocks, submit="Save", metadata=RoundMeta(round=snapshot.id)
    )
