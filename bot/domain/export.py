"""Finished panels as data to take elsewhere: flat rows for a spreadsheet (CSV) and nested
rounds (JSON). Pure: no Slack, no database.

Times are ISO 8601 in UTC ("2026-11-26T09:00:00+00:00"). A row is one panelist × one
criterion of the round's rubric; a criterion the panelist did not rate has rating None
(an empty CSV cell) and no evidence. Panelists who never submitted have no rows. Each row
carries the round's latest decision and when it was made; the JSON has every version, with
its rationale.

Spreadsheet safety (CSV/formula injection): a spreadsheet runs a cell that starts with
=, +, - or @ as a formula (a tab or carriage return in front can hide it), so a candidate
named "=HYPERLINK(…)" could run on the reader's machine. to_csv prefixes such text cells
with a single quote ', which spreadsheets show as text. That prefix is the one way a CSV
cell differs from the value exported; JSON is exported as is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain.comparison import FinishedPanel
from bot.domain.feedback import PanelistFeedback
from bot.domain.outcome import CHECK_IN_MONTHS, OutcomeFacts
from bot.domain.panel import RoundSnapshot

EXPORT_COLUMNS = (
    "round_id",
    "candidate",
    "role",
    "status",
    "finished_at",
    "interview_at",
    "panelist_id",
    "panelist",
    "criterion_key",
    "criterion",
    "rating",
    "evidence",
    "recommendation",
    "rubric",
    "rubric_version",
    "decision",
    "decided_at",
    # After a decision to advance (bot.domain.outcome): the offer, a hire's start date and
    # the check-ins at 6 and 12 months.
    "offer",
    "start_date",
    "still_there_6m",
    "performance_6m",
    "note_6m",
    "still_there_12m",
    "performance_12m",
    "note_12m",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"

Cell = str | int | None


def iso_utc(when: datetime) -> str:
    """ISO 8601 in UTC; a naive time is taken as UTC (the database stores UTC)."""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return aware.isoformat()


def outcome_cells(outcome: OutcomeFacts | None) -> dict[str, Cell]:
    """The outcome columns of a round's rows (empty when nothing is recorded)."""
    cells: dict[str, Cell] = {
        "offer": outcome.offer.value if outcome else None,
        "start_date": outcome.start_date.isoformat() if outcome and outcome.start_date else None,
    }
    for months in CHECK_IN_MONTHS:
        found = outcome.check_in(months) if outcome else None
        there = found.still_there if found else None
        cells[f"still_there_{months}m"] = None if there is None else ("yes" if there else "no")
        cells[f"performance_{months}m"] = found.rating if found else None
        cells[f"note_{months}m"] = found.note if found else None
    return cells


def export_rows(panels: Iterable[FinishedPanel]) -> list[dict[str, Cell]]:
    """One row per submitted panelist × criterion of the round's rubric, with EXPORT_COLUMNS
    as keys, in the order given (panels, then their feedback, then the rubric's criteria).
    `rubric` is the rubric's key; with `rubric_version` it names the exact rubric."""
    rows: list[dict[str, Cell]] = []
    for panel in panels:
        r = panel.round
        for f in panel.feedback:
            for criterion in r.rubric.criteria:
                rating = f.draft.rating_for(criterion.key)
                rows.append(
                    {
                        "round_id": r.id,
                        "candidate": r.candidate_name,
                        "role": r.role_name,
                        "status": r.status,
                        "finished_at": iso_utc(panel.finished_at),
                        "interview_at": iso_utc(r.interview_at),
                        "panelist_id": f.user_id,
                        "panelist": f.display_name,
                        "criterion_key": criterion.key,
                        "criterion": criterion.name,
                        "rating": rating.rating if rating else None,
                        "evidence": rating.evidence if rating else "",
                        "recommendation": f.draft.recommendation,
                        "rubric": r.rubric.key,
                        "rubric_version": r.rubric.version,
                        "decision": r.decision,
                        "decided_at": iso_utc(r.decided_at) if r.decided_at else None,
                        **outcome_cells(panel.outcome),
                    }
                )
    return rows


