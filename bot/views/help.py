"""/panel help."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.domain.message import Message
from bot.text import escape, truncate
from bot.views.common import context, md, message

HELP = """*Panelbot runs second-round interview panels.*
• `/panel new [candidate name]` — start a panel: candidate, role, round-1 doubts, panelists, \
hiring channel, interview time, rubric. (`/panel` alone does the same; so does the \
*Start a panel* shortcut.)
• `/panel status` — the panels you organize or sit on, and the feedback you still owe.
• `/panel digest daily 09:00` · `weekly mon 09:00` · `off` · `now` — a digest for this \
hiring channel, in your time zone (or add one, like `Europe/Berlin`).
• `/panel reminders` — how late panelists are reminded; admins can change it \
(`after 2h every 1d`, `off`, `on`).
• `/panel compare <role> [by <criterion>]` — the role's finished candidates side by side in \
its hiring channel (table and heatmap; a calibrated view adjusts for lenient or strict \
interviewers). Also the *Compare* button on every summary.
• `/panel rubric <role>` — edit the role's own rubric (1–8 criteria); rounds keep the \
version they started with.
• `/panel calibration` — each interviewer's leniency and how often they disagree with the \
panel (organizers). `/panel export <role>` — the role's feedback as CSV, in your DM \
(organizers of the role).
• `/panel validity <role>` — whether the role's ratings predict what happened after: \
advanced, performance at 6 and 12 months, still there, per criterion with its agreement; \
to you alone, the chart in your DM (organizers of the role, admins; `all` for admins).
• `/panel forget <candidate>` — erase everything Panelbot holds about a candidate, after \
showing you what (whoever organized all their panels, or a workspace admin).
• `/panel help` — this message.

*How a round goes*
1. Each panelist gets a brief in a DM with their focus areas and a *Give feedback* button.
2. Feedback is a 1–4 rating per criterion (Strong no · No · Yes · Strong yes) with evidence \
(the focus areas required, the rest may be *Not assessed*), the round-1 doubts, what the \
candidate asked (answered, or needing a follow-up), and a recommendation. A note that gives \
a verdict instead of what you saw, or words about who the candidate is (age, family, origin, \
looks…), is pointed out once when you submit: edit it, or submit again to keep it.
3. Nobody — the organizer included — sees any feedback until everyone has submitted.
4. Then one summary lands in the announcement's thread: the debrief's agenda.
5. After the debrief the organizer uses *Record decision* on the summary; a decision \
against the aggregate must say why. It closes the round; the follow-ups come in a DM.
6. After a decision to advance, *Record outcome* on it keeps the offer and a hire's start \
date; 6 and 12 months later Panelbot asks the organizer in a DM how the hire is doing.
On the announcement the organizer can *Close now*, *Cancel round*, *Add / remove \
panelist* or change the *Focus areas* (until feedback comes in)."""


def unknown_command_message(verb: str) -> Message:
    said = escape(truncate(verb, 40))
    return message(
        f"I don't know `/panel {said}`.",
        [md(f"I don't know `/panel {said}`. Here's what I do:"), *help_blocks()],
    )


def help_blocks() -> list[Block]:
    return [md(HELP), context("Your App Home tab shows the same as `/panel status`.")]


def help_message() -> Message:
    return message("Panelbot help", help_blocks())
