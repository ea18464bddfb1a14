"""A digest's rounds read as plain rows: four statements whatever their number.

A digest shows of an open round its candidate, role, due time, how many of its panel have
submitted and who is still missing; nothing of its questions, answers or rubric. So the
open rounds come with their panel counted by the database (`panel_size`), and of their
panelists only the missing ones are read: their feedback rows, questions and rubric are
not read at all. The finished rounds are read whole, as `snapshot_rows` reads them (their
summary needs the feedback). On PostgreSQL this was most of the rows a digest read
(bench/digest.py, docs/performance.md)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, Text, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.domain.digest import InFlight
from bot.domain.panel import PanelistState, Status
from bot.services.snapshot_rows import (
    FINISHED_COLUMNS,
    PANEL_COLUMNS,
    QUESTION_COLUMNS,
    WithFeedback,
    row_with_feedback,
)
from storage import queries
from storage.models import Feedback, Panelist, Question, Role, Round


@dataclass(frozen=True)
class DigestRounds:
    """A channel's rounds for its digest, each list in id order."""

    open: list[InFlight]
    finished: list[WithFeedback]  # complete or closed, with their active panelists' feedback
    first_decided: dict[int, datetime]  # finished round id → its decision's first version


def digest_rounds(
    session: Session, where: ColumnElement[bool], params: Mapping[str, Any]
) -> DigestRounds:
    """The open and finished rounds `where` selects (its values bound by `params`, e.g.
    queries.DIGEST_ROUNDS): four statements whatever their number."""
    rounds, panel_rows, question_rows, feedback_rows = _reads_of(where)
    connection = session.connection()  # Core rows: no ORM work per row
    # .all(): iterating a result fetches row by row, and psycopg's fetchone is costly.
    found = connection.execute(rounds, params).all()
    result = DigestRounds([], [], {})
    if not found:
        return result
    panels: dict[int, list[Any]] = defaultdict(list)
    for p in connection.execute(panel_rows, params).all():
        panels[p.round_id].append(p)
    questions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    given: dict[int, dict[str, Any]] = defaultdict(dict)
    if any(row.status != Status.OPEN for row in found):  # else both would be empty
        for q in connection.execute(question_rows, params).all():
            questions[q.round_id].append((q.id, q.text))
        for f in connection.execute(feedback_rows, params).all():
            given[f.round_id][f.user_id] = f
    for row in found:
        if row.status == Status.OPEN:
            missing = tuple(PanelistState(p.user_id, p.display_name, False) for p in panels[row.id])
            result.open.append(
                InFlight(
                    row.id, row.candidate_name, row.role_name, row.due_at, row.panel_size, missing
                )
            )
        elif row.status in Status.FINISHED:
            rows = given.get(row.id, {})
            result.finished.append(row_with_feedback(row, panels[row.id], questions[row.id], rows))
            if row.first_decided_at is not None:
                result.first_decided[row.id] = row.first_decided_at
    return result


@functools.cache
def _reads_of(where: ColumnElement[bool]) -> tuple[Executable, Executable, Executable, Executable]:
    """`digest_rounds`'s statements, built once per criterion (a module-level one: the cache
    holds each criterion it is given): each joins the rounds instead of listing their ids,
    so its text never changes and PostgreSQL's driver prepares it (an IN list of ids is a
    new text at each length; docs/performance.md)."""
    # The status written into the text, not bound: bound, PostgreSQL's plan for a prepared
    # statement cannot tell how many rounds `status != $1` keeps, so it planned the
    # finished rounds' questions and feedback anew at every execution (pg_prepared_statements:
    # custom_plans), which cost more than running them.
    is_open = Round.status == literal(Status.OPEN.value, literal_execute=True)
    # An open round's rubric is not shown: not sent (most of a round row's bytes).
    rubric = case((~is_open, cast(Round.rubric, Text))).label("rubric")
    panel_size = (
        select(func.count())
        .where(Panelist.round_id == Round.id, Panelist.removed_at.is_(None))
        .scalar_subquery()
        .label("panel_size")
    )
    columns = [rubric if c.key == "rubric" else c for c in FINISHED_COLUMNS]
    rounds = (
        select(*columns, queries.FIRST_DECIDED_AT, panel_size)
        .join_from(Round, Role, Role.id == Round.role_id)
        .where(where)
        .order_by(Round.id)
    )
    # A finished round's whole active panel; of an open one's, who has not submitted. (An
    # outer join, not NOT EXISTS: ORed with the status, PostgreSQL hashed all the feedback.)
    panels = (
        select(*PANEL_COLUMNS)
        .join_from(Panelist, Round, Round.id == Panelist.round_id)
        .outerjoin(
            Feedback,
            (Feedback.round_id == Panelist.round_id) & (Feedback.user_id == Panelist.user_id),
        )
        .where(where, Panelist.removed_at.is_(None), or_(~is_open, Feedback.id.is_(None)))
        .order_by(Panelist.id)
    )
    questions = (
        select(*QUESTION_COLUMNS)
        .join_from(Question, Round, Round.id == Question.round_id)
        .where(where, ~is_open)
        .order_by(Question.position)
    )
    feedback = (
        select(Feedback.round_id, Feedback.user_id, Feedback.revision, Feedback.answers)
        .join_from(Feedback, Round, Round.id == Feedback.round_id)
        .where(where, ~is_open)
        .order_by(Feedback.id)
    )
    return rounds, panels, questions, feedback
