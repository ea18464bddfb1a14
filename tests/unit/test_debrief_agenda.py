"""The summary is the debrief's agenda: the aggregate and the tally first; then where the
panel disagreed, naming who rated high and who rated low; any Strong no and whose evidence
it is; the round-1 doubts still open; the candidate's questions needing a follow-up. The
evidence itself stays behind See all notes."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import rules
from bot.domain.feedback import (
    Asked,
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
)
from bot.domain.panel import PanelistState, Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.stats import summarize
from bot.views.comparison import text_size
from bot.views.summary import summary_message
from tests.slack.blockkit import block_errors
from tests.support.snapshots import worst_round
from tests.support.texts import EVIL, no_raw_mentions

# Slack refuses a message whose blocks hold too much text (msg_blocks_too_long, near 12,000).
MESSAGE_TEXT_MAX = 12_000


def feedback(name: str, ratings: tuple[int, ...], rec: int, **kw: object) -> PanelistFeedback:
    draft = FeedbackDraft(
        tuple(
            Rating(c.key, r, f"{name} saw it")
            for c, r in zip(SECOND_INTERVIEW.criteria, ratings, strict=True)
        ),
        rec,
        **kw,  # type: ignore[arg-type]
    )
    return PanelistFeedback(f"U{name}", name, draft)


def sections(blocks: list[dict[str, object]]) -> list[str]:
    return [str(b["text"]["text"]) for b in blocks if b["type"] == "section"]  # type: ignore[index]


def test_the_agenda_in_its_order() -> None:
    r = replace(worst_round(), questions=((1, "Why leave Acme?"),), candidate_name="Ada")
    fb = [
        feedback(
            "Ana",
            (3, 3, 3, 3, 3),
            3,
            question_answers=(QuestionAnswer(1, Resolution.NOT_RESOLVED),),
        ),
        feedback(
            "Ben",
            (1, 2, 3, 3, 3),
            1,
            question_answers=(QuestionAnswer(1, Resolution.RESOLVED),),
            candidate_questions="Is on-call paid?",
            asked=Asked.FOLLOW_UP,
        ),
        feedback(
            "Cy", (2, 2, 3, 3, 3), 2, question_answers=(QuestionAnswer(1, Resolution.PARTLY),)
        ),
    ]
    s = summarize(SECOND_INTERVIEW, fb, list(r.questions))
    texts = sections(summary_message(r, s, fb).blocks)
    order = [
        "*Overall",
        "*Where the panel disagreed* — start the debrief here",
        ":octagonal_sign: *Strong no*",
        "*Round-1 doubts still open*",
        "*The candidate's questions needing a follow-up*",
        "*Per criterion*",
    ]
    found = [next(i for i, t in enumerate(texts) if t.startswith(head)) for head in order]
    assert found == sorted(found), texts
    disagreed = texts[found[1]].splitlines()[1:]
    assert disagreed == [
        "• *Depth of skills and experience* — high: Ana (3); low: Ben (1)",
        "• *Culture and team fit* — high: Ana (3); low: Ben (2), Cy (2)",
        "• *Recommendation* — yes: Ana (3); no: Ben (1), Cy (2)",
    ]
    assert texts[found[2]] == (
        ":octagonal_sign: *Strong no* recommended by Ben; given on Depth of skills and "
        "experience by Ben — hear their evidence (See all notes) before deciding."
    )
    assert "• _Ben_: Is on-call paid?" in texts[found[4]]
    # The evidence itself is not in the summary.
    assert not any("saw it" in t for t in texts)


def test_no_disagreement_no_section() -> None:
    r = worst_round()
    fb = [feedback("Ana", (3, 3, 3, 3, 3), 3), feedback("Ben", (4, 3, 3, 3, 3), 4)]
    texts = sections(summary_message(r, summarize(SECOND_INTERVIEW, fb, []), fb).blocks)
    assert any("*Overall" in t for t in texts), texts
    assert not any("*Where the panel disagreed*" in t or ":octagonal_sign:" in t for t in texts)


def test_the_worst_agenda_fits_one_message() -> None:
    """Twelve panelists with the longest hostile names, split on every criterion, every
    one with a Strong no and a follow-up, ten open doubts."""
    r = worst_round(Status.CLOSED)
    fb = []
    for i, p in enumerate(r.panelists):
        rating = 1 if i % 2 else 4
        draft = FeedbackDraft(
            tuple(Rating(c.key, rating, EVIL * 40) for c in r.rubric.criteria),
            1 if i % 2 else 4,
            tuple(
                QuestionAnswer(q, Resolution.NOT_RESOLVED, "n" * rules.NOTE_MAX)
                for q, _ in r.questions
            ),
            candidate_questions="?" * rules.CANDIDATE_QUESTIONS_MAX,
            asked=Asked.FOLLOW_UP,
        )
        fb.append(PanelistFeedback(p.user_id, p.name, draft))
    r = replace(r, panelists=tuple(PanelistState(p.user_id, p.name, True) for p in r.panelists))
    m = summary_message(r, summarize(r.rubric, fb, list(r.questions)), fb)
    assert block_errors(m.blocks, limit=50) == []
    no_raw_mentions(m.blocks)
    assert text_size(m.blocks) <= MESSAGE_TEXT_MAX, text_size(m.blocks)
