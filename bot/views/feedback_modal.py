"""The structured feedback modal: a 1–4 rating with anchors and evidence per criterion,
round-1 doubts, the candidate's questions, and the overall recommendation."""

from __future__ import annotations

import contextlib
import functools
import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
)

from bot.codec import RoundMeta
from bot.domain import rules
from bot.domain.feedback import (
    Asked,
    Engagement,
    FeedbackDraft,
    QuestionAnswer,
    Rating,
    Resolution,
    kept_for,
)
from bot.domain.panel import RoundSnapshot, Status
from bot.domain.rubric import SCALE, Criterion
from bot.text import escape, truncate
from bot.views import ids
from bot.views.common import context, md, modal, notice_modal, text_input
from bot.views.state import StateValues, selected, text_value

LABEL_MAX = 2000
HINT_MAX = 2000


NOT_ASSESSED = "na"


def feedback_modal(
    snapshot: RoundSnapshot, existing: FeedbackDraft | None = None, user_id: str | None = None
) -> dict[str, Any]:
    """`user_id`: whose modal it is; their focus criteria come first and must be rated, the
    others may be marked Not assessed (without focus areas, every criterion is required)."""
    focus = snapshot.focus_of(user_id) if user_id and snapshot.focus_assigned else ()
    blocks: list[Block | dict[str, Any]] = [
        md(f"*{escape(snapshot.candidate_name)}* · {escape(snapshot.role_name)}"),
        context(
            "Rate what you observed: 1 Strong no · 2 No · 3 Yes · 4 Strong yes (no neutral). "
            "A Strong yes or Strong no needs evidence. Sealed until the whole panel submits."
        ),
    ]
    if focus:
        names = ", ".join(c.name for c in snapshot.rubric.criteria if c.key in focus)
        blocks.append(
            md(
                f"*Your focus:* {escape(names)}. Rate these first. The other criteria: rate "
                "what you observed, or mark them *Not assessed*."
            )
        )
    ordered = [c for c in snapshot.rubric.criteria if c.key in focus] + [
        c for c in snapshot.rubric.criteria if c.key not in focus
    ]
    for criterion in ordered:
        given = existing.rating_for(criterion.key) if existing else None
        optional = bool(focus) and criterion.key not in focus
        if given is None:
            blocks += [
                json.loads(b) for b in _unrated_inputs(criterion, optional, existing is None)
            ]
        else:
            blocks += _criterion_inputs(criterion, given, optional, assessed=existing is None)
    if snapshot.questions:
        blocks += [DividerBlock(), md("*Round-1 doubts*")]
        answers = {a.question_id: a for a in existing.question_answers} if existing else {}
        for question_id, text in snapshot.questions:
            blocks += _question_inputs(question_id, text, answers.get(question_id))
    if existing is None:
        blocks += [json.loads(b) for b in _unanswered_closing_inputs()]
    else:
        blocks += _closing_inputs(existing)
    title = "Edit feedback" if existing else "Feedback"
    return modal(
        ids.FEEDBACK, title, blocks, submit="Submit", metadata=RoundMeta(round=snapshot.id)
    )


def feedback_saved_modal(snapshot: RoundSnapshot) -> dict[str, Any]:
    if snapshot.status == Status.OPEN:
        waiting = len(snapshot.missing)
        text = (
            "Thanks — your feedback is in. It stays sealed until the whole panel has "
            f"submitted ({waiting} still to go). You can edit it from your DM until the "
            "round closes."
        )
    else:
        text = (
            "Thanks — the panel is complete, so the summary in the hiring channel now "
            "shows your feedback. You can edit it from your DM until the round closes."
        )
    return notice_modal("Feedback saved", text)


def _closing_inputs(existing: FeedbackDraft | None) -> list[Block]:
    """What the candidate asked, and the overall recommendation."""
    return [
        DividerBlock(),
        text_input(
            "candidate_questions",
            "What did the candidate ask?",
            rules.CANDIDATE_QUESTIONS_MAX,
            initial=existing.candidate_questions if existing else None,
            optional=True,
            multiline=True,
            hint="Their questions tell you about motivation and two-way fit.",
        ),
        InputBlock(
            block_id="asked",
            label="Their questions",
            optional=True,
            element=RadioButtonsElement(
                action_id="value",
                options=[_option(a.value, a.label) for a in Asked],
                initial_option=_option(existing.asked.value, existing.asked.label)
                if existing and existing.asked
                else None,
            ),
            hint="A follow-up goes on the organizer's checklist when the decision is made.",
        ),
        InputBlock(
            block_id="engagement",
            label="How engaged did they seem?",
            optional=True,
            element=RadioButtonsElement(
                action_id="value",
                options=[_option(e.value, e.label) for e in Engagement],
                initial_option=_option(existing.engagement.value, existing.engagement.label)
                if existing and existing.engagement
                else None,
            ),
        ),
        InputBlock(
            block_id="recommendation",
            label="Overall recommendation",
            element=RadioButtonsElement(
                action_id="value",
                options=[_scale_option(n) for n in (4, 3, 2, 1)],
                initial_option=_scale_option(existing.recommendation) if existing else None,
            ),
        ),
    ]


