"""Round snapshots read as plain rows, without ORM objects, for the hottest reads.

`/panel status` (and App Home) runs on every request of that kind; built from ORM objects
(a Round, its Role, every Panelist and Question, loaded with selectinload), the ORM's work
per row and per query was most of its CPU (bench/load.py, docs/performance.md). Here the
same statements select only the columns a snapshot shows, and the panel, the questions and
who has submitted are read for all the rounds at once: four queries, whatever the number.
`snapshots_with_feedback` does the same with the feedback itself in place of who has
submitted (the heatmap, exports); `snapshots_with_figures` gives the comparison each
criterion's ratings counted by the database (bench/compare.py). A digest's reads are in
bot/services/digest_rows.py."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Select,
    Text,
    bindparam,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from bot.domain.feedback import PanelistFeedback
from bot.domain.panel import RoundSnapshot
from bot.domain.panel_figures import SCALE, CriterionFigures, PanelFigures, open_doubts
from bot.domain.rubric import Rubric
from bot.services.snapshots import panel_feedback, snapshot_of
from storage.models import Feedback, Panelist, Question, RatingRow, Role, Round

COLUMNS = (
    Round.id,
    Round.team_id,
    Round.candidate_name,
    Round.profile_link,
    Role.name.label("role_name"),
    Round.organizer_id,
    Round.channel_id,
    Round.interview_at,
    Round.due_at,
    # As stored (text): a channel's or a role's rounds share a few rubrics, each parsed once
    # (_rubric) instead of once per round.
    cast(Round.rubric, Text).label("rubric"),
    Round.status,
    Round.announcement_ts,
    Round.summary_ts,
    Round.decision,
    Round.decided_at,
)
# And when the round finished (complete, else closed, else created), for WithFeedback.
FINISHED_COLUMNS = (*COLUMNS, Round.completed_at, Round.closed_at, Round.created_at)


# Built once: constructing a statement (coercing every id of an IN list, its cache key)
# cost about as much as running it, paid per statement of every digest (docs/performance.md).
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_PANEL_COLUMNS = (Panelist.round_id, Panelist.user_id, Panelist.display_name, Panelist.focus)
_QUESTION_COLUMNS = (Question.round_id, Question.id, Question.text)
_PANELS = (
    select(*_PANEL_COLUMNS)
    .where(Panelist.round_id.in_(_IDS), Panelist.removed_at.is_(None))
    .order_by(Panelist.id)
)
_QUESTIONS = (
    select(*_QUESTION_COLUMNS).where(Question.round_id.in_(_IDS)).order_by(Question.position)
)
_SUBMITTED = select(Feedback.round_id, Feedback.user_id).where(Feedback.round_id.in_(_IDS))
_FEEDBACK = (
    select(Feedback.round_id, Feedback.user_id, Feedback.answers, Feedback.revision)
    .where(Feedback.round_id.in_(_IDS))
    .order_by(Feedback.id)
)


def snapshots(
    session: Session, rounds: Select[Round], params: Mapping[str, Any] | None = None
) -> list[RoundSnapshot]:
    """The snapshots of the rounds `rounds` selects, in its order. With `params`, `rounds`
    is a statement built once (module-level, its values bound by `params`), and so is what
    this makes of it."""
    found, panels, questions = _rounds(session, rounds, params, finished=False)
    if not found:
        return []
    ids = [row.id for row in found]
    submitted: dict[int, set[str]] = defaultdict(set)
    for f in session.connection().execute(_SUBMITTED, {"ids": ids}):
        submitted[f.round_id].add(f.user_id)
    return [
        row_snapshot(row, panels[row.id], questions[row.id], submitted[row.id]) for row in found
    ]


@dataclass(frozen=True)
class WithFeedback:
    """A round's snapshot, its active panelists' feedback in panel order, when it finished."""

    snapshot: RoundSnapshot
    feedback: list[PanelistFeedback]
    finished_at: datetime  # completed, else closed, else created


def snapshots_with_feedback(
    session: Session, rounds: Select[Round], params: Mapping[str, Any] | None = None
) -> list[WithFeedback]:
    """The rounds `rounds` selects, in its order, with their feedback (removed panelists'
    left out): four queries, whatever the number of rounds."""
    found, panels, questions = _rounds(session, rounds, params, finished=True)
    if not found:
        return []
    given: dict[int, dict[str, Any]] = defaultdict(dict)
    for f in session.execute(_FEEDBACK, {"ids": [row.id for row in found]}):
        given[f.round_id][f.user_id] = f
    return [
        row_with_feedback(row, panels[row.id], questions[row.id], given.get(row.id, {}))
        for row in found
    ]


def row_with_feedback(
    row: Any, panel: Sequence[Any], questions: list[tuple[int, str]], given: dict[str, Any]
) -> WithFeedback:
    """`given`: the round's feedback rows by user id."""
    feedback = panel_feedback(panel, given)
    finished_at = row.completed_at or row.closed_at or row.created_at
    return WithFeedback(row_snapshot(row, panel, questions, given), feedback, finished_at)


