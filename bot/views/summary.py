"""The one comparison summary: the mechanical aggregate first, then where the panel
disagrees, what is still unclear, and what the candidate asked."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, RawTextObject, TableBlock

from bot.codec import RoundRef, encode
from bot.domain.feedback import Engagement, PanelistFeedback
from bot.domain.message import Message
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.rubric import SCALE
from bot.domain.rules import MIN_RATERS_PER_CRITERION
from bot.domain.stats import CriterionStats, PanelSummary
from bot.text import escape, mention, truncate
from bot.views import ids
from bot.views.announcement import candidate_line, decision_button
from bot.views.common import (
    SECTION_TEXT_MAX,
    actions,
    bullet_list,
    button,
    context,
    header,
    md,
    message,
    pack_sections,
)
from bot.views.digest import name_list

# Slack refuses a message whose blocks hold too much text in all (msg_blocks_too_long, an
# undocumented limit reported near 12,000 characters). Twelve panelists' full answers would
# pass it, so the summary shows the start of each (the brief has the doubts in full, See all
# notes the panelists' answers).
ASKED_SHOWN = 200
DOUBT_SHOWN = 160
# Who rated high and low, who gave a Strong no: a few names, each cut short. Twelve long
# names on every line would take the message past Slack's limit on text.
NAMES_SHOWN = 3
NAME_SHOWN = 24


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def engagement_note(engagement: Engagement | None) -> str:
    return f" (engagement: {engagement.label})" if engagement else ""


def tally_line(summary: PanelSummary) -> str:
    return " · ".join(f"{SCALE[n]} {summary.tally[n]}" for n in (4, 3, 2, 1))


def summary_message(
    snapshot: RoundSnapshot, summary: PanelSummary, feedback: list[PanelistFeedback]
) -> Message:
    blocks: list[Block] = [
        header(f"Panel summary: {snapshot.candidate_name}"),
        md(candidate_line(snapshot)),
    ]
    if snapshot.partial:
        missing = ", ".join(mention(p.user_id) for p in snapshot.missing)
        blocks.append(
            md(
                ":warning: *Partial:* closed before everyone submitted. "
                f"No feedback from {missing}."
            )
        )
    split = "  :warning: *split recommendation*" if summary.recommendation_disagreement else ""
    # The debrief's agenda, in its order: the aggregate; where the panel disagreed and who
    # to hear from; any Strong no and whose evidence it is; the doubts still open; what to
    # get back to the candidate about. The evidence itself stays behind See all notes.
    blocks.append(
        md(
            f"*Overall {score(summary.overall)} / 4* from {summary.submitted} "
            f"of {len(snapshot.panelists)} panelists\n"
            f"*Recommendations:* {tally_line(summary)}{split}"
        )
    )
    blocks += [md(t) for t in _disagreement_texts(summary)]
    if strong_no := _strong_no_text(summary):
        blocks.append(md(strong_no))
    if snapshot.questions:
        blocks.append(md(_questions_text(summary)))
    blocks += [md(t) for t in follow_up_texts(summary)]
    lines = [_criterion_line(c, summary.submitted) for c in summary.criteria]
    blocks.append(md("*Per criterion*\n" + bullet_list(lines)))
    if feedback:
        blocks.append(ratings_table(snapshot, feedback))
    blocks += _candidate_questions(summary)
    blocks.append(
        actions(
            button("See all notes", ids.SEE_NOTES, encode(RoundRef(snapshot.id))),
            button(
                "Compare with other candidates", ids.COMPARE_ROLE, encode(RoundRef(snapshot.id))
            ),
            decision_button(snapshot),
        )
    )
    state = "Closed" if snapshot.status == Status.CLOSED else "Complete"
    blocks.append(
        context(
            f"{state}. Every criterion weighs the same in the overall score; one left not "
            "assessed counts as missing, never as a rating. Disagreement: a spread of 2+ "
            "points, or yes and no votes together."
        )
    )
    text = (
        f"Panel summary for {escape(snapshot.candidate_name)}: "
        f"overall {score(summary.overall)} / 4, {tally_line(summary)}"
    )
    return message(text, blocks)


def _name(name: str) -> str:
    return escape(truncate(name, NAME_SHOWN))


def _people(rated: tuple[tuple[str, int], ...]) -> str:
    return name_list([f"{_name(name)} ({rating})" for name, rating in rated], NAMES_SHOWN)


def _disagreement_texts(summary: PanelSummary) -> list[str]:
    """Each criterion the panel disagreed on, naming who rated high and who rated low; and
    the recommendation when it is split, naming who said yes and who said no."""
    lines = [
        f"• *{escape(c.name)}* — high: {_people(c.high)}; low: {_people(c.low)}"
        for c in summary.flagged
    ]
    if summary.recommendation_disagreement:
        yes = tuple((n, rec) for n, rec in summary.recommendations if rec >= 3)
        no = tuple((n, rec) for n, rec in summary.recommendations if rec <= 2)
        lines.append(f"• *Recommendation* — yes: {_people(yes)}; no: {_people(no)}")
    if not lines:
        return []
    return pack_sections("*Where the panel disagreed* — start the debrief here", lines)


def _strong_no_text(summary: PanelSummary) -> str | None:
    """Any Strong no, and who holds its evidence (in See all notes)."""
    parts = []
    if summary.strong_no_from:
        names = name_list([_name(n) for n in summary.strong_no_from], NAMES_SHOWN)
        parts.append(f"recommended by {names}")
    rated = [f"{escape(c)} by {_name(n)}" for n, c in summary.strong_no_ratings]
    if rated:
        parts.append("given on " + name_list(rated, NAMES_SHOWN))
    if not parts:
        return None
    return (
        f":octagonal_sign: *Strong no* {'; '.join(parts)} — hear their evidence (See all notes) "
        "before deciding."
    )


def _criterion_line(stats: CriterionStats, submitted: int) -> str:
    """Mean, spread and how many rated it (the others marked it not assessed); fewer than
    two ratings is one opinion, not a measurement, and is flagged."""
    thin = (
        f"  :warning: rated by fewer than {MIN_RATERS_PER_CRITERION}"
        if len(stats.ratings) < MIN_RATERS_PER_CRITERION
        else ""
    )
    if stats.mean is None:
        return f"*{escape(stats.name)}* — no ratings{thin}"
    flag = "  :warning: disagreement" if stats.disagreement else ""
    veto = "  :octagonal_sign: a Strong no" if 1 in stats.ratings else ""
    rated = f"rated by {len(stats.ratings)} of {submitted}"
    spread = f"mean {score(stats.mean)} · spread {stats.spread}"
    return f"*{escape(stats.name)}* — {spread} · {rated}{flag}{veto}{thin}"


def ratings_table(snapshot: RoundSnapshot, feedback: list[PanelistFeedback]) -> TableBlock:
    head = ["Panelist", *(c.name for c in snapshot.rubric.criteria), "Recommendation"]
    rows = [[RawTextObject(text=h) for h in head]]
    for f in feedback:
        cells = [f.display_name]
        for c in snapshot.rubric.criteria:
            rating = f.draft.rating_for(c.key)
            cells.append(str(rating.rating) if rating else "–")
        cells.append(SCALE.get(f.draft.recommendation, "–"))
        rows.append([RawTextObject(text=cell) for cell in cells])
    return TableBlock(rows=rows, column_settings=[{"is_wrapped": True}])


def _questions_text(summary: PanelSummary) -> str:
    still_open = summary.open_questions
    if not still_open:
        return "*Round-1 doubts:* all resolved :white_check_mark:"
    lines = []
    for q in still_open:
        counts = " · ".join(f"{res.label} {n}" for res, n in q.counts.items()) or "not answered"
        lines.append(f"{escape(truncate(q.text, DOUBT_SHOWN))} — {counts}")
    return "*Round-1 doubts still open*\n" + bullet_list(lines)


def follow_up_lines(summary: PanelSummary, bullet: str = "•") -> list[str]:
    """The candidate's questions a panelist marked as needing a follow-up, one a line."""
    return [
        f"{bullet} _{escape(cq.panelist)}_: {escape(truncate(cq.asked, ASKED_SHOWN))}"
        for cq in summary.follow_ups
    ]


def follow_up_texts(summary: PanelSummary) -> list[str]:
    """Section texts listing the follow-ups (none when there are none)."""
    lines = follow_up_lines(summary)
    return pack_sections("*The candidate's questions needing a follow-up*", lines) if lines else []


def _candidate_questions(summary: PanelSummary) -> list[Block]:
    answered = [cq for cq in summary.candidate_questions if not cq.follow_up]
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