def spreadsheet_safe(value: Cell) -> Cell:
    """Text a spreadsheet would run as a formula, prefixed with ' (see the module doc)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return FORMULA_GUARD + value
    return value


def to_csv(rows: Iterable[Mapping[str, Cell]]) -> str:
    """RFC 4180 CSV: a header of EXPORT_COLUMNS, CRLF line ends, fields with a comma, quote
    or line break quoted and quotes doubled; None is an empty cell. Text cells are made
    spreadsheet-safe. A key outside EXPORT_COLUMNS raises ValueError. Encode as UTF-8
    (with a BOM, "utf-8-sig", if Excel must detect it)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(
        out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def _panelist(snapshot: RoundSnapshot, feedback: PanelistFeedback) -> dict[str, Any]:
    ratings = []
    for criterion in snapshot.rubric.criteria:
        rating = feedback.draft.rating_for(criterion.key)
        ratings.append(
            {
                "criterion_key": criterion.key,
                "criterion": criterion.name,
                "rating": rating.rating if rating else None,
                "evidence": rating.evidence if rating else "",
            }
        )
    return {
        "panelist_id": feedback.user_id,
        "panelist": feedback.display_name,
        "revision": feedback.revision,
        "recommendation": feedback.draft.recommendation,
        "ratings": ratings,
        "question_answers": [
            {"question_id": a.question_id, "resolution": a.resolution.value, "note": a.note}
            for a in feedback.draft.question_answers
        ],
        "candidate_questions": feedback.draft.candidate_questions,
        "engagement": feedback.draft.engagement.value if feedback.draft.engagement else None,
    }


def _round(panel: FinishedPanel) -> dict[str, Any]:
    r = panel.round
    submitted = {f.user_id for f in panel.feedback}
    return {
        "round_id": r.id,
        "candidate": r.candidate_name,
        "profile_link": r.profile_link,
        "role": r.role_name,
        "status": r.status,
        "partial": r.partial,
        "finished_at": iso_utc(panel.finished_at),
        "interview_at": iso_utc(r.interview_at),
        "rubric": {
            "key": r.rubric.key,
            "name": r.rubric.name,
            "version": r.rubric.version,
            "criteria": [{"key": c.key, "name": c.name} for c in r.rubric.criteria],
        },
        "questions": [{"id": qid, "text": text} for qid, text in r.questions],
        "panelists": [_panelist(r, f) for f in panel.feedback],
        "not_submitted": [
            {"panelist_id": p.user_id, "panelist": p.name}
            for p in r.panelists
            if p.user_id not in submitted
        ],
        "decision": r.decision,
        "decisions": [
            {
                "version": v.version,
                "outcome": v.outcome.value,
                "rationale": v.rationale,
                "change_reason": v.change_reason,
                "participants": list(v.participants),
                "decided_by": v.decided_by,
                "decided_at": iso_utc(v.decided_at),
            }
            for v in panel.decisions
        ],
        "outcome": _outcome(panel.outcome),
    }


def _outcome(outcome: OutcomeFacts | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "offer": outcome.offer.value,
        "start_date": outcome.start_date.isoformat() if outcome.start_date else None,
        "check_ins": [
            {
                "months": c.months,
                "asked": c.asked_user,
                "still_there": c.still_there,
                "performance": c.rating,
                "note": c.note,
                "answered_by": c.answered_by,
                "answered_at": iso_utc(c.answered_at) if c.answered_at else None,
            }
            for c in outcome.check_ins
        ],
    }


def to_json(panels: Iterable[FinishedPanel]) -> str:
    """A list of rounds, each with its rubric, round-1 questions, the panelists' feedback
    (ratings for every criterion of the rubric, as in the CSV), who did not submit, and
    every version of the decision, and the outcome with its check-ins."""
    return json.dumps([_round(p) for p in panels], ensure_ascii=False, indent=2)
