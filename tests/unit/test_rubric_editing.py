"""Editing a role's rubric: the rules, building the Rubric, the YAML file, and the modal."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain import rules
from bot.domain.panel import Status
from bot.domain.rubric import ANCHOR_MAX, SECOND_INTERVIEW, Criterion, Rubric
from bot.domain.rubric_rules import (
    GENERIC_ANCHOR_2,
    GENERIC_ANCHOR_3,
    KEY_MAX,
    MAX_CRITERIA,
    NAME_MAX,
    PROBE_MAX,
    RUBRIC_NAME_MAX,
    CriterionDraft,
    build_rubric,
    rubric_errors,
    slug,
)
from bot.domain.rubric_yaml import RubricFileError, dump_rubrics, load_rubrics
from bot.views.brief import brief
from bot.views.feedback_modal import feedback_modal
from bot.views.rubric_modal import (
    RUBRIC_MODAL,
    parse_rubric_modal,
    rubric_modal,
    rubric_saved_modal,
)
from tests.slack.blockkit import view_errors
from tests.slack.state import V, full_state_values
from tests.support.rubrics import biggest_rubric
from tests.support.snapshots import snapshot
from tests.support.texts import EVIL, mrkdwn_texts

BLANK = CriterionDraft("", "", "", "")


def draft(
    name: str, probe: str = "Probe it.", a1: str = "Weak", a4: str = "Strong"
) -> CriterionDraft:
    return CriterionDraft(name, probe, a1, a4)


def assert_escaped(view: dict[str, Any]) -> None:
    texts = mrkdwn_texts(view)
    assert texts
    for text in texts:
        assert "<!channel>" not in text and "<@U123>" not in text


# --- rules ----------------------------------------------------------------------------


def test_a_complete_rubric_has_no_errors() -> None:
    assert rubric_errors([draft("Depth"), BLANK, draft("Fit")]) == {}
    assert rubric_errors([CriterionDraft.of(c) for c in SECOND_INTERVIEW.criteria]) == {}
    assert rubric_errors([CriterionDraft.of(c) for c in biggest_rubric().criteria]) == {}


@pytest.mark.parametrize("drafts", [[], [BLANK] * MAX_CRITERIA, [draft("  ", " ", "", "\n")]])
def test_an_empty_rubric_is_refused_on_the_first_name(drafts: list[CriterionDraft]) -> None:
    assert rubric_errors(drafts) == {"c0_name": "A rubric needs at least one criterion."}


def test_eight_criteria_at_most() -> None:
    eight = [draft(f"C{i}") for i in range(MAX_CRITERIA)]
    assert rubric_errors(eight) == {}
    errors = rubric_errors([*eight[:3], BLANK, *eight[3:], draft("Ninth")])
    assert errors == {"c9_name": "A rubric has at most 8 criteria; this is number 9."}


def test_a_partly_filled_slot_names_each_missing_field() -> None:
    errors = rubric_errors([draft("Depth"), BLANK, CriterionDraft("", "", "Weak", "")])
    assert errors == {
        "c2_name": "Give this criterion a name.",
        "c2_probe": "Say what panelists should probe.",
        "c2_anchor_4": "Describe what a 4 (Strong yes) looks like.",
    }
    only_name = rubric_errors([CriterionDraft("Depth", "", "", "")])
    assert set(only_name) == {"c0_probe", "c0_anchor_1", "c0_anchor_4"}
    assert only_name["c0_anchor_1"] == "Describe what a 1 (Strong no) looks like."


def test_names_are_unique_ignoring_case_and_spacing() -> None:
    errors = rubric_errors([draft("System design"), draft("Fit"), draft(" system  DESIGN ")])
    assert errors == {
        "c2_name": "Criterion 1 is already named “System design”; give each criterion its own name."
    }


def test_lengths_are_checked_after_trimming() -> None:
    ok = CriterionDraft(
        " " + "n" * NAME_MAX + " ", "p" * PROBE_MAX, "a" * ANCHOR_MAX, "b" * ANCHOR_MAX + "  "
    )
    assert rubric_errors([ok]) == {}
    long = CriterionDraft(
        "n" * (NAME_MAX + 1),
        "p" * (PROBE_MAX + 1),
        "a" * (ANCHOR_MAX + 1),
        "b" * (ANCHOR_MAX + 1),
        anchor_2="c" * (ANCHOR_MAX + 1),
    )
    errors = rubric_errors([long])
    assert errors == {
        "c0_name": f"Keep this to {NAME_MAX} characters (it has {NAME_MAX + 1}).",
        "c0_probe": f"Keep this to {PROBE_MAX} characters (it has {PROBE_MAX + 1}).",
        "c0_anchor_1": f"Keep this to {ANCHOR_MAX} characters (it has {ANCHOR_MAX + 1}).",
        "c0_anchor_4": f"Keep this to {ANCHOR_MAX} characters (it has {ANCHOR_MAX + 1}).",
        "c0_anchor_2": f"Keep this to {ANCHOR_MAX} characters (it has {ANCHOR_MAX + 1}).",
    }


def test_names_and_anchors_stay_on_one_line() -> None:
    errors = rubric_errors([CriterionDraft("Two\nlines", "A probe\non two lines", "a\nb", "c")])
    assert errors == {"c0_name": "Keep this on one line.", "c0_anchor_1": "Keep this on one line."}


def test_limits_fit_where_criteria_are_shown() -> None:
    """The brief lists every name and probe in one section (3000 characters)."""
    lines = [f"• *{'n' * NAME_MAX}* — {'p' * PROBE_MAX}" for _ in range(MAX_CRITERIA)]
    assert len("*What to probe*\n" + "\n".join(lines)) <= 3000
    assert len(GENERIC_ANCHOR_2) <= ANCHOR_MAX and len(GENERIC_ANCHOR_3) <= ANCHOR_MAX


# --- build_rubric ---------------------------------------------------------------------


def test_build_rubric_from_scratch() -> None:
    rubric = build_rubric(
        "7",
        "Staff Engineer",
        1,
        [draft(" System Design! "), BLANK, draft("Café culture", "Ask.", "No", "Yes")],
        None,
    )
    assert rubric.key == "role-7" and rubric.name == "Staff Engineer rubric"
    assert rubric.version == 1
    assert [c.key for c in rubric.criteria] == ["system_design", "cafe_culture"]
    assert rubric.criteria[0].name == "System Design!"
    assert rubric.criteria[1].anchors == ("No", GENERIC_ANCHOR_2, GENERIC_ANCHOR_3, "Yes")


def test_keys_survive_edits_that_keep_the_name() -> None:
    v1 = build_rubric("7", "Eng", 1, [draft("Depth"), draft("Fit"), draft("Scenario")], None)
    edited = [
        draft("FIT", "A new probe", "New 1", "New 4"),  # same name, other case, moved first
        draft("Depth of skill"),  # renamed: a new criterion
        draft("Scenario"),
        draft("Depth"),  # the old name again, in another slot: keeps its key
    ]
    v2 = build_rubric("7", "Eng", 2, edited, v1)
    keys = {c.name: c.key for c in v2.criteria}
    old = {c.name: c.key for c in v1.criteria}
    assert keys["FIT"] == old["Fit"] and keys["Scenario"] == old["Scenario"]
    assert keys["Depth"] == old["Depth"]
    assert keys["Depth of skill"] not in old.values()
    assert len(set(keys.values())) == 4


def test_new_criteria_never_take_a_key_the_previous_version_used() -> None:
    v1 = build_rubric("7", "Eng", 1, [draft("Depth"), draft("Fit")], None)
    v2 = build_rubric("7", "Eng", 2, [draft("Depth!"), draft("Fit")], v1)  # renamed
    assert v2.criteria[0].key == "depth_2" and v2.criteria[1].key == "fit"


def test_slugs_are_short_unique_and_safe() -> None:
    long_a = "A" * 50 + " one"
    long_b = "A" * 50 + " two"
    rubric = build_rubric(
        "r", "R", 1, [draft(long_a), draft(long_b), draft("日本語"), draft("—!—")], None
    )
    keys = [c.key for c in rubric.criteria]
    assert keys == ["a" * KEY_MAX, "a" * (KEY_MAX - 2) + "_2", "criterion", "criterion_2"]
    assert all(
        len(k) <= KEY_MAX and set(k) <= set("abcdefghijklmnopqrstuvwxyz0123456789_") for k in keys
    )
    assert slug("  Role-specific   scenario ") == "role_specific_scenario"


def test_anchors_2_and_3_are_kept_from_the_same_named_criterion() -> None:
    v2 = build_rubric(
        "r",
        "R",
        2,
        [draft("depth of skills and experience", "New probe", "New 1", "New 4"), draft("New")],
        SECOND_INTERVIEW,
    )
    depth = SECOND_INTERVIEW.criteria[0]
    assert v2.criteria[0].key == depth.key == "depth"
    assert v2.criteria[0].anchors == ("New 1", depth.anchors[1], depth.anchors[2], "New 4")
    assert v2.criteria[1].anchors[1:3] == (GENERIC_ANCHOR_2, GENERIC_ANCHOR_3)
    given = replace(draft("New"), anchor_2="Given 2", anchor_3="Given 3")
    assert build_rubric("r", "R", 2, [given], None).criteria[0].anchors[1:3] == (
        "Given 2",
        "Given 3",
    )


def test_rubric_name_fits_a_select_option() -> None:
    rubric = build_rubric("r", "R" * rules.ROLE_NAME_MAX, 1, [draft("A")], None)
    assert len(rubric.name) <= RUBRIC_NAME_MAX and rubric.name.endswith("… rubric")


def test_build_rubric_refuses_invalid_drafts() -> None:
    with pytest.raises(ValueError, match="c0_probe"):
        build_rubric("r", "R", 1, [CriterionDraft("A", "", "x", "y")], None)


def test_a_built_rubric_renders_in_the_feedback_modal_and_the_brief() -> None:
    big = biggest_rubric()
    rubric = build_rubric("r", "R", 1, [CriterionDraft.of(c) for c in big.criteria], None)
    r = snapshot(
        candidate_name="Ada",
        profile_link="",
        role_name="R",
        channel_id="C1",
        interview_at=datetime(2026, 1, 1, tzinfo=UTC),
        due_at=datetime(2026, 1, 2, tzinfo=UTC),
        rubric=rubric,
        status=Status.OPEN,
        questions=(),
        panelists=(),
        announcement_ts=None,
        summary_ts=None,
    )
    assert view_errors(feedback_modal(r)) == []
    assert brief(r, "UORG").blocks


# --- YAML -----------------------------------------------------------------------------


def as_data(c: Criterion) -> tuple[str, str, tuple[str, str, str, str]]:
    return c.name, c.probe, c.anchors


def drafts_data(drafts: list[CriterionDraft]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(d.name, d.probe, (d.anchor_1, d.anchor_2, d.anchor_3, d.anchor_4)) for d in drafts]


TRICKY = Rubric(
    key="role-t",
    name="T",
    criteria=(
        Criterion("a", "yes", "null", ("no", "~", "1: 2", "#not a comment")),
        Criterion(
            "b", "'quoted' \"twice\"", "Line one\nLine two\n  indented", ("- x", "*y", "&z", "!w")
        ),
        Criterion(
            "c", "Ünïcödé — 日本語", "Trailing spaces   \nthen more", ("@", "`", "%", "{a: 1}")
        ),
    ),
)


def test_yaml_round_trip() -> None:
    rubrics = {
        "Staff Engineer": SECOND_INTERVIEW,
        "Tricky: role #1": TRICKY,
        "Big": biggest_rubric(),
    }
    text = dump_rubrics(rubrics)
    loaded = load_rubrics(text)
    assert list(loaded) == list(rubrics)
    for role, rubric in rubrics.items():
        assert drafts_data(loaded[role]) == [as_data(c) for c in rubric.criteria]
    assert "roles:" in text and "- role: Staff Engineer" in text and "anchors:" in text


def test_yaml_import_builds_the_same_rubric() -> None:
    loaded = load_rubrics(dump_rubrics({"Eng": SECOND_INTERVIEW}))
    rebuilt = build_rubric("1", "Eng", 5, loaded["Eng"], SECOND_INTERVIEW)
    assert rebuilt.criteria == SECOND_INTERVIEW.criteria


def test_yaml_anchors_2_and_3_may_be_left_out() -> None:
    text = """
