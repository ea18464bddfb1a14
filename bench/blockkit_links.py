"""Writes docs/blockkit.md: a Block Kit Builder link for every message and modal the bot
sends, rendered by the real builders in bot/views from bench/blockkit_samples.py.

    python -m bench.blockkit_links           # rewrite docs/blockkit.md
    python -m bench.blockkit_links --check   # exit 1 if it is out of date

tests/unit/test_blockkit_page.py fails when a builder changed and the page was not rewritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import blockkit_samples as s
from bot.domain.comparison import Comparison
from bot.domain.message import Message
from bot.domain.overview import Overview
from bot.domain.rubric import SECOND_INTERVIEW
from bot.views import ids
from bot.views.announcement import announcement
from bot.views.brief import brief
from bot.views.calibration import calibration_message
from bot.views.comparison import comparison_message
from bot.views.decision import (
    decision_message,
    decision_modal,
    decision_nudge_message,
    decision_recorded_modal,
    follow_ups_message,
)
from bot.views.digest import digest_message
from bot.views.feedback_modal import feedback_modal, feedback_saved_modal
from bot.views.focus_modal import focus_modal, focus_saved_modal
from bot.views.forget import erased_modal, forget_modal, looking_up_modal
from bot.views.help import help_message, unknown_command_message
from bot.views.new_panel import new_panel_modal, panel_started_modal
from bot.views.notes import notes_modal
from bot.views.outcome import (
    check_in_message,
    check_in_modal,
    check_in_saved_modal,
    delegate_modal,
    delegated_modal,
    outcome_modal,
    outcome_saved_modal,
)
from bot.views.overview import home_view, status_message
from bot.views.panelists_modal import panelists_modal
from bot.views.reminders import (
    escalation_done_message,
    escalation_message,
    not_attended_notice,
    not_attended_reply,
    nudge_message,
    pre_interview_message,
    snoozed_reply,
    undeliverable_notice,
)
from bot.views.role_picker import role_picker
from bot.views.rubric_modal import rubric_modal, rubric_saved_modal
from bot.views.summary import summary_message
from bot.views.validity import validity_message

PAGE = Path(__file__).resolve().parent.parent / "docs" / "blockkit.md"
BUILDER = "https://app.slack.com/block-kit-builder/#"
REGENERATE = "python -m bench.blockkit_links"


@dataclass(frozen=True)
class Sample:
    title: str
    when: str  # where it appears and what makes the bot send it
    builder: str  # the function in bot/views
    build: Callable[[], Message | dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        """What Block Kit Builder opens: {"blocks": …} for a message, else the view."""
        built = self.build()
        return {"blocks": built.blocks} if isinstance(built, Message) else built

    def link(self) -> str:
        return BUILDER + quote(json.dumps(self.payload(), separators=(",", ":")), safe="")


OVERVIEW = Overview(owed=[s.OPEN], editable=[], organized=[s.OPEN])
LATE = s.round_of(interview=s.NOW - timedelta(days=2))
NOTES = (s.COMPLETE, s.FEEDBACK, 0)

SECTIONS: tuple[tuple[str, tuple[Sample, ...]], ...] = (
    ("Starting a panel", (
        Sample("New panel", "modal: `/panel new`, the *Start a panel* shortcut or the Home "
               "tab's button", "new_panel.new_panel_modal",
               lambda: new_panel_modal(role_names=[s.ROLE, "Product Designer"],
                                       candidate_name="Ada Lovelace", channel_id=s.HIRING,
                                       now=s.NOW)),
        Sample("Panel started", "the New panel modal after *Start*",
               "new_panel.panel_started_modal",
               lambda: panel_started_modal("Ada Lovelace", [])),
        Sample("Panel started, one panelist", "the same, warning about a panel of one",
               "new_panel.panel_started_modal",
               lambda: panel_started_modal("Ada Lovelace", ["Depth of skills and experience"])),
        Sample("Announcement", "hiring channel, while the panel is open",
               "announcement.announcement", lambda: announcement(s.OPEN)),
        Sample("Announcement, complete", "hiring channel, once everyone submitted",
               "announcement.announcement", lambda: announcement(s.COMPLETE)),
        Sample("Brief", "each panelist's DM", "brief.brief",
               lambda: brief(s.OPEN, "U0MARCO")),
        Sample("Add / remove panelist", "modal: the organizer's button on the announcement",
               "panelists_modal.panelists_modal", lambda: panelists_modal(s.OPEN)),
    )),
    ("Feedback and the summary", (
        Sample("Feedback", "modal: *Give feedback*", "feedback_modal.feedback_modal",
               lambda: feedback_modal(s.OPEN)),
        Sample("Feedback, editing", "modal: *Edit feedback* after submitting",
               "feedback_modal.feedback_modal",
               lambda: feedback_modal(s.COMPLETE, s.FEEDBACK[0].draft)),
        Sample("Feedback saved", "the feedback modal after *Submit*",
               "feedback_modal.feedback_saved_modal", lambda: feedback_saved_modal(s.OPEN)),
        Sample("Summary", "thread of the announcement, when the last panelist submits",
               "summary.summary_message",
               lambda: summary_message(s.COMPLETE, s.summary(), s.FEEDBACK)),
        Sample("All notes", "modal: *See all notes* on the summary (hiring channel members)",
               "notes.notes_modal", lambda: notes_modal(*NOTES)),
    )),
    ("Reminders", (
        Sample("Before the interview", "each panelist's DM, 30 minutes before",
               "reminders.pre_interview_message", lambda: pre_interview_message(s.OPEN)),
        Sample("Nudge", "DM to a panelist who still owes feedback", "reminders.nudge_message",
               lambda: nudge_message(s.OPEN, "U0MARCO", 1)),
        Sample("Snoozed", "the nudge after *Snooze 2 h*", "reminders.snoozed_reply",
               lambda: snoozed_reply(s.OPEN, s.NOW + timedelta(hours=2))),
        Sample("Didn't attend", "the nudge after *I didn't attend*",
               "reminders.not_attended_reply", lambda: not_attended_reply(s.OPEN)),
        Sample("A panelist left", "organizer's DM", "reminders.not_attended_notice",
               lambda: not_attended_notice(s.OPEN, "U0LENA")),
        Sample("Overdue", "organizer's DM once the due time passed", "reminders.escalation_message",
               lambda: escalation_message(LATE)),
        Sample("Overdue, nudged", "the same after *Nudge them now*",
               "reminders.escalation_done_message",
               lambda: escalation_done_message(LATE, ["U0MARCO", "U0LENA"])),
        Sample("Could not deliver", "organizer's DM when Slack refuses a message for good",
               "reminders.undeliverable_notice",
               lambda: undeliverable_notice("the panel announcement for Ada Lovelace",
                                            f"<#{s.HIRING}>", "channel_not_found")),
    )),
    ("Where am I", (
        Sample("Status", "ephemeral: `/panel status`", "overview.status_message",
               lambda: status_message(OVERVIEW)),
        Sample("Home tab", "App Home", "overview.home_view", lambda: home_view(OVERVIEW)),
        Sample("Help", "ephemeral: `/panel help`", "help.help_message", help_message),
        Sample("Unknown command", "ephemeral: `/panel hlep`", "help.unknown_command_message",
               lambda: unknown_command_message("hlep")),
    )),
    ("Comparing candidates", (
        Sample("Digest", "hiring channel, on its digest schedule", "digest.digest_message",
               lambda: digest_message(s.digest_sample())),
        Sample("Comparison", "hiring channel: `/panel compare Staff Engineer`",
               "comparison.comparison_message", lambda: comparison()),
        Sample("Calibration", "ephemeral: `/panel calibration`",
               "calibration.calibration_message",
               lambda: calibration_message(*s.calibration_sample())),
        Sample("Role picker", "ephemeral: a role name matching several roles",
               "role_picker.role_picker",
               lambda: role_picker("engineer", [(7, s.ROLE), (8, "Platform Engineer")],
                                   ids.COMPARE_PICK, "compare", matched=True)),
        Sample("Rubric", "modal: `/panel rubric Staff Engineer`", "rubric_modal.rubric_modal",
               lambda: rubric_modal(7, s.ROLE, None, version=0)),
        Sample("Rubric saved", "the rubric modal after *Save*",
               "rubric_modal.rubric_saved_modal",
               lambda: rubric_saved_modal(s.ROLE, SECOND_INTERVIEW)),
    )),
    ("The decision", (
        Sample("Focus areas", "modal: *Focus areas* on the announcement (organizer)",
               "focus_modal.focus_modal", lambda: focus_modal(s.OPEN)),
        Sample("Focus areas saved", "the focus modal after *Save*",
               "focus_modal.focus_saved_modal", lambda: focus_saved_modal(s.OPEN)),
        Sample("Decision", "modal: *Record decision* on the summary (organizer)",
               "decision.decision_modal",
               lambda: decision_modal(s.COMPLETE, s.summary(), [])),
        Sample("Decision recorded", "the decision modal after *Record*",
               "decision.decision_recorded_modal",
               lambda: decision_recorded_modal(s.COMPLETE, s.decision_sample(), 1)),
        Sample("Decision in the thread", "the summary's thread, each version",
               "decision.decision_message",
               lambda: decision_message(s.COMPLETE, s.decision_sample(), None, s.summary())),
        Sample("Follow-ups", "organizer's DM after the first decision",
               "decision.follow_ups_message",
               lambda: follow_ups_message(s.COMPLETE, s.summary(), s.decision_sample())),
        Sample("No decision yet", "organizer's DM, each business day after the summary",
               "decision.decision_nudge_message",
               lambda: decision_nudge_message(s.COMPLETE, s.NOW)),
    )),
    ("Outcomes and validity", (
        Sample("Outcome", "modal: *Record outcome* on a decision to advance (organizer)",
               "outcome.outcome_modal", lambda: outcome_modal(s.COMPLETE, None)),
        Sample("Outcome saved", "the outcome modal after *Save*", "outcome.outcome_saved_modal",
               lambda: outcome_saved_modal(s.COMPLETE, s.outcome_sample())),
        Sample("Check-in", "organizer's DM 6 and 12 months after a hire's start",
               "outcome.check_in_message",
               lambda: check_in_message(s.COMPLETE, 6, date(2027, 1, 5), None)),
        Sample("Check-in answer", "modal: *Answer* on the check-in", "outcome.check_in_modal",
               lambda: check_in_modal(s.COMPLETE, 6)),
        Sample("Check-in saved", "the check-in modal after *Save*",
               "outcome.check_in_saved_modal", lambda: check_in_saved_modal(s.COMPLETE, 6)),
        Sample("Not my report any more", "modal: the check-in's other button",
               "outcome.delegate_modal", lambda: delegate_modal(s.COMPLETE, 12)),
        Sample("Asked instead", "that modal after *Ask them*", "outcome.delegated_modal",
               lambda: delegated_modal(s.COMPLETE, 12, "U0PRIYA")),
        Sample("Validity", "ephemeral: `/panel validity Staff Engineer` (organizers, admins)",
               "validity.validity_message",
               lambda: validity_message(s.ROLE, s.validity_sample(), chart=True)),
    )),
    ("Erasing a candidate", (
        Sample("Looking up", "modal: `/panel forget Ada Lovelace`, at once",
               "forget.looking_up_modal", lambda: looking_up_modal("Ada Lovelace")),
        Sample("Confirm erasure", "the same modal, what will be erased",
               "forget.forget_modal", lambda: forget_modal(s.erasure_plan())),
        Sample("Erased", "the same modal after *Erase for good*", "forget.erased_modal",
               lambda: erased_modal(s.erased())),
    )),
)  # fmt: skip


def comparison() -> Message:
    compared = s.comparison_sample()
    assert isinstance(compared, Comparison)
    return comparison_message(compared, 0, s.comparison_state())


def page() -> str:
    lines = [
        "# Every message and modal, in Block Kit Builder",
        "",
        "Each link opens Slack's Block Kit Builder on a message or view as Panelbot sends it,",
        "rendered by the real builder in `bot/views/` from invented sample data",
        "(`bench/blockkit_samples.py`: fixed dates, no database). Block Kit Builder needs a",
        "Slack login; it shows dates in your time zone and mentions of unknown users as ids.",
        "The comparison's heatmap is an image upload, not Block Kit, so it is not here.",
        "",
        f"Generated by `{REGENERATE}`; `tests/unit/test_blockkit_page.py` fails when a builder",
        "changed and this page was not regenerated. Do not edit it by hand.",
    ]
    for heading, samples in SECTIONS:
        lines += [
            "",
            f"## {heading}",
            "",
            "| what | where and when | builder | |",
            "|---|---|---|---|",
        ]
        for sample in samples:
            lines.append(
                f"| {sample.title} | {sample.when} | `{sample.builder}` "
                f"| [open in Block Kit Builder]({sample.link()}) |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    fresh = page()
    if args.check:
        current = PAGE.read_text() if PAGE.exists() else ""
        if current != fresh:
            print(f"{PAGE} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(fresh)
    count = sum(len(samples) for _, samples in SECTIONS)
    print(f"wrote {PAGE} ({count} messages and views)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