# A row of _PANEL_COLUMNS as a named tuple: its fields are read for every panelist of every
# compared round, and a Row's attribute costs about ten times a tuple's.
class _PanelRow(NamedTuple):
    round_id: int
    user_id: str
    display_name: str
    focus: Any


def snapshots_with_figures(
    session: Session, where: ColumnElement[bool], params: Mapping[str, Any]
) -> list[PanelFigures]:
    """The rounds `where` selects (values bound by `params`: role_queries.ROLE_FINISHED), by
    id, as a comparison sees them (removed panelists' feedback left out): five statements
    whatever their number, the criteria counted by the database, of the answers only what
    the candidate asked and the doubts' resolutions read, from their own columns."""
    rounds, panel_rows, question_rows, answer_rows, criterion_rows = _figure_reads(where)
    connection = session.connection()  # Core: plain rows, without the ORM's result layer
    found = connection.execute(rounds, params).all()
    if not found:
        return []
    panels: dict[int, list[Any]] = defaultdict(list)
    for p in connection.execute(panel_rows, params).all():
        panels[p[0]].append(_PanelRow._make(p))
    questions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for round_id, question_id, question in connection.execute(question_rows, params).all():
        questions[round_id].append((question_id, question))
    # Unpacked by position, as the panelists are made tuples (_PanelRow).
    given: dict[int, dict[str, Any]] = defaultdict(dict)
    for round_id, user_id, *figures in connection.execute(answer_rows, params).all():
        given[round_id][user_id] = figures  # recommendation, asked, doubts' answers (text)
    criteria: dict[int, dict[str, CriterionFigures]] = defaultdict(dict)
    for round_id, key, count, total, low, high, *by_value in connection.execute(
        criterion_rows, params
    ).all():
        criteria[round_id][key] = CriterionFigures(count, total, low, high, tuple(by_value))
    result = []
    for row in found:
        rows = given.get(row.id, {})
        panel = panels[row.id]
        recommendations: dict[int, int] = {}
        answers: list[Any] = []  # [question id, resolution] of each doubt's answer
        asked = []
        for p in panel:
            mine = rows.get(p.user_id)
            if mine is None:
                continue
            rec, candidate_questions, doubts = mine
            recommendations[rec] = recommendations.get(rec, 0) + 1
            if doubts != "[]":
                answers += json.loads(doubts)
            asked.append(candidate_questions)
        snap = row_snapshot(row, panel, questions[row.id], rows)
        result.append(
            PanelFigures(
                round=snap,
                finished_at=row.completed_at or row.closed_at or row.created_at,
                criteria=criteria.get(row.id, {}),
                recommendations=recommendations,
                unresolved=open_doubts((q for q, _ in snap.questions), answers),
                asked=tuple(asked),
            )
        )
    return result


