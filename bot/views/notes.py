"""Every panelist's evidence, one panelist a page (a modal holds 100 blocks)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock

from bot.codec import NotesPage, RoundMeta, encode
from bot.domain.feedback import PanelistFeedback
from bot.domain.panel import RoundSnapshot
from bot.domain.rubric import scale_label
from bot.text import escape
from bot.views import ids
from bot.views.common import actions, button, context, md, modal, notice_modal
from bot.views.summary import engagement_note


def notes_modal(
    snapshot: RoundSnapshot, feedback: list[PanelistFeedback], page: int
) -> dict[str, Any]:
    if not feedback:
        return notice_modal("Panel notes", "No feedback was submitted for this round.")
    page = max(0, min(page, len(feedback) - 1))
    f = feedback[page]
    questions = dict(snapshot.questions)
    blocks: list[Block] = [
        md(f"*{escape(snapshot.candidate_name)}* · {escape(snapshot.role_name)}"),
        md(f"*{escape(f.display_name)}* — recommendation *{scale_label(f.draft.recommendation)}*"),
        DividerBlock(),
    ]
    for criterion in snapshot.rubric.criteria:
        rating = f.draft.rating_for(criterion.key)
        if rating is None:
            blocks.append(md(f"*{escape(criterion.name)}* — not assessed"))
            continue
        evidence = escape(rating.evidence) if rating.evidence else "_no evidence given_"
        blocks.append(md(f"*{escape(criterion.name)}* — {scale_label(rating.rating)}\n{evidence}"))
    for answer in f.draft.question_answers:
        if answer.question_id in questions:
            note = f"\n{escape(answer.note)}" if answer.note else ""
            blocks.append(
                md(f"*{escape(questions[answer.question_id])}* — {answer.resolution.label}{note}")
            )
    if f.draft.candidate_questions or f.draft.engagement:
        asked = escape(f.draft.candidate_questions) or "_nothing noted_"
        blocks.append(md(f"*The candidate asked*{engagement_note(f.draft.engagement)}\n{asked}"))
    blocks.append(context(f"Panelist {page + 1} of {len(feedback)} · revision {f.revision}"))
    nav = []
    if page > 0:
        nav.append(
            button(
                "◀ Previous",
                ids.NOTES_PAGE_PREV,
                encode(NotesPage(round=snapshot.id, page=page - 1)),
            )
        )
    if page < len(feedback) - 1:
        nav.append(
            button(
                "Next ▶", ids.NOTES_PAGE_NEXT, encode(NotesPage(round=snapshot.id, page=page + 1))
            )
        )
    if nav:
        blocks.append(actions(*nav))
    return modal(
        ids.NOTES, "Panel notes", blocks, close="Close", metadata=RoundMeta(round=snapshot.id)
    )
