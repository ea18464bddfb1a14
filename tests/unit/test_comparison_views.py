"""The comparison and calibration messages: Slack's limits (blocks, section text, the table's
100 rows and 20 columns, the message's total text), paging, escaping, and what they say."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.codec import ComparePage, CompareState, encode
from bot.domain.calibration import Interviewer
from bot.domain.evidence import NudgeCounts
from bot.domain.message import Message
from bot.domain.rubric import SECOND_INTERVIEW, Criterion, Rubric
from bot.domain.rules import ID_MAX
from bot.domain.themes import ThemeCount
from bot.domain.timeliness import Timeliness
from bot.views import ids
from bot.views.calibration import calibration_message, leniency_text
from bot.views.common import SECTION_TEXT_MAX
from bot.views.comparison import (
    ROWS_PER_PAGE,
    STATE_MAX,
    TEXT_BUDGET,
    agreement_reading,
    comparison_message,
    pages,
    short_name,
    text_size,
)
from tests.slack.blockkit import message_errors
from tests.support.comparisons import (
    LONG_THEMES,
    TABLE_HEADER,
    a_comparison,
    a_row,
    worst_comparison,
    worst_rows,
)
from tests.support.texts import EVIL, mrkdwn_texts, no_raw_mentions

STATE = CompareState(role=7)


def page_value(page: int) -> str:
    return encode(ComparePage(role=7, page=page))


def wide_rubric(n: int = 8) -> Rubric:
    return Rubric(
        key="wide",
        name="Wide " + EVIL,
        version=3,
        criteria=tuple(
            Criterion(f"k{i}", f"Criterion number {i} with a long name {EVIL}", "p", ("a",) * 4)
            for i in range(n)
        ),
    )


def blocks_of(m: Message, kind: str) -> list[dict[str, Any]]:
    return [b for b in m.blocks if b["type"] == kind]


def table_rows(m: Message) -> list[list[str]]:
    tables = blocks_of(m, "table")
    assert len(tables) <= 1  # Slack allows one table a message
    return [[cell["text"] for cell in row] for row in tables[0]["rows"]] if tables else []


def buttons(m: Message) -> dict[str, tuple[str, str]]:
    """Button label → (action id, value)."""
    return {
        e["text"]["text"]: (e["action_id"], e["value"])
        for b in blocks_of(m, "actions")
        for e in b["elements"]
    }


def assert_ok(m: Message) -> None:
    """What block_errors checks, and the limits it does not: the table's 100 rows and 20
    columns, every section's 3000 characters and the message's total text."""
    assert m.text
    assert message_errors(m.blocks) == []
    for table in blocks_of(m, "table"):
        assert 1 <= len(table["rows"]) <= 100
        assert {len(row) for row in table["rows"]} == {len(table["rows"][0])}
        assert len(table["rows"][0]) <= 20
        assert len(table.get("column_settings") or []) <= 20
        assert all(cell["type"] == "raw_text" and cell["text"] for r in table["rows"] for cell in r)
    for section in blocks_of(m, "section"):
        assert len(section["text"]["text"]) <= SECTION_TEXT_MAX
    assert text_size(m.blocks) <= TEXT_BUDGET, text_size(m.blocks)
    for _, value in buttons(m).values():
        assert len(value) <= 2000


def test_a_small_comparison() -> None:
    m = comparison_message(a_comparison(3), 0, STATE)
    assert_ok(m)
    rows = table_rows(m)
    assert rows[0] == TABLE_HEADER
    assert rows[1] == [
        "Candidate 0",
        "3.2",
        "3.0",
        "3.0",
        "3.0",
        "3.0",
        "3.0",
        "2 SY · 1 Y · 0 N · 0 SN",
        "—",
        "0",
        "—",
    ]
    assert len(rows) == 4
    context = " ".join(mrkdwn_texts(blocks_of(m, "context")))
    assert "Second interview v0 · by overall score · as rated · candidates 1–3 of 3" in context
    assert m.blocks[0]["text"]["text"] == "Compare: Backend engineer"
    texts = " ".join(mrkdwn_texts(m))
    assert "*Pay* — 7 candidates: “What's the bonus?”, “Is there equity?”" in texts
    assert "*Team* — 2 candidates: “Who would I work with?”" in texts
    assert (
        "Panel agreement* (Krippendorff's α, ordinal): 0.62 — low: the panel often disagrees"
        in texts
    )
    assert buttons(m) == {"Calibrated view": (ids.COMPARE_CALIBRATED, page_value(0))}


def test_values_flags_and_missing_scores() -> None:
    row = a_row(
        1,
        overall=None,
        means={"depth": None, "team_fit": 2.345, "scenario": 4.0},
        tally={4: 1, 1: 2},
        disagreements=("depth", "gone"),
        split_recommendation=True,
        strong_no=True,
        unresolved=2,
        partial=True,
        decision="another_interview",
    )
    m = comparison_message(a_comparison([row], sort_by="team_fit"), 0, STATE)
    assert_ok(m)
    assert table_rows(m)[1] == [
        "Candidate 1 (partial)",
        "—",
        "—",
        "2.3",
        "4.0",
        "—",
        "—",
        "1 SY · 0 Y · 0 N · 2 SN",
        "split, Strong no, disagree: Depth of skills…, gone",
        "2",
        "Another interview",
    ]
    assert "by Culture and team fit" in str(blocks_of(m, "context"))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (99, [("1–99", 99)]),
        (100, [("1–99", 99), ("100–100", 1)]),
        (199, [("1–99", 99), ("100–198", 99), ("199–199", 1)]),
    ],
)
def test_paging_at_the_table_limit(n: int, expected: list[tuple[str, int]]) -> None:
    c = a_comparison(n)
    assert pages(c) == len(expected)
    for page, (span, count) in enumerate(expected):
        m = comparison_message(c, page, STATE)
        assert_ok(m)
        rows = table_rows(m)
        assert len(rows) == count + 1 <= 100
        assert rows[1][0] == f"Candidate {page * ROWS_PER_PAGE}"
        assert f"candidates {span} of {n}" in str(blocks_of(m, "context"))
        b = buttons(m)
        assert ("Previous" in b) is (page > 0)
        assert ("Next" in b) is (page < len(expected) - 1)
        if "Previous" in b:
            assert b["Previous"] == (ids.COMPARE_PAGE_PREV, page_value(page - 1))
        if "Next" in b:
            assert b["Next"] == (ids.COMPARE_PAGE_NEXT, page_value(page + 1))


def test_a_page_out_of_range_shows_the_nearest() -> None:
    c = a_comparison(150)
    assert table_rows(comparison_message(c, 7, STATE))[1][0] == "Candidate 99"
    assert table_rows(comparison_message(c, -3, STATE))[1][0] == "Candidate 0"


def test_user_text_is_escaped_in_mrkdwn_and_raw_in_cells() -> None:
    rubric = wide_rubric(3)
    c = a_comparison(
        [a_row(1, EVIL, rubric, disagreements=("k0",)), a_row(2, "<!channel>", rubric)],
        role_name="Role " + EVIL,
        rubric=rubric,
        sort_by="k1",
        themes=(ThemeCount("other", 1, (EVIL, "<!here> & <@U999>")),),
    )
    m = comparison_message(c, 0, STATE)
    assert_ok(m)
    no_raw_mentions(m)
    for text in mrkdwn_texts(m):
        assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text
    cells = [cell for row in table_rows(m) for cell in row]
    assert "<!channel>" in cells  # raw_text never pings: shown as typed
    assert any(cell.startswith("<!channel> <@U123> <https://evil") for cell in cells)
    assert "&lt;!channel&gt;" in " ".join(mrkdwn_texts(m))
    assert m.blocks[0]["text"]["text"] == "Compare: Role " + EVIL  # plain text


def test_calibration_note_and_toggle() -> None:
    c = a_comparison(
        3,
        calibrated=True,
        calibrated_interviewers=("U1", "U2"),
        uncalibrated_interviewers=tuple(f"UNEW{i}" for i in range(9)),
    )
    m = comparison_message(c, 0, STATE)
    assert_ok(m)
    context = " ".join(mrkdwn_texts(blocks_of(m, "context")))
    assert "calibrated · candidates 1–3 of 3" in context
    assert "Adjusted for leniency: <@U1>, <@U2>." in context
    assert "Left as rated (fewer than 5 rounds): <@UNEW0>" in context
    assert "<@UNEW5> and 3 more." in context and "<@UNEW6>" not in context
    assert buttons(m) == {"As rated": (ids.COMPARE_CALIBRATED, page_value(0))}

    nobody = replace(c, calibrated_interviewers=(), uncalibrated_interviewers=("U1",))
    text = str(comparison_message(nobody, 0, STATE).blocks)
    assert "No interviewer has 5 rounds yet" in text

    as_rated = comparison_message(replace(c, calibrated=False), 0, STATE)
    assert "Adjusted for leniency" not in str(as_rated.blocks)


@pytest.mark.parametrize(
    ("n", "says"),
    [
        (1, "1 round on another rubric version is not compared: its criteria differ."),
        (4, "4 rounds on another rubric version are not compared: their criteria differ."),
    ],
)
def test_other_rubric_note(n: int, says: str) -> None:
    m = comparison_message(a_comparison(2, other_rubric_rounds=n), 0, STATE)
    assert_ok(m)
    assert says in str(m.blocks)
    assert "another rubric" not in str(comparison_message(a_comparison(2), 0, STATE).blocks)


def test_an_empty_comparison_says_so() -> None:
    m = comparison_message(
        a_comparison(0, themes=(), agreement=None, other_rubric_rounds=2), 0, STATE
    )
    assert_ok(m)
    assert pages(a_comparison(0)) == 1
    text = str(m.blocks)
    assert "No finished rounds on this rubric to compare yet." in text
    assert "not enough overlapping ratings yet" in text
    assert "2 rounds on another rubric version" in text
    assert not blocks_of(m, "table") and not blocks_of(m, "actions")
    assert "no candidates" in m.text


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [
        (0.95, "0.95 — good"),
        (0.8, "0.80 — good"),
        (0.667, "0.67 — tentative"),
        (0.66, "0.66 — low: the panel often disagrees"),
        (-0.2, "-0.20 — low"),
        (None, "not enough overlapping ratings yet"),
    ],
)
def test_agreement_reading(alpha: float | None, reading: str) -> None:
    assert agreement_reading(alpha).startswith(reading)


def test_short_criterion_names() -> None:
    assert short_name("Depth") == "Depth"
    assert short_name("Culture and team fit") == "Culture and team…"
    assert short_name("Supercalifragilisticexpialidocious") == "Supercalifragilis…"
    assert all(len(short_name(c.name)) <= 18 for c in SECOND_INTERVIEW.criteria)


def test_state_must_fit_a_button_value() -> None:
    c = a_comparison(150)
    m = comparison_message(c, 1, CompareState(role=ID_MAX, calibrated=True, sort="s" * STATE_MAX))
    assert_ok(m)
    with pytest.raises(ValueError, match="state"):
        comparison_message(c, 0, CompareState(role=7, sort="s" * (STATE_MAX + 1)))


def test_fallback_text_is_escaped() -> None:
    m = comparison_message(a_comparison(150, role_name=EVIL), 1, STATE)
    assert "<!channel>" not in m.text and "150 candidates, 100–150 shown" in m.text


@pytest.mark.parametrize(
    "rubric", [SECOND_INTERVIEW, wide_rubric(8)], ids=["5 criteria", "8 criteria"]
)
def test_99_long_rows_stay_under_the_total_text_budget(rubric: Rubric) -> None:
    c = worst_comparison(
        rubric, worst_rows(rubric), interviewers=40, other_rubric_rounds=12, calibrated=True
    )
    m = comparison_message(c, 0, CompareState(role=ID_MAX, calibrated=True, sort="s" * STATE_MAX))
    assert_ok(m)
    no_raw_mentions(m)
    rows = table_rows(m)
    assert len(rows) == 100  # every candidate of the page is still there
    partial = " (partial)" if len(rubric.criteria) == 5 else " (p)"
    assert all(row[0].endswith(partial) for row in rows[1:])
    assert f"{partial.strip()}: closed before everyone submitted." in str(m.blocks)


def test_theme_examples_shrink_before_the_table() -> None:
    small = comparison_message(a_comparison(3, themes=LONG_THEMES), 0, STATE)
    assert str(LONG_THEMES[0].examples[0][-20:]) in str(small.blocks)  # shown in full
    c = a_comparison([a_row(i, "N" * 60) for i in range(ROWS_PER_PAGE)], themes=LONG_THEMES)
    big = comparison_message(c, 0, STATE)
    assert_ok(big)
    assert "“" not in " ".join(mrkdwn_texts(big))  # examples went first…
    assert "*Pay* — 40 candidates" in str(big.blocks)  # …the counts stay


# --- calibration ------------------------------------------------------------------------


def test_calibration_table() -> None:
    interviewers = [
        Interviewer("U1", 2, 0.1, 0.5),
        Interviewer("U2", 8, -0.3, 0.125),
        Interviewer("U3", 6, 0.4, 0.0),
        Interviewer("U4", 0, None, None),
        Interviewer("U5", 9, 0.1, 0.2),
        Interviewer("U6", 5, 0.001, 0.2),
    ]
    names = {"U1": "Ana", "U2": "Bo", "U3": "Cy", "U5": "Di", "U6": "Ed"}
    nudges = {
        "U1": NudgeCounts(notes=10, flagged=3, kept=1),
        "U2": NudgeCounts(notes=40, flagged=0, kept=0),
        "U4": NudgeCounts(notes=0, flagged=0, kept=0),
    }
    timeliness = {
        "U1": Timeliness("U1", 2, timedelta(hours=5), 0.5),
        "U2": Timeliness("U2", 8, timedelta(minutes=40), 0.0),
        "U3": Timeliness("U3", 6, timedelta(days=2, hours=12), 1.0),
    }
    m = calibration_message(
        interviewers, names, {"Backend": 0.85, "Design": None}, nudges, timeliness
    )
    assert_ok(m)
    rows = table_rows(m)
    assert rows[0] == [
        "Interviewer",
        "Rounds",
        "Leniency",
        "Disagrees with panel",
        "Calibrated?",
        "Notes pointed out",
        "Feedback (median)",
        "Late",
    ]
    assert rows[1:] == [
        ["Cy", "6", "+0.40 lenient", "0%", "yes", "—", "2.5 d", "100%"],
        ["Bo", "8", "−0.30 strict", "12%", "yes", "0 of 40", "40 min", "0%"],
        ["Di", "9", "+0.10 lenient", "20%", "yes", "—", "—", "—"],
        ["Ana", "2", "+0.10 lenient", "50%", "needs 5 rounds", "3 of 10, 1 kept", "5 h", "50%"],
        ["Ed", "5", "0.00", "20%", "yes", "—", "—", "—"],
        ["U4", "0", "—", "—", "needs 5 rounds", "—", "—", "—"],
    ]
    text = " ".join(mrkdwn_texts(m))
    assert "Leniency: the mean of an interviewer's ratings minus the other panelists' mean" in text
    assert "• *Backend* — 0.85 — good" in text
    assert "• *Design* — not enough overlapping ratings yet" in text
    assert m.text == "Interviewer calibration: 6 interviewers, 4 calibrated"


def test_leniency_text() -> None:
    assert leniency_text(0.4) == "+0.40 lenient"
    assert leniency_text(-0.3) == "−0.30 strict"
    assert leniency_text(-0.004) == "0.00"
    assert leniency_text(None) == "—"


def test_calibration_with_many_interviewers_and_roles() -> None:
    interviewers = [
        Interviewer(f"U{i:03d}", 5 + i % 7, (i - 75) / 100, i / 150) for i in range(150)
    ]
    names = {i.user_id: f"{EVIL} " + "n" * 80 for i in interviewers}
    roles = {f"Role {EVIL} {i} " + "r" * 80: 0.5 + i / 100 for i in range(50)}
    m = calibration_message(interviewers, names, roles)
    assert_ok(m)
    no_raw_mentions(m)
    rows = table_rows(m)
    assert len(rows) == 100
    assert rows[1][2] == "−0.75 strict"  # furthest from the panel first
    text = str(m.blocks)
    assert "Showing the 99 interviewers furthest from their panels; 51 more" in text
    assert "more roles" in text


def test_calibration_with_nobody() -> None:
    m = calibration_message([], {}, {})
    assert_ok(m)
    assert "No interviewer has rated a finished round yet." in str(m.blocks)
    assert not blocks_of(m, "table")