roles:
  - role: Designer
    criteria:
      - name: Craft
        probe: Walk through a portfolio piece.
        anchors:
          1: Can't explain choices
          "4": Every choice argued from evidence
"""
    assert load_rubrics(text) == {
        "Designer": [
            CriterionDraft(
                "Craft",
                "Walk through a portfolio piece.",
                "Can't explain choices",
                "Every choice argued from evidence",
            )
        ]
    }


def problems(text: str) -> list[str]:
    with pytest.raises(RubricFileError) as caught:
        load_rubrics(text)
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert isinstance(caught.value, ValueError)
    return caught.value.problems


def test_malformed_yaml_says_where() -> None:
    found = problems("roles:\n  - role: A\n    criteria: [\n")
    assert len(found) == 1 and found[0].startswith("The file is not valid YAML (line ")
    found = problems("roles:\n  - role: A\n  role: B\n")
    assert found[0].startswith("The file is not valid YAML (line 3, column 3): ")
    assert problems("\tx: 1")[0].startswith("The file is not valid YAML (line 1, column 1): ")


def test_a_key_given_twice_is_refused() -> None:
    text = "roles:\n- role: A\n  criteria:\n  - name: X\n    probe: P\n    probe: Q\n"
    found = problems(text)
    assert len(found) == 1 and "'probe' twice" in found[0] and "line 6" in found[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 'The file must have one top-level key, "roles", listing roles.'),
        ("- role: A", 'The file must have one top-level key, "roles", listing roles.'),
        ("roles: []", '"roles" must be a list with at least one role.'),
        ("roles:\n- criteria: []", "Role 1: give the role's name as text after “role:”."),
        ("roles:\n- role: A", "Role “A”: list its criteria under “criteria:”."),
    ],
)
def test_file_shape_problems(text: str, expected: str) -> None:
    assert expected in problems(text)


def yaml_role(role: str, criteria: list[dict[str, Any]]) -> str:
    return json.dumps({"roles": [{"role": role, "criteria": criteria}]})  # JSON is YAML


def criterion(name: str, **anchors: str) -> dict[str, Any]:
    return {"name": name, "probe": "Probe.", "anchors": {"1": "Weak", "4": "Strong", **anchors}}


def test_missing_anchors_name_the_role_and_criterion() -> None:
    text = yaml_role(
        "Eng", [criterion("Depth"), {"name": "Fit", "probe": "Watch.", "anchors": {"1": "Rude"}}]
    )
    assert problems(text) == [
        "Role “Eng”, criterion 2 (“Fit”), anchor 4 (Strong yes): "
        "Describe what a 4 (Strong yes) looks like."
    ]
    no_anchors = yaml_role("Eng", [{"name": "Fit", "probe": "Watch."}])
    assert problems(no_anchors) == [
        "Role “Eng”, criterion 1 (“Fit”), anchor 1 (Strong no): "
        "Describe what a 1 (Strong no) looks like.",
        "Role “Eng”, criterion 1 (“Fit”), anchor 4 (Strong yes): "
        "Describe what a 4 (Strong yes) looks like.",
    ]


def test_nine_criteria_are_refused() -> None:
    text = yaml_role("Eng", [criterion(f"C{i}") for i in range(9)])
    assert problems(text) == ["Role “Eng”: has 9 criteria; a rubric has at most 8."]


def test_duplicate_names_and_roles_are_refused() -> None:
    text = yaml_role("Eng", [criterion("Depth"), criterion("DEPTH")])
    assert problems(text) == [
        "Role “Eng”, criterion 2 (“DEPTH”), name: Criterion 1 is already named “Depth”; "
        "give each criterion its own name."
    ]
    twice = json.dumps(
        {
            "roles": [
                {"role": "Eng", "criteria": [criterion("A")]},
                {"role": "ENG", "criteria": [criterion("A")]},
            ]
        }
    )
    assert problems(twice) == ["Role “ENG” is listed twice; give each role one entry."]


def test_anchor_limits_and_types_in_a_file() -> None:
    text = yaml_role("Eng", [criterion("Depth", **{"2": "x" * (ANCHOR_MAX + 1), "7": "?"})])
    assert problems(text) == [
        "Role “Eng”, criterion 1 (“Depth”), anchors: '7' is not a rating; use 1, 2, 3 and 4.",
        f"Role “Eng”, criterion 1 (“Depth”), anchor 2 (No): Keep this to {ANCHOR_MAX} "
        f"characters (it has {ANCHOR_MAX + 1}).",
    ]
    typed = (
        "roles:\n- role: Eng\n  criteria:\n  - name: yes\n    probe: P\n    anchors: {1: a, 4: b}\n"
    )
    assert problems(typed) == [
        "Role “Eng”, criterion 1, name: write this as text (put it in quotes if YAML reads it "
        "as something else)."
    ]
    unknown = yaml_role("Eng", [{**criterion("Depth"), "prob": "typo"}])
    assert problems(unknown) == [
        "Role “Eng”, criterion 1 (“Depth”): unknown 'prob' (expected name, probe, anchors)."
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = json.dumps(
        {
            "roles": [
                {"role": "A", "criteria": [criterion("X"), criterion("x")]},
                {"role": "B", "criteria": [{"name": "Y"}]},
            ]
        }
    )
    found = problems(text)
    assert len(found) == 4
    assert found[0].startswith("Role “A”, criterion 2") and found[1].startswith("Role “B”")


# --- the modal ------------------------------------------------------------------------


def test_rubric_modal_prefilled_from_the_built_in_rubric() -> None:
    view = rubric_modal(42, f"Staff Engineer {EVIL}", None, version=0)
    assert view_errors(view) == []
    assert view["callback_id"] == RUBRIC_MODAL == "panel_rubric"
    assert json.loads(view["private_metadata"]) == {"role": 42, "version": 0}
    assert view["title"]["text"] == "Rubric: Staff Engineer …" and len(view["title"]["text"]) <= 24
    assert view["submit"]["text"] == "Save rubric"
    assert len(view["blocks"]) <= 100
    assert "Rounds already started keep the rubric they began with" in json.dumps(view)
    assert_escaped(view)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(inputs) == 4 * MAX_CRITERIA and all(b["optional"] for b in inputs)
    assert [b["block_id"] for b in inputs[:4]] == [
        "c0_name",
        "c0_probe",
        "c0_anchor_1",
        "c0_anchor_4",
    ]
    assert inputs[0]["element"]["initial_value"] == SECOND_INTERVIEW.criteria[0].name
    assert {b["element"]["max_length"] for b in inputs} == {NAME_MAX, PROBE_MAX, ANCHOR_MAX}


def test_rubric_modal_with_the_biggest_rubric_validates() -> None:
    view = rubric_modal(1, "R" * rules.ROLE_NAME_MAX, biggest_rubric(), version=3)
    assert view_errors(view) == []
    assert_escaped(view)


@pytest.mark.parametrize("current", [None, SECOND_INTERVIEW, biggest_rubric(), TRICKY])
def test_the_modal_reads_back_what_it_shows(current: Rubric | None) -> None:
    view = rubric_modal(1, "Eng", current, version=1)
    drafts = parse_rubric_modal(full_state_values(view["blocks"], {}))
    shown = (current or SECOND_INTERVIEW).criteria
    assert len(drafts) == MAX_CRITERIA
    assert drafts[len(shown) :] == [BLANK] * (MAX_CRITERIA - len(shown))
    assert [(d.name, d.probe, d.anchor_1, d.anchor_4) for d in drafts[: len(shown)]] == [
        (c.name, c.probe, c.anchors[0], c.anchors[3]) for c in shown
    ]
    assert rubric_errors(drafts) == {}
    rebuilt = build_rubric("r", "Eng", 2, drafts, current or SECOND_INTERVIEW)
    assert [as_data(c) for c in rebuilt.criteria] == [(c.name, c.probe, c.anchors) for c in shown]
    assert [c.key for c in rebuilt.criteria] == [c.key for c in shown]


def test_a_typed_submission_is_parsed_and_checked() -> None:
    view = rubric_modal(1, "Eng", None, version=0)
    values = full_state_values(
        view["blocks"],
        {
            "c0_name": {"value": V.text("  Renamed  ")},
            "c1_probe": {"value": V.text(None)},
            "c5_name": {"value": V.text("Extra")},
        },
    )
    drafts = parse_rubric_modal(values)
    assert drafts[0].name == "Renamed" and drafts[1].probe == ""
    assert rubric_errors(drafts) == {
        "c1_probe": "Say what panelists should probe.",
        "c5_probe": "Say what panelists should probe.",
        "c5_anchor_1": "Describe what a 1 (Strong no) looks like.",
        "c5_anchor_4": "Describe what a 4 (Strong yes) looks like.",
    }
    errors = rubric_errors(drafts)
    input_ids = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert set(errors) <= input_ids  # inline errors land on blocks the modal has


def test_forged_or_missing_values_read_as_empty() -> None:
    forged = {"c0_name": {"value": {"value": 42}}, "c0_probe": "nonsense", "c1_name": {"other": {}}}
    drafts = parse_rubric_modal(forged)  # type: ignore[arg-type]
    assert drafts == [BLANK] * MAX_CRITERIA
    assert parse_rubric_modal({}) == [BLANK] * MAX_CRITERIA


def test_rubric_saved_modal() -> None:
    rubric = build_rubric("r", "Eng", 4, [draft(f"{EVIL} {i}") for i in range(MAX_CRITERIA)], None)
    view = rubric_saved_modal(f"Eng {EVIL}", rubric)
    assert view_errors(view) == []
    assert_escaped(view)
    text = json.dumps(view)
    assert "*version 4*" in text and "8 criteria" in text and "&amp; more 7" in text
    one = build_rubric("r", "Eng", 1, [draft("Depth")], None)
    assert "1 criterion:" in json.dumps(rubric_saved_modal("Eng", one))
    assert view_errors(rubric_saved_modal("R" * rules.ROLE_NAME_MAX, biggest_rubric())) == []