@functools.cache
def _unanswered_closing_inputs() -> tuple[str, ...]:
    """`_closing_inputs` of a first submission, as Block Kit JSON: the same in every first
    modal, so built once, like `_unrated_inputs`."""
    return tuple(json.dumps(block.to_dict()) for block in _closing_inputs(None))


@functools.lru_cache(maxsize=1024)
def _unrated_inputs(criterion: Criterion, optional: bool, assessed: bool) -> tuple[str, ...]:
    """A criterion's inputs with nothing rated yet, as Block Kit JSON: the same for every
    panelist on the same rubric version, so built once (slack_sdk's to_dict of these was
    most of a Give feedback click's rendering, docs/performance.md). Kept as text so each
    modal gets dicts of its own."""
    return tuple(
        json.dumps(block.to_dict())
        for block in _criterion_inputs(criterion, None, optional, assessed)
    )


def _criterion_inputs(
    criterion: Criterion, given: Rating | None, optional: bool = False, assessed: bool = True
) -> list[Block]:
    """`optional`: not one of the panelist's focus areas, so Not assessed is offered (and
    preselected when their earlier feedback left it so; `assessed` is True for a first
    submission, where nothing is preselected)."""
    options = [_scale_option(n, criterion.anchor(n)) for n in (4, 3, 2, 1)]
    initial = _scale_option(given.rating, criterion.anchor(given.rating)) if given else None
    if optional:
        options.append(_option(NOT_ASSESSED, "Not assessed"))
        if given is None and not assessed:
            initial = options[-1]
    return [
        InputBlock(
            block_id=f"rating:{criterion.key}",
            label=truncate(criterion.name, LABEL_MAX),
            hint=truncate(criterion.probe, HINT_MAX),
            optional=optional,
            element=RadioButtonsElement(action_id="value", options=options, initial_option=initial),
        ),
        text_input(
            f"evidence:{criterion.key}",
            f"Evidence — {criterion.name}",
            rules.EVIDENCE_MAX,
            initial=given.evidence if given else None,
            optional=True,
            multiline=True,
            hint="What did you see or hear? Required for a Strong yes or a Strong no.",
        ),
    ]


def _question_inputs(question_id: int, text: str, given: QuestionAnswer | None) -> list[Block]:
    return [
        InputBlock(
            block_id=f"q:{question_id}",
            label=truncate(text, LABEL_MAX),
            element=RadioButtonsElement(
                action_id="value",
                options=[_option(r.value, r.label) for r in Resolution],
                initial_option=_option(given.resolution.value, given.resolution.label)
                if given
                else None,
            ),
        ),
        text_input(
            f"qnote:{question_id}",
            "Note",
            rules.NOTE_MAX,
            initial=given.note if given else None,
            optional=True,
        ),
    ]


def _scale_option(rating: int, anchor: str | None = None) -> Option:
    label = f"*{rating} · {SCALE[rating]}*"
    return Option(
        value=str(rating),
        text=MarkdownTextObject(text=label),
        description=PlainTextObject(text=anchor[:75]) if anchor else None,
    )


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=label))


def read_feedback(values: StateValues) -> FeedbackDraft:
    """Read the modal back, every criterion and question it carries (the feedback service
    keeps the round's: `kept_for`). Unknown or forged values read as missing; rules name
    them."""
    ratings = []
    answers = []
    for block_id in values:
        kind, _, key = str(block_id).partition(":")
        if kind == "rating" and (rating := _scale_value(selected(values, block_id))):
            ratings.append(Rating(key, rating, text_value(values, f"evidence:{key}")))
        question_id = rules.whole_number(key) if kind == "q" else None
        if question_id is not None and str(question_id) == key:
            with contextlib.suppress(ValueError):
                resolution = Resolution(selected(values, block_id))
                answers.append(
                    QuestionAnswer(question_id, resolution, text_value(values, f"qnote:{key}"))
                )
    engagement = None
    with contextlib.suppress(ValueError):
        engagement = Engagement(selected(values, "engagement"))
    asked = None
    with contextlib.suppress(ValueError):
        asked = Asked(selected(values, "asked"))
    return FeedbackDraft(
        ratings=tuple(ratings),
        recommendation=_scale_value(selected(values, "recommendation")),
        question_answers=tuple(answers),
        candidate_questions=text_value(values, "candidate_questions"),
        engagement=engagement,
        asked=asked,
    )


def parse_feedback(snapshot: RoundSnapshot, values: StateValues) -> FeedbackDraft:
    """The modal of round `snapshot` read back: its criteria and questions only."""
    criteria = [c.key for c in snapshot.rubric.criteria]
    return kept_for(read_feedback(values), criteria, [q for q, _ in snapshot.questions])


def _scale_value(raw: str) -> int:
    return int(raw) if raw in ("1", "2", "3", "4") else 0
