"""The one comparison summary: the mechanical aggregate first, then where the panel
disagrees, what is still unclear, and what the candidate asked."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, RawTextObject, TableBlock

from bot.domain.feedback import Engagement, PanelistFeedback
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.rubric import SCALE
from bot.domain.stats import CriterionStats, PanelSummary
from bot.text import escape, mention, truncate
from bot.views import ids
from bot.views.announcement import candidate_line, decision_button
from bot.views.common import (
    SECTION_TEXT_MAX,
    Message,
    actions,
    bullet_list,
    button,
    context,
    header,
    md,
    message,
    pack_sections,
)

# Slack refuses a message whose blocks hold too much text in all (msg_blocks_too_long, an
# undocumented limit reported near 12,000 characters). Twelve panelists' full answers would
# pass it, so the summary shows the start of each (the brief has the doubts in full, See all
# notes the panelists' answers).
ASKED_SHOWN = 200
DOUBT_SHOWN = 160


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def engagement_note(engagement: Engagement | None) -> str:
    return f" (engagement: {engagement.label})" if engagement else ""


def tally_line(s: PanelSummary) -> str:
    return " · ".join(f"{SCALE[n]} {s.tally[n]}" for n in (4, 3, 2, 1))


def summary_message(r: RoundSnapshot, s: PanelSummary, feedback: list[PanelistFeedback]) -> Message:
    blocks: list[Block] = [header(f"Panel summary: {r.candidate_name}"), md(candidate_line(r))]
    if r.partial:
        missing = ", ".join(mention(p.user_id) for p in r.missing)
        blocks.append(
            md(
                ":warning: *Partial:* closed before everyone submitted. "
                f"No feedback from {missing}."
            )
        )
    split = "  :warning: *split recommendation*" if s.recommendation_disagreement else ""
    blocks.append(
        md(
            f"*Overall {score(s.overall)} / 4* from {s.submitted} of {len(r.panelists)} "
            f"panelists\n*Recommendations:* {tally_line(s)}{split}"
        )
    )
    if s.strong_no_from:
        names = ", ".join(escape(n) for n in s.strong_no_from)
        blocks.append(md(f":octagonal_sign: *Strong no* from {names} — discuss before deciding."))
    blocks.append(md("*Per criterion*\n" + bullet_list([_criterion_line(c) for c in s.criteria])))
    if feedback:
        blocks.append(ratings_table(r, feedback))
    if r.questions:
        blocks.append(md(_questions_text(s)))
    blocks += [md(t) for t in follow_up_texts(s)]
    blocks += _candidate_questions(s)
    blocks.append(
        actions(
            button("See all notes", ids.SEE_NOTES, str(r.id)),
            button("Compare with other candidates", ids.COMPARE_ROLE, str(r.id)),
            decision_button(r),
        )
    )
    state = "Closed" if r.status == Status.CLOSED else "Complete"
    blocks.append(
        context(
            f"{state}. Every criterion weighs the same in the overall score. Disagreement: "
            "a spread of 2+ points, or yes and no votes together."
        )
    )
    text = (
        f"Panel summary for {escape(r.candidate_name)}: overall {score(s.overall)} / 4, "
        f"{tally_line(s)}"
    )
    return message(text, blocks)


def _criterion_line(c: CriterionStats) -> str:
    if c.mean is None:
        return f"*{escape(c.name)}* — no ratings"
    flag = "  :warning: disagreement" if c.disagreement else ""
    veto = "  :octagonal_sign: a Strong no" if 1 in c.ratings else ""
    return f"*{escape(c.name)}* — mean {score(c.mean)} · spread {c.spread}{flag}{veto}"


def ratings_table(r: RoundSnapshot, feedback: list[PanelistFeedback]) -> TableBlock:
    head = ["Panelist", *(c.name for c in r.rubric.criteria), "Recommendation"]
    rows = [[RawTextObject(text=h) for h in head]]
    for f in feedback:
        cells = [f.display_name]
        for c in r.rubric.criteria:
            rating = f.draft.rating_for(c.key)
            cells.append(str(rating.rating) if rating else "–")
        cells.append(SCALE.get(f.draft.recommendation, "–"))
        rows.append([RawTextObject(text=cell) for cell in cells])
    return TableBlock(rows=rows, column_settings=[{"is_wrapped": True}])


def _questions_text(s: PanelSummary) -> str:
    still_open = s.open_questions
    if not still_open:
        return "*Round-1 doubts:* all resolved :white_check_mark:"
    lines = []
    for q in still_open:
        counts = " · ".join(f"{res.label} {n}" for res, n in q.counts.items()) or "not answered"
        lines.append(f"{escape(truncate(q.text, DOUBT_SHOWN))} — {counts}")
    return "*Round-1 doubts still open*\n" + bullet_list(lines)


def follow_up_lines(s: PanelSummary, bullet: str = "•") -> list[str]:
    """The candidate's questions a panelist marked as needing a follow-up, one a line."""
    return [
        f"{bullet} _{escape(cq.panelist)}_: {escape(truncate(cq.asked, ASKED_SHOWN))}"
        for cq in s.follow_ups
    ]


def follow_up_texts(s: PanelSummary) -> list[str]:
    """Section texts listing the follow-ups (none when there are none)."""
    lines = follow_up_lines(s)
    return pack_sections("*The candidate's questions needing a follow-up*", lines) if lines else []


def _candidate_questions(s: PanelSummary) -> list[Block]:
    answered = [cq for cq in s.candidate_questions if not cq.follow_up]
    if not answered:
        return []
    entries = []
    for cq in answered:
        engagement = engagement_note(cq.engagement)
        asked = truncate(cq.asked, ASKED_SHOWN)
        entries.append(f"_{escape(cq.panelist)}_{engagement}: {escape(asked)}")
    # Split across sections so no section exceeds Slack's 3000 characters.
    blocks: list[Block] = []
    chunk = "*What the candidate asked*"
    for entry in entries:
        line = "\n• " + entry[: SECTION_TEXT_MAX - 40]
        if len(chunk) + len(line) > SECTION_TEXT_MAX:
            blocks.append(md(chunk))
            chunk = ""
        chunk += line
    blocks.append(md(chunk.lstrip("\n")))
    return blocks
