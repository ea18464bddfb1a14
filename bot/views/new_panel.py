"""The "New panel" modal: build it, and read its submission back into a PanelForm."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    DateTimePickerElement,
    InputBlock,
    Option,
    StaticSelectElement,
    UserMultiSelectElement,
)

from bot.domain import rules
from bot.domain.panel_form import PanelForm
from bot.domain.rubric import BUILT_IN_RUBRICS, DEFAULT_RUBRIC_KEY, Rubric
from bot.text import escape
from bot.views import ids
from bot.views.common import context, md, modal, pack_sections, text_input
from bot.views.state import (
    datetime_value,
    selected,
    selected_conversation,
    selected_users,
    text_value,
)

MAX_OPTIONS = 100  # Slack's limit for a static select
QUESTIONS_INPUT_MAX = 3000  # Slack's most for a text input; the rules then cap each line


def default_interview_time(now: datetime) -> datetime:
    """Tomorrow, next full hour: a sensible start the organizer adjusts."""
    return (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def new_panel_modal(
    *,
    role_names: list[str],
    candidate_name: str = "",
    channel_id: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    interview = default_interview_time(now)
    blocks: list[Block] = [
        text_input(
            "candidate",
            "Candidate",
            rules.CANDIDATE_NAME_MAX,
            initial=candidate_name[: rules.CANDIDATE_NAME_MAX],
            placeholder="Full name",
        ),
        text_input("link", "Profile link", rules.LINK_MAX, optional=True, placeholder="https://…"),
    ]
    if role_names:
        blocks.append(
            InputBlock(
                block_id="role",
                label="Role",
                optional=True,
                hint="Pick an existing role, or type a new one below.",
                element=StaticSelectElement(
                    action_id="value",
                    placeholder="Existing role",
                    options=[
                        Option(text=name[:75], value=name[:150])
                        for name in role_names[:MAX_OPTIONS]
                    ],
                ),
            )
        )
    blocks += [
        text_input(
            "new_role",
            "New role" if role_names else "Role",
            rules.ROLE_NAME_MAX,
            optional=bool(role_names),
            placeholder="e.g. Staff Engineer",
        ),
        text_input(
            "questions",
            "Round-1 doubts to clarify",
            QUESTIONS_INPUT_MAX,
            optional=True,
            multiline=True,
            hint=f"One per line, up to {rules.MAX_QUESTIONS}. Each panelist marks each one "
            "resolved, partly or not.",
        ),
        InputBlock(
            block_id="panelists",
            label="Panelists",
            hint=f"1–{rules.MAX_PANELISTS} people. Two or more let every criterion be rated twice.",
            element=UserMultiSelectElement(
                action_id="value", max_selected_items=rules.MAX_PANELISTS, placeholder="Pick people"
            ),
        ),
        InputBlock(
            block_id="channel",
            label="Hiring channel",
            hint="Where progress and the summary go. A private channel keeps candidate data in.",
            element=ConversationSelectElement(
                action_id="value",
                initial_conversation=channel_id,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        InputBlock(
            block_id="interview_at",
            label="Interview",
            element=DateTimePickerElement(
                action_id="value", initial_date_time=int(interview.timestamp())
            ),
        ),
        InputBlock(
            block_id="due_at",
            label="Feedback due",
            optional=True,
            hint="Leave empty for 24 hours after the interview.",
            element=DateTimePickerElement(action_id="value"),
        ),
        InputBlock(
            block_id="rubric",
            label="Rubric",
            hint="A role with its own rubric (/panel rubric <role>) uses that one instead.",
            element=StaticSelectElement(
                action_id="value",
                options=[_rubric_option(r) for r in BUILT_IN_RUBRICS.values()],
                initial_option=_rubric_option(BUILT_IN_RUBRICS[DEFAULT_RUBRIC_KEY]),
            ),
        ),
        context(
            "Every rating stays sealed until the whole panel has submitted — yours too, "
            "as organizer."
        ),
    ]
    return modal(ids.NEW_PANEL, "New panel", blocks, submit="Start panel")


def _rubric_option(rubric: Rubric) -> Option:
    return Option(text=rubric.name[:75], value=rubric.key)


def parse_new_panel(values: dict[str, dict[str, Any]]) -> PanelForm:
    """Read view.state.values; anything missing or malformed reads as empty."""
    existing_role = selected(values, "role")
    new_role = text_value(values, "new_role")
    return PanelForm(
        candidate_name=text_value(values, "candidate"),
        profile_link=text_value(values, "link"),
        role_name=new_role or existing_role,
        questions=rules.split_questions(text_value(values, "questions")),
        panelist_ids=selected_users(values, "panelists"),
        channel_id=selected_conversation(values, "channel"),
        interview_at=datetime_value(values, "interview_at"),
        due_at=datetime_value(values, "due_at"),
        rubric_key=selected(values, "rubric") or DEFAULT_RUBRIC_KEY,
    )


def panel_started_modal(
    candidate: str,
    thin_criteria: list[str],
    public_channel: str | None = None,
    focus: list[str] | None = None,
) -> dict[str, Any]:
    """`focus`: the proposed focus areas, one mrkdwn line per panelist (focus_lines)."""
    text = (
        f"The panel for *{escape(candidate)}* is set up. Each panelist gets the brief in a DM "
        "now, and the hiring channel sees the progress."
    )
    blocks: list[Block] = [md(text)]
    if thin_criteria:
        blocks.append(
            md(
                ":warning: *Only one panelist.* Every criterion will be rated by a single "
                "person, and one opinion is not a measurement. Add a second panelist with "
                "*Add / remove panelist* on the announcement."
            )
        )
    if focus:
        blocks += [
            md(text)
            for text in pack_sections(
                "*Focus areas* — each criterion has two panelists on it. Change them with "
                "*Focus areas* on the announcement until the first feedback comes in.",
                focus,
            )
        ]
    if public_channel:
        blocks.append(
            context(
                f":eyes: #{escape(public_channel)} is a public channel: everyone in the "
                "workspace can read the summary there. A private channel keeps candidate data in."
            )
        )
    return modal(ids.NOTICE, "Panel started", blocks, close="Done")
