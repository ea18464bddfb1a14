"""A digest's rounds read as plain rows: two statements whatever their number.

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
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from bot.domain.digest import InFlight
from bot.domain.panel import PanelistState, Status
from bot.services.snapshot_rows import (
    FINISHED_COLUMNS,
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
    queries.DIGEST_ROUNDS): two statements whatever their number."""
    rounds, children = _reads_of(where)
    connection = session.connection()  # Core rows: no ORM work per row
    # .all(): iterating a result fetches row by row, and psycopg's fetchone is costly.
    found = connection.execute(rounds, params).all()
    result = DigestRounds([], [], {})
    if not found:
        return result
    panels: dict[int, list[PanelRow]] = defaultdict(list)
    questions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    given: dict[int, dict[str, GivenRow]] = defaultdict(dict)
    children_rows = connection.execute(children, params).all()
    for kind, round_id, _, user_id, text, number, data in children_rows:
        if kind == _PANELIST:
            panels[round_id].append(PanelRow(user_id, text, data))
        elif kind == _QUESTION:
            questions[round_id].append((number, text))
        else:
            given[round_id][user_id] = GivenRow(data, number)
    for row in found:
        if row.status == Status.OPEN:
            # The two statements are two snapshots on PostgreSQL (READ COMMITTED): a round
            # completed or closed between them came back with its whole panel and its
            # feedback, so who is missing is who has no feedback here either, and the panel
            # is at least those listed.
            submitted = given.get(row.id, {})
            missing = tuple(
                PanelistState(p.user_id, p.display_name, False)
                for p in panels[row.id]
                if p.user_id not in submitted
            )
            size = max(row.panel_size, len(missing))
            result.open.append(
                InFlight(row.id, row.candidate_name, row.role_name, row.due_at, size, missing)
            )
        elif row.status in Status.FINISHED:
            rows = given.get(row.id, {})
            result.finished.append(row_with_feedback(row, panels[row.id], questions[row.id], rows))
            if row.first_decided_at is not None:
                result.first_decided[row.id] = row.first_decided_at
    return result


class PanelRow(NamedTuple):
    """A panelist as row_with_feedback reads one."""

    user_id: str
    display_name: str
    focus: list[str] | None


class GivenRow(NamedTuple):
    """A feedback row as row_with_feedback reads one."""

    answers: dict[str, Any]
    revision: int


# What a row of the children's statement is.
_PANELIST, _QUESTION, _FEEDBACK = 0, 1, 2


@functools.cache
def _reads_of(where: ColumnElement[bool]) -> tuple[Executable, Executable]:
    """`digest_rounds`'s statements, built once per criterion (a module-level one: the cache
    holds each criterion it is given): each joins the rounds instead of listing their ids,
    so its text never changes and PostgreSQL's driver prepares it (an IN list of ids is a
    new text at each length; docs/performance.md).

    The rounds' panelists, questions and feedback are one statement, a UNION ALL whose
    `kind` says which a row is: one execution and round trip instead of three, which on
    PostgreSQL cost more than their rows (bench/digest.py)."""
    # The status written into the text, not bound: bound, PostgreSQL's plan for a prepared
    # statement cannot tell how many rounds `status != $1` keeps, so it planned the
    # finished rounds' questions and feedback anew at every execution (pg_prepared_statements:
    # custom_plans), which cost more than running them.
    is_open = Round.status == literal(Status.OPEN.value, literal_execute=True)
    # Of an open round the digest shows only these; its other columns are not sent (its
    # rubric was most of a round row's bytes, and every column is a conversion per row),
    # and its panel is counted (a finished round's is read whole).
    shown_open = {"id", "candidate_name", "role_name", "due_at", "status"}
    columns = [
        c if c.key in shown_open else case((~is_open, c)).label(c.key)
        for c in (*FINISHED_COLUMNS, queries.FIRST_DECIDED_AT)
    ]
    active = select(func.count()).where(
        Panelist.round_id == Round.id, Panelist.removed_at.is_(None)
    )
    panel_size = case((is_open, active.scalar_subquery())).label("panel_size")
    rounds = (
        select(*columns, panel_size)
        .join_from(Round, Role, Role.id == Round.role_id)
        .where(where)
        .order_by(Round.id)
    )
    # kind, round id, order within the kind, user id, text, number, JSON data.
    # A finished round's whole active panel; of an open one's, who has not submitted. (An
    # outer join, not NOT EXISTS: ORed with the status, PostgreSQL hashed all the feedback.)
    panelists = (
        select(
            _kind(_PANELIST),
            Panelist.round_id,
            Panelist.id.label("position"),
            Panelist.user_id,
            Panelist.display_name.label("text"),
            cast(null(), Integer).label("number"),
            Panelist.focus.label("data"),
        )
        .join_from(Panelist, Round, Round.id == Panelist.round_id)
        .outerjoin(
            Feedback,
            (Feedback.round_id == Panelist.round_id) & (Feedback.user_id == Panelist.user_id),
        )
        .where(where, Panelist.removed_at.is_(None), or_(~is_open, Feedback.id.is_(None)))
    )
    questions = (
        select(
            _kind(_QUESTION),
            Question.round_id,
            Question.position,
            null(),
            Question.text,
            Question.id,
            null(),
        )
        .join_from(Question, Round, Round.id == Question.round_id)
        .where(where, ~is_open)
    )
    feedback = (
        select(
            _kind(_FEEDBACK),
            Feedback.round_id,
            Feedback.id,
            Feedback.user_id,
            null(),
            Feedback.revision,
            Feedback.answers,
        )
        .join_from(Feedback, Round, Round.id == Feedback.round_id)
        .where(where, ~is_open)
    )
    children = union_all(panelists, questions, feedback).order_by("kind", "position")
    return rounds, children


def _kind(kind: int) -> ColumnElement[int]:
    return literal(kind, Integer, literal_execute=True).label("kind")
