"""The decision: the modal the organizer records it in (with the numbers it goes with or
against), the message each version posts in the summary's thread, and the announcement's
line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    InputBlock,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    UserMultiSelectElement,
)

from bot.codec import DecisionMeta
from bot.domain.decision import (
    MAX_PARTICIPANTS,
    RATIONALE_MAX,
    REASON_MAX,
    DecisionForm,
    DecisionVersion,
    Outcome,
    against_aggregate,
    engage_rule,
    outcome_of,
)
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot
from bot.domain.stats import PanelSummary
from bot.text import date_token, escape, mention, truncate
from bot.views import ids
from bot.views.announcement import candidate_line, decision_button
from bot.views.common import (
    actions,
    context,
    md,
    message,
    modal,
    notice_modal,
    pack_sections,
    text_input,
)
from bot.views.outcome import record_outcome_button
from bot.views.state import StateValues, selected, selected_users, text_value
from bot.views.summary import follow_up_lines, follow_up_texts, score, tally_line

VERSION_SHOWN = 300  # characters of an earlier version's rationale in the modal
VERSIONS_SHOWN = 20  # the latest ones; a modal holds 100 blocks


def decision_modal(
    snapshot: RoundSnapshot, summary: PanelSummary, versions: Sequence[DecisionVersion]
) -> dict[str, Any]:
    latest = versions[-1] if versions else None
    blocks: list[Block] = [
        md(candidate_line(snapshot)),
        md(
            f"*Overall {score(summary.overall)} / 4* from {summary.submitted} "
            f"of {len(snapshot.panelists)} panelists\n*Recommendations:* {tally_line(summary)}"
        ),
    ]
    for outcome in (Outcome.ADVANCE, Outcome.REJECT):
        if reasons := against_aggregate(outcome, summary):
            blocks.append(
                md(
                    f":warning: *{outcome.label}* would go against the panel's aggregate: "
                    f"{escape('; '.join(reasons))}. To decide so, "
                    f"{escape(engage_rule(snapshot.rubric))}."
                )
            )
    blocks += [md(t) for t in follow_up_texts(summary)]
    if versions:
        shown = versions[-VERSIONS_SHOWN:]
        earlier = len(versions) - len(shown)
        tail = f"…and {earlier} earlier (every version is in the thread)" if earlier else None
        lines = [_version_line(v) for v in shown]
        blocks += [md(t) for t in pack_sections("*Decided so far*", lines, tail)]
    blocks += [DividerBlock(), *_inputs(snapshot, latest)]
    blocks.append(
        context(
            "Recording the decision closes the round: feedback can no longer change and "
            "reminders stop. Each version is posted in the summary's thread and kept."
        )
    )
    title = "Change decision" if latest else "Record decision"
    metadata = DecisionMeta(round=snapshot.id, version=len(versions))
    return modal(ids.DECISION, title, blocks, submit="Record", metadata=metadata)


def _inputs(snapshot: RoundSnapshot, latest: DecisionVersion | None) -> list[Block]:
    participants = list(latest.participants) if latest else [snapshot.organizer_id]
    if not latest:
        participants += [
            p.user_id for p in snapshot.panelists if p.user_id != snapshot.organizer_id
        ]
    inputs: list[Block] = [
        InputBlock(
            block_id="outcome",
            label="Decision",
            element=RadioButtonsElement(
                action_id="value",
                options=[_option(o) for o in Outcome],
                initial_option=_option(latest.outcome) if latest else None,
            ),
        ),
        text_input(
            "rationale",
            "Rationale",
            RATIONALE_MAX,
            initial=latest.rationale if latest else None,
            multiline=True,
            hint="Why, in terms of the evidence: the criteria, the ratings, what was observed.",
        ),
        InputBlock(
            block_id="participants",
            label="Who took part in the debrief",
            element=UserMultiSelectElement(
                action_id="value",
                initial_users=participants[:MAX_PARTICIPANTS],
                max_selected_items=MAX_PARTICIPANTS,
            ),
        ),
    ]
    if latest:
        inputs.append(
            text_input(
                "change_reason",
                "Why does the decision change?",
                REASON_MAX,
                hint="Kept with the new version; the earlier ones stay as they were.",
            )
        )
    return inputs


def _option(outcome: Outcome) -> Option:
    return Option(value=outcome.value, text=PlainTextObject(text=outcome.label))


def _version_line(decision: DecisionVersion) -> str:
    line = (
        f"• v{decision.version} *{decision.outcome.label}* · {mention(decision.decided_by)} · "
        f"{date_token(decision.decided_at)} — {escape(truncate(decision.rationale, VERSION_SHOWN))}"
    )
    if decision.change_reason:
        line += f"\n   _changed because:_ {escape(truncate(decision.change_reason, VERSION_SHOWN))}"
    return line


def parse_decision(values: StateValues) -> DecisionForm:
    """Read the modal back; unknown or forged values read as missing."""
    return DecisionForm(
        outcome=outcome_of(selected(values, "outcome")),
        rationale=text_value(values, "rationale"),
        participants=tuple(dict.fromkeys(selected_users(values, "participants"))),
        change_reason=text_value(values, "change_reason"),
    )


def decision_message(
    snapshot: RoundSnapshot,
    decision: DecisionVersion,
    previous: DecisionVersion | None,
    summary: PanelSummary,
) -> Message:
    """One version, posted in the summary's thread."""
    head = (
        f":scales: *Decision on {escape(snapshot.candidate_name)}: {decision.outcome.label}* — "
        f"recorded by {mention(decision.decided_by)} {date_token(decision.decided_at)}"
    )
    if previous is not None:
        reason = escape(decision.change_reason or "")
        head += f"\n*Changed* from {previous.outcome.label} (version {previous.version}): {reason}"
    blocks: list[Block] = [
        md(head),
        md(f"*Rationale*\n{escape(decision.rationale)}"),
        md("*Debrief:* " + (", ".join(mention(u) for u in decision.participants) or "—")),
    ]
    if reasons := against_aggregate(decision.outcome, summary):
        blocks.append(
            context(
                f":warning: Against the panel's aggregate ({escape('; '.join(reasons))}); "
                "the rationale says why."
            )
        )
    if decision.outcome == Outcome.ADVANCE:
        # Only the organizer can open it; what they record is never shown here.
        blocks.append(actions(record_outcome_button(snapshot.id)))
    blocks.append(context(f"Version {decision.version}. Every version of the decision stays here."))
    text = f"Decision on {escape(snapshot.candidate_name)}: {decision.outcome.label}"
    return message(text, blocks)