@functools.cache
def _figure_reads(where: ColumnElement[bool]) -> tuple[Executable, ...]:
    """`snapshots_with_figures`' statements, built once per (module-level) criterion, each
    joining the rounds: its text never changes, so PostgreSQL's driver prepares it (an IN
    list of 500 ids was rendered, sent and parsed four times; docs/performance.md)."""
    rounds = (
        select(*FINISHED_COLUMNS)
        .join_from(Round, Role, Role.id == Round.role_id)
        .where(where)
        .order_by(Round.id)
    )
    # The feedback's numbers and the two values of its answers the comparison shows, the
    # doubts' answers as text: decoded only when there is one (the driver decoding every
    # row's JSON, mostly an empty list, cost more than fetching it).
    answers = (
        select(
            Feedback.round_id,
            Feedback.user_id,
            Feedback.recommendation,
            Feedback.candidate_questions,
            cast(Feedback.doubt_answers, Text).label("doubt_answers"),
        )
        .join_from(Feedback, Round, Round.id == Feedback.round_id)
        .where(where)
    )
    # Each criterion's ratings counted per round, of its active panelists.
    criteria = (
        select(
            Feedback.round_id,
            RatingRow.criterion_key,
            func.count(),
            func.sum(RatingRow.rating),
            func.min(RatingRow.rating),
            func.max(RatingRow.rating),
            *(func.count(case((RatingRow.rating == value, 1))) for value in SCALE),
        )
        .join_from(Feedback, Round, Round.id == Feedback.round_id)
        .join(RatingRow, RatingRow.feedback_id == Feedback.id)
        .join(
            Panelist,
            (Panelist.round_id == Feedback.round_id)
            & (Panelist.user_id == Feedback.user_id)
            & Panelist.removed_at.is_(None),
        )
        .where(where)
        .group_by(Feedback.round_id, RatingRow.criterion_key)
    )
    return rounds, _panels_of(where), _questions_of(where), answers, criteria


def _panels_of(where: ColumnElement[bool]) -> Executable:
    """The active panelists of the rounds `where` selects, joining them."""
    return (
        select(*_PANEL_COLUMNS)
        .join_from(Panelist, Round, Round.id == Panelist.round_id)
        .where(where, Panelist.removed_at.is_(None))
        .order_by(Panelist.id)
    )


def _questions_of(where: ColumnElement[bool]) -> Executable:
    """The questions of the rounds `where` selects, joining them."""
    return (
        select(*_QUESTION_COLUMNS)
        .join_from(Question, Round, Round.id == Question.round_id)
        .where(where)
        .order_by(Question.position)
    )


def _rounds(
    session: Session,
    rounds: Select[Round],
    params: Mapping[str, Any] | None = None,
    *,
    finished: bool,
) -> tuple[Sequence[Any], dict[int, list[Any]], dict[int, list[tuple[int, str]]]]:
    """The rounds' rows (COLUMNS, or FINISHED_COLUMNS when `finished`), their active
    panelists and their questions: three queries. With `params`, `rounds` is a statement
    built once whose values they bind."""
    # Core: plain rows, without the ORM's result layer (a share of the comparison's time).
    connection = session.connection()
    if params is None:
        found = connection.execute(_with_role(rounds, finished)).all()
    else:
        found = connection.execute(_built_once(rounds, finished), params).all()
    ids = [row.id for row in found]
    panels: dict[int, list[Any]] = defaultdict(list)
    questions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not ids:
        return found, panels, questions
    for p in connection.execute(_PANELS, {"ids": ids}).all():
        panels[p.round_id].append(p)
    for q in connection.execute(_QUESTIONS, {"ids": ids}).all():
        questions[q.round_id].append((q.id, q.text))
    return found, panels, questions


def _with_role(rounds: Select[Round], finished: bool) -> Select[Any]:
    columns = FINISHED_COLUMNS if finished else COLUMNS
    return rounds.with_only_columns(*columns).join_from(Round, Role, Role.id == Round.role_id)


@functools.cache
def _built_once(rounds: Select[Round], finished: bool) -> Select[Any]:
    """`_with_role` of a module-level statement (queries.USER_ROUNDS, …), made once: the
    cache holds each statement it is given, so it is given only statements built once."""
    return _with_role(rounds, finished)


@functools.lru_cache(maxsize=256)
def _rubric(stored: str) -> Rubric:
    """Rubrics are immutable, so the rounds that store the same one share its parse."""
    return Rubric.from_data(json.loads(stored))


def row_snapshot(
    row: Any, panel: Sequence[Any], questions: list[tuple[int, str]], submitted: Container[str]
) -> RoundSnapshot:
    """`row`: a row of COLUMNS; `panel`: its active panelists; `submitted`: who has given
    feedback."""
    return snapshot_of(row, row.role_name, _rubric(row.rubric), panel, questions, submitted)
