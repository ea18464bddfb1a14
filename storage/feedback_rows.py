"""What a feedback submission writes: the panelist's current feedback row, its ratings and
a revision, as Core statements built once.

Through the ORM's unit of work (a Feedback, a RatingRow per criterion, a FeedbackRevision,
the flush deciding their order) these three inserts were a fifth of a submission's CPU
(bench/request_cpu.py, docs/performance.md). The caller holds the
round's row lock, so nothing else writes this panelist's feedback meanwhile."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from storage.models import Feedback, FeedbackRevision, RatingRow


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


_FEEDBACK, _RATINGS, _REVISIONS = _table(Feedback), _table(RatingRow), _table(FeedbackRevision)
_INSERT_FEEDBACK = insert(_FEEDBACK).returning(_FEEDBACK.c.id)
_UPDATE_FEEDBACK = (
    update(_FEEDBACK)
    .where(_FEEDBACK.c.id == bindparam("feedback_id"))
    .values(
        revision=bindparam("revision"),
        answers=bindparam("answers"),
        candidate_questions=bindparam("candidate_questions"),
        doubt_answers=bindparam("doubt_answers"),
        recommendation=bindparam("recommendation"),
        updated_at=bindparam("updated_at"),
    )
)
# An edit replaces the ratings: deleted first, so the (feedback, criterion) unique key never
# sees the old and the new row of one criterion at once. Nothing refers to a rating's id.
_DELETE_RATINGS = delete(_RATINGS).where(_RATINGS.c.feedback_id == bindparam("feedback_id"))
_INSERT_RATINGS = insert(_RATINGS)
_INSERT_REVISION = insert(_REVISIONS)


def answer_columns(answers: dict[str, Any]) -> dict[str, Any]:
    """The feedback's columns copied from its answers (FeedbackDraft data, draft_to_data):
    what the candidate asked, and [question id, resolution] of each round-1 doubt answered,
    as draft_from_data reads them. Every write of the answers writes these with them."""
    return {
        "candidate_questions": answers.get("candidate_questions") or "",
        "doubt_answers": [[int(a["id"]), a["resolution"]] for a in answers.get("questions", [])],
    }


def save_feedback(
    session: Session,
    team_id: str,
    round_id: int,
    user_id: str,
    mine: Feedback | None,
    answers: dict[str, Any],
    recommendation: int,
    ratings: list[tuple[str, int]],
    now: datetime,
) -> int:
    """Store the panelist's answers as their feedback (`mine`: the row they have, if any),
    its (criterion, rating) rows, and a revision; returns the revision number."""
    connection = session.connection()
    if mine is None:
        revision = 1
        # When they first submitted, by the service's clock (timeliness reads it).
        feedback_id = connection.execute(
            _INSERT_FEEDBACK,
            {
                "team_id": team_id,
                "round_id": round_id,
                "user_id": user_id,
                "revision": revision,
                "recommendation": recommendation,
                "answers": answers,
                **answer_columns(answers),
                "submitted_at": now,
                "updated_at": now,
            },
        ).scalar_one()
    else:
        revision, feedback_id = mine.revision + 1, mine.id
        connection.execute(
            _UPDATE_FEEDBACK,
            {
                "feedback_id": feedback_id,
                "revision": revision,
                "answers": answers,
                **answer_columns(answers),
                "recommendation": recommendation,
                "updated_at": now,
            },
        )
        connection.execute(_DELETE_RATINGS, {"feedback_id": feedback_id})
        # Written around the ORM: a later read of it in this session must not see the old row.
        session.expire(mine)
    if ratings:
        connection.execute(
            _INSERT_RATINGS,
            [
                {"team_id": team_id, "feedback_id": feedback_id, "criterion_key": k, "rating": r}
                for k, r in ratings
            ],
        )
    connection.execute(
        _INSERT_REVISION,
        {"team_id": team_id, "feedback_id": feedback_id, "revision": revision, "answers": answers},
    )
    return revision
