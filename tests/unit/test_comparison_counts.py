"""What the comparison computes from counts instead of every draft is what it computed from
the drafts: the answers' columns against draft_from_data, the one-scan and lowered-ASCII
theme patterns against one case-insensitive pattern per theme, the questions' split against
the regular expressions it replaced, alpha from value counts against alpha from a raters ×
units matrix, a criterion's figures against hand-computed values."""

from __future__ import annotations

import json
import math
import random
import re

import pytest

from bot.domain import themes
from bot.domain.calibration import Rated, agreement
from bot.domain.feedback import (
    Asked,
    Engagement,
    FeedbackDraft,
    QuestionAnswer,
    Rating,
    Resolution,
    draft_from_data,
    draft_to_data,
)
from bot.domain.panel_figures import CriterionFigures, open_doubts
from storage.feedback_rows import answer_columns
from tests.support.comparisons import rated

TRICKY = (
    'He said "questions": "none", then \\"candidate_questions\\": x',
    '"questions": [1, 2]',
    "Ünïcödé — “quotes” \\ back\\slash\n\ttab",
    "",
)


def draft(asked: str, note: str) -> FeedbackDraft:
    return FeedbackDraft(
        ratings=(Rating("a", 3, f"evidence {note}"), Rating("b", 1, note)),
        recommendation=2,
        question_answers=(
            QuestionAnswer(7, Resolution.RESOLVED, note),
            QuestionAnswer(8, Resolution.PARTLY, ""),
        ),
        candidate_questions=asked,
        engagement=Engagement.HIGH,
        asked=Asked.FOLLOW_UP,
    )


@pytest.mark.parametrize("asked", TRICKY)
@pytest.mark.parametrize("note", TRICKY)
def test_the_answer_columns_are_what_the_draft_says(asked: str, note: str) -> None:
    given = draft(asked, note)
    # As stored: the JSON column hands back what json.loads makes of draft_to_data's dict.
    data = json.loads(json.dumps(draft_to_data(given)))
    read = draft_from_data(data)
    assert answer_columns(data) == {
        "candidate_questions": read.candidate_questions,
        "doubt_answers": [[a.question_id, a.resolution] for a in read.question_answers],
    }
    assert json.loads(json.dumps(answer_columns(data))) == answer_columns(data)


def test_the_answer_columns_of_a_draft_without_them() -> None:
    assert answer_columns({"ratings": [], "recommendation": 3}) == {
        "candidate_questions": "",
        "doubt_answers": [],
    }


def test_a_criterion_s_figures() -> None:
    f = CriterionFigures.of([1, 4, 4])
    assert (f.count, f.total, f.low, f.high, f.by_value) == (3, 9, 1, 4, (1, 0, 0, 2))
    assert f.mean == 3.0 and f.disagreement and f.in_scale
    assert not CriterionFigures.of([3, 4]).disagreement  # same side, spread 1
    assert CriterionFigures.of([2, 3]).disagreement  # a no and a yes
    assert not CriterionFigures.of([1]).disagreement
    assert not CriterionFigures.of([5, 3]).in_scale
    # fmean of ints is the correctly rounded quotient, as total / count is
    assert CriterionFigures.of([1, 1, 2]).mean == 4 / 3


def test_open_doubts() -> None:
    resolved, partly = Resolution.RESOLVED, Resolution.PARTLY
    # 1: all resolved · 2: one partly · 3: nobody answered · 4 is not the round's
    answers = [(1, resolved), (1, resolved), (2, resolved), (2, partly), (4, partly)]
    assert open_doubts([1, 2, 3], answers) == 2


def test_one_scan_and_lowered_theme_patterns_match_as_the_case_insensitive_ones() -> None:
    rng = random.Random(15)
    keywords = [k for kw in themes.THEMES.values() for k in kw]
    words = [*keywords, "Salary", "PROMOTIONS", "co-Worker", "ON CALL", "x", "?", "\n", "_pay"]
    words += ["stock\t option", "équipe", "ſalary", "Ünïcödé"]
    assert themes._LOWERED  # every keyword is lower-case ASCII
    assert themes._SCAN is not None  # no theme's keyword begins another theme's
    assert themes._LOWER_SCAN is not None
    # The reference: one case-insensitive search per theme, as themes_of searched before.
    per_theme = {
        theme: re.compile(rf"(?<!\w)(?:{themes._alternatives(kw)})", re.IGNORECASE)
        for theme, kw in themes.THEMES.items()
    }
    for _ in range(4000):
        text = rng.choice(("", "-", "_", " ", "(", "  ")).join(
            rng.choice(words).upper() if rng.random() < 0.3 else rng.choice(words)
            for _ in range(rng.randint(0, 6))
        )
        slow = {t for t, p in per_theme.items() if p.search(text)} or {themes.OTHER}
        assert themes.themes_of(text) == slow, text
    # Not ASCII: the case-insensitive patterns, where the long s is an s (lower() keeps it).
    assert themes.themes_of("Équipe ſalary") == {"pay"}


def test_questions_are_split_as_the_regular_expressions_split_them() -> None:
    """questions_of with str methods against the regular expressions it replaced."""
    split, bullet = re.compile(r"(?<=\?)|\r?\n"), re.compile(r"^[\s\-*•·]+")
    rng = random.Random(16)
    alphabet = ["a", "b", " ", "?", "\n", "\r", "-", "*", "•", "·", "\t", "\xa0", "\u2003", "\x1c"]
    alphabet += ["\x85", "é", "x?", "?\r\n", "- Pay?", "\n\n"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        pieces = (bullet.sub("", piece).strip() for piece in split.split(text))
        assert themes.questions_of(text) == [p for p in pieces if p and p != "?"], repr(text)


def _alpha_from_matrix(rated: dict[tuple[int, str], dict[str, int]]) -> float | None:
    """The alpha as calibration computed it before value counts: a raters × units matrix."""
    import krippendorff
    import numpy as np

    raters = sorted({u for by in rated.values() for u in by})
    data = np.full((len(raters), len(rated)), math.nan)
    for column, unit in enumerate(sorted(rated)):
        for user, rating in rated[unit].items():
            data[raters.index(user), column] = rating
    with np.errstate(all="ignore"):
        value = float(
            krippendorff.alpha(
                reliability_data=data, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4]
            )
        )
    return value if math.isfinite(value) else None


def test_alpha_from_counts_is_alpha_from_the_ratings() -> None:
    rng = random.Random(7)
    for _ in range(40):
        facts: list[Rated] = []
        units: dict[tuple[int, str], dict[str, int]] = {}
        for round_id in range(rng.randint(1, 30)):
            for user in rng.sample(["A", "B", "C", "D", "E"], rng.randint(1, 4)):
                given = {k: rng.randint(1, 4) for k in "ab" if rng.random() < 0.9}
                facts.append(rated(round_id, user, given, 3))
                for k, rating in given.items():
                    units.setdefault((round_id, k), {})[f"U{user}"] = rating
        expected = None
        if any(len(by) >= 2 for by in units.values()):
            expected = _alpha_from_matrix(units)
        assert agreement(facts) == expected