def decision_recorded_modal(
    snapshot: RoundSnapshot, decision: DecisionVersion, follow_ups: int = 0
) -> dict[str, Any]:
    changed = "changed to" if decision.version > 1 else "recorded:"
    text = (
        f"Decision on *{escape(snapshot.candidate_name)}* {changed} "
        f"*{decision.outcome.label}*. It is posted in the summary's thread and shown on the "
        "announcement. The round is closed: feedback can no longer change, and reminders "
        "have stopped."
    )
    if follow_ups and decision.version == 1:
        what = "question" if follow_ups == 1 else f"{follow_ups} questions"
        text += (
            f"\n\nThe candidate's {what} needing a follow-up "
            f"{'is' if follow_ups == 1 else 'are'} in your DM as a checklist."
        )
    return notice_modal("Decision recorded", text)


def follow_ups_message(
    snapshot: RoundSnapshot, summary: PanelSummary, decision: DecisionVersion
) -> Message:
    """To the organizer once the decision is recorded: what the candidate still needs an
    answer to, as a checklist to close the loop."""
    intro = (
        f"You recorded *{decision.outcome.label}* for {candidate_line(snapshot)}. "
        "The panel noted questions from the candidate that still need an answer: get back to them."
    )
    blocks: list[Block] = [md(intro)]
    blocks += [md(t) for t in pack_sections("*Follow-ups*", follow_up_lines(summary, bullet="☐"))]
    blocks.append(context("Who noted each question is named, so you know whom to ask."))
    n = len(summary.follow_ups)
    text = (
        f"Follow-ups for {escape(snapshot.candidate_name)}: "
        f"{n} question{'' if n == 1 else 's'} to answer"
    )
    return message(text, blocks)


def decision_nudge_message(snapshot: RoundSnapshot, finished_at: datetime) -> Message:
    """To the organizer of a finished round with no decision, once a business day."""
    text = (
        f"The panel on {candidate_line(snapshot)} finished {date_token(finished_at)} "
        "and no decision is recorded yet. After the debrief, record it: Advance, Another "
        "interview, Hold or Reject, and why."
    )
    blocks: list[Block] = [md(text), actions(decision_button(snapshot))]
    blocks.append(context("You'll be reminded each working day until the decision is in."))
    return message(f"No decision yet on {escape(snapshot.candidate_name)}", blocks)
