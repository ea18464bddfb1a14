"""Rules a panel and its feedback must follow. Each returns user-facing messages, no Slack."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from bot.domain.feedback import Asked, FeedbackDraft
from bot.domain.rubric import EXTREME_RATINGS, SCALE, Rubric

MAX_PANELISTS = 12
MAX_QUESTIONS = 10
MIN_RATERS_PER_CRITERION = 2
CANDIDATE_NAME_MAX = 120
ROLE_NAME_MAX = 80
QUESTION_MAX = 300
LINK_MAX = 500
EVIDENCE_MAX = 1500
NOTE_MAX = 1000
CANDIDATE_QUESTIONS_MAX = 1500
# The largest id (and version) the database holds: PostgreSQL's integer. A bigger number in
# a button or a form names nothing, and must not reach a query (PostgreSQL refuses it).
ID_MAX = 2**31 - 1


def blank(text: str) -> bool:
    """Nothing a reader could see: str.strip() keeps zero-width spaces, direction marks and
    other format characters (category Cf), so a name of only those would pass as a name."""
    return all(unicodedata.category(char)[0] in "ZC" for char in text)


def whole_number(raw: object, limit: int = ID_MAX) -> int | None:
    """`raw` written in ASCII digits, at most `limit`; None for anything else ("²" and "١"
    are digits to str.isdigit, and int() takes "١" too)."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(limit)):
        return None
    value = int(text)
    return value if value <= limit else None


@dataclass(frozen=True)
class UserFacts:
    user_id: str
    name: str
    is_bot: bool
    deleted: bool
    exists: bool = True
    tz: str | None = None  # IANA name from their Slack profile


@dataclass(frozen=True)
class PanelRequest:
    candidate_name: str
    profile_link: str
    role_name: str
    questions: list[str]
    panelists: list[UserFacts]
    interview_at: datetime | None
    due_at: datetime | None


def split_questions(text: str) -> list[str]:
    return [line.strip(" \t-•*") for line in text.splitlines() if line.strip(" \t-•*")]


def panel_request_errors(req: PanelRequest) -> dict[str, str]:
    """Field name → what is wrong, for every problem at once (a person fixes them together)."""
    errors: dict[str, str] = {}
    if blank(req.candidate_name):
        errors["candidate"] = "Enter the candidate's name."
    elif len(req.candidate_name) > CANDIDATE_NAME_MAX:
        errors["candidate"] = f"Keep the name under {CANDIDATE_NAME_MAX} characters."
    if req.profile_link:
        parsed = urlparse(req.profile_link)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            errors["link"] = "Use a full web address starting with https://"
    if blank(req.role_name):
        errors["role"] = "Pick a role or type a new one."
    elif len(req.role_name) > ROLE_NAME_MAX:
        errors["role"] = f"Keep the role name under {ROLE_NAME_MAX} characters."
    if len(req.questions) > MAX_QUESTIONS:
        errors["questions"] = f"List at most {MAX_QUESTIONS} questions, one per line."
    elif any(len(q) > QUESTION_MAX for q in req.questions):
        errors["questions"] = f"Keep each question under {QUESTION_MAX} characters."
    problem = panelist_error(req.panelists)
    if problem:
        errors["panelists"] = problem
    if req.interview_at is None:
        errors["interview_at"] = "Pick the interview date and time."
    if req.due_at is not None and req.interview_at is not None and req.due_at <= req.interview_at:
        errors["due_at"] = "Feedback must be due after the interview."
    return errors


def panelist_error(panelists: list[UserFacts]) -> str | None:
    if not panelists:
        return "Pick at least one panelist."
    if len(panelists) > MAX_PANELISTS:
        return f"A panel has at most {MAX_PANELISTS} people; you picked {len(panelists)}."
    bots = [p.name for p in panelists if p.is_bot]
    if bots:
        return "Bots can't give feedback; remove " + ", ".join(bots) + "."
    gone = [p.name for p in panelists if p.deleted or not p.exists]
    if gone:
        return "Deactivated accounts can't give feedback; remove " + ", ".join(gone) + "."
    return None


def thinly_covered(rubric: Rubric, panel_size: int) -> list[str]:
    """Criteria that fewer than two people will rate: one opinion is not a measurement."""
    if panel_size >= MIN_RATERS_PER_CRITERION:
        return []
    return [c.name for c in rubric.criteria]


def feedback_errors(
    rubric: Rubric,
    question_ids: list[int],
    draft: FeedbackDraft,
    required: Collection[str] | None = None,
) -> dict[str, str]:
    """Field → what is wrong. Slack enforces lengths in the client; forged payloads don't.
    `required`: the criteria that must be rated (the panelist's focus areas; None: all);
    the others may be left not assessed."""
    errors: dict[str, str] = {}
    for criterion in rubric.criteria:
        rating = draft.rating_for(criterion.key)
        if rating is None:
            if required is None:
                errors[f"rating:{criterion.key}"] = "Pick a rating."
            elif criterion.key in required:
                errors[f"rating:{criterion.key}"] = "Rate this: it is one of your focus areas."
        elif rating.rating in EXTREME_RATINGS and blank(rating.evidence):
            errors[f"evidence:{criterion.key}"] = (
                f"Say what you saw that earns a {SCALE[rating.rating]}."
            )
        elif len(rating.evidence) > EVIDENCE_MAX:
            errors[f"evidence:{criterion.key}"] = f"Keep this under {EVIDENCE_MAX} characters."
    answered = {a.question_id: a for a in draft.question_answers}
    for question_id in question_ids:
        answer = answered.get(question_id)
        if answer is None:
            errors[f"q:{question_id}"] = "Mark this resolved, partly or not resolved."
        elif len(answer.note) > NOTE_MAX:
            errors[f"qnote:{question_id}"] = f"Keep this under {NOTE_MAX} characters."
    if len(draft.candidate_questions) > CANDIDATE_QUESTIONS_MAX:
        errors["candidate_questions"] = f"Keep this under {CANDIDATE_QUESTIONS_MAX} characters."
    elif draft.asked == Asked.FOLLOW_UP and blank(draft.candidate_questions):
        errors["candidate_questions"] = "Say what they asked that needs a follow-up."
    if draft.recommendation not in SCALE:
        errors["recommendation"] = "Pick your overall recommendation."
    return errors
