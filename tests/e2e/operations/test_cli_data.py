"""The admin's data commands, run in-process against the test database (both kinds):
`panelbot export --role R --format csv|json [--since] [--team] [--out]` and
`panelbot rubric export|import [FILE] [--team]`,
`panelbot evidence-rules export|import [FILE] [--team]`."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bot.domain.evidence_yaml import default_rules_text, load_evidence_rules
from bot.domain.export import EXPORT_COLUMNS
from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW, Rubric
from bot.domain.rubric_rules import CriterionDraft, build_rubric
from bot.runtime.app import build_services
from bot.runtime.settings import Settings
from storage import queries, role_queries, workspaces
from storage.db import Database
from storage.models import Role, RoleRubric
from tests.support.cli import run_cli
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.round_rows import Seeded

KEYS = [c.key for c in SECOND_INTERVIEW.criteria]
PANEL = ("UANA", "UBEN", "UCY")
MARCH = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
APRIL = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)  # exactly midnight: on the --since boundary
MAY = datetime(2026, 5, 5, 17, 45, tzinfo=UTC)


def seed_staff_engineer(db: Database) -> list[Seeded]:
    """Staff Engineer: complete in March and April (3 panelists each), closed early in May
    (1 of 3 submitted), one still open; Data Scientist: one complete round."""
    march = seed_finished_rounds(
        db,
        1,
        candidate=lambda n: "Ada Lovelace",
        finished_at=lambda n: MARCH,
        ratings=lambda n, u: {"UANA": 4, "UBEN": 3, "UCY": 2}[u],
        recommendation=lambda n, u: {"UANA": 4, "UBEN": 3, "UCY": 2}[u],
    )
    april = seed_finished_rounds(
        db, 1, candidate=lambda n: '=HYPERLINK("x"), "Grace"', finished_at=lambda n: APRIL
    )
    may = seed_finished_rounds(
        db,
        1,
        candidate=lambda n: "Linus Torvalds",
        finished_at=lambda n: MAY,
        status=Status.CLOSED,
        submitted=lambda n: ["UANA"],
    )
    seed_finished_rounds(db, 1, status=Status.OPEN, submitted=lambda n: ["UANA"])
    seed_finished_rounds(db, 1, role="Data Scientist", candidate=lambda n: "Someone Else")
    return [march, april, may]


def read_csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


# -- 1. export ---------------------------------------------------------------------------------
def test_export_csv_and_json(cli: Database, capsys: pytest.CaptureFixture[str]) -> None:
    march, april, may = seed_staff_engineer(cli)
    out = Path("staff.csv")
    code, stdout, err = run_cli(
        capsys, "export", "--role", "staff engineer", "--format", "csv", "--out", str(out)
    )
    assert (code, stdout, err) == (0, "", "")
    text = out.read_bytes().decode()
    assert text.endswith("\r\n")  # RFC 4180 line ends, kept in the file
    rows = read_csv(text)
    # One row per submitting panelist × criterion of each finished round (not the open one).
    assert len(rows) == (3 + 3 + 1) * len(KEYS)
    expected = {
        (str(round_id), user, key)
        for seeded in (march, april, may)
        for round_id, user in seeded.panelists
        for key in KEYS
    }
    assert {(r["round_id"], r["panelist_id"], r["criterion_key"]) for r in rows} == expected
    ada = [r for r in rows if r["candidate"] == "Ada Lovelace"]
    assert {(r["panelist"], r["rating"], r["recommendation"]) for r in ada} == {
        ("Ana Tanaka", "4", "4"),
        ("Ben Miller", "3", "3"),
        ("Cy Weber", "2", "2"),
    }
    assert {r["finished_at"] for r in ada} == {"2026-03-10T09:30:00+00:00"}
    assert {r["role"] for r in rows} == {"Staff Engineer"}
    assert {r["status"] for r in rows if r["candidate"] == "Linus Torvalds"} == {"closed"}
    # A cell a spreadsheet would run as a formula is made text; commas and quotes survive.
    assert {r["candidate"] for r in rows} == {
        "Ada Lovelace",
        '\'=HYPERLINK("x"), "Grace"',
        "Linus Torvalds",
    }
    assert {r["rubric"] for r in rows} == {SECOND_INTERVIEW.key}
    evidence = {r["evidence"] for r in rows if r["criterion_key"] == "depth"}
    assert evidence == {"Seen in the interview (Depth of skills and experience)."}

    # Without --out: the same text on standard output.
    code, stdout, err = run_cli(capsys, "export", "--role", "Staff Engineer")
    assert (code, err) == (0, "")
    assert stdout == text

    code, stdout, err = run_cli(capsys, "export", "--role", "STAFF ENGINEER", "--format", "json")
    assert (code, err) == (0, "")
    rounds = json.loads(stdout)
    assert [r["round_id"] for r in rounds] == [
        march.round_ids[0],
        april.round_ids[0],
        may.round_ids[0],
    ]
    assert [len(r["panelists"]) for r in rounds] == [3, 3, 1]
    assert rounds[1]["candidate"] == '=HYPERLINK("x"), "Grace"'  # JSON is exported as is
    assert rounds[2]["partial"] is True
    assert [p["panelist_id"] for p in rounds[2]["not_submitted"]] == ["UBEN", "UCY"]
    assert [x["criterion_key"] for x in rounds[0]["panelists"][0]["ratings"]] == KEYS
    assert sum(len(p["ratings"]) for r in rounds for p in r["panelists"]) == len(rows)


def test_export_since(cli: Database, capsys: pytest.CaptureFixture[str]) -> None:
    march, april, may = seed_staff_engineer(cli)

    def exported(since: str, fmt: str = "csv") -> set[int]:
        code, stdout, err = run_cli(
            capsys, "export", "--role", "staff engineer", "--format", fmt, "--since", since
        )
        assert (code, err) == (0, ""), err
        if fmt == "json":
            return {r["round_id"] for r in json.loads(stdout)}
        return {int(r["round_id"]) for r in read_csv(stdout)}

    # On or after the day (UTC): April's round finished at midnight that day.
    assert exported("2026-04-20") == {april.round_ids[0], may.round_ids[0]}
    assert exported("2026-04-20", "json") == {april.round_ids[0], may.round_ids[0]}
    assert exported("2026-04-21") == {may.round_ids[0]}
    assert exported("2026-01-01") == {march.round_ids[0], april.round_ids[0], may.round_ids[0]}
    assert exported("2026-05-06") == set()
    code, stdout, _ = run_cli(capsys, "export", "--role", "staff engineer", "--since", "2027-01-01")
    assert (code, read_csv(stdout)) == (0, [])

    code, stdout, err = run_cli(capsys, "export", "--role", "x", "--since", "2026-13-01")
    assert code == 2 and stdout == ""
    assert "'2026-13-01' is not a date like 2026-11-01" in err


def test_teams_lists_every_workspace_the_database_knows(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_cli(capsys, "teams")
    assert (code, stdout, err) == (0, "", "panelbot: the database knows no workspace yet.\n")
    code, _, err = run_cli(capsys, "rubric", "export")
    assert (code, err) == (
        2,
        "panelbot: Say which workspace with --team: the database knows none yet "
        "(`panelbot doctor` shows the team id of SLACK_BOT_TOKEN's workspace).\n",
    )

    # Installed, and nothing else yet: the one workspace, no --team needed.
    with cli.transaction() as session:
        workspaces.mark_installed(session, "T0001", "Acme", MARCH)
    code, stdout, err = run_cli(capsys, "rubric", "export")
    assert (code, err) == (0, "")
    assert yaml.safe_load(stdout) == {"roles": []}

    seed_finished_rounds(cli, 2, team="T0001")
    seed_finished_rounds(cli, 1, team="T0002")  # from before installs were recorded
    with cli.transaction() as session:
        workspaces.mark_installed(session, "T0003", None, MARCH)
        workspaces.mark_uninstalled(session, "T0003", APRIL)
    code, stdout, err = run_cli(capsys, "teams")
    assert (code, err) == (0, "")
    assert stdout.splitlines() == [
        "T0001  Acme  installed             2 rounds",
        "T0002  ?     install not recorded  1 round",
        "T0003  ?     uninstalled           0 rounds",
    ]


def test_export_refuses_unknown_roles_and_unnamed_teams(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_staff_engineer(cli)
    code, stdout, err = run_cli(capsys, "export", "--role", "Product Manager")
    assert (code, stdout) == (2, "")
    assert err == (
        'panelbot: No single role matches "Product Manager". '
        "Roles: Data Scientist, Staff Engineer.\n"
    )
    # A part of several names is not enough either.
    code, _, err = run_cli(capsys, "export", "--role", "a")
    assert code == 2
    assert 'No single role matches "a". Roles: Data Scientist, Staff Engineer.' in err
    # A unique part of a name is.
    code, stdout, _ = run_cli(capsys, "export", "--role", "engineer")
    assert code == 0 and len(read_csv(stdout)) == 7 * len(KEYS)

    # A second workspace in the database: say which.
    other = seed_finished_rounds(cli, 1, team="T0002", candidate=lambda n: "Other Team")
    code, stdout, err = run_cli(capsys, "export", "--role", "staff engineer")
    assert (code, stdout) == (2, "")
    assert err == (
        "panelbot: Say which workspace with --team: the database knows T0001, T0002 "
        "(`panelbot teams` lists them).\n"
    )
    code, stdout, err = run_cli(
        capsys, "export", "--role", "staff engineer", "--team", "T0002", "--format", "json"
    )
    assert (code, err) == (0, "")
    assert [r["round_id"] for r in json.loads(stdout)] == other.round_ids
    code, stdout, _ = run_cli(capsys, "export", "--role", "staff engineer", "--team", "T0001")
    assert code == 0
    assert "Other Team" not in stdout and len(read_csv(stdout)) == 7 * len(KEYS)
    code, _, err = run_cli(capsys, "rubric", "export")
    assert code == 2 and "T0001, T0002" in err


# -- 2. rubrics as YAML ---------------------------------------------------------------------------
TRICKY_PROBE = "Ask: what broke?\n  - and why # not a comment\nThen: “push” on trade-offs — 日本語"


def add_version(db: Database, role: str, drafts: list[CriterionDraft]) -> None:
    with db.transaction() as session:
        found = queries.ensure_role(session, "T0001", role)
        latest = role_queries.latest_rubric(session, "T0001", found.id)
        version = (latest.version if latest else 0) + 1
        previous = Rubric.from_data(latest.rubric) if latest else SECOND_INTERVIEW
        rubric = build_rubric(str(found.id), found.name, version, drafts, previous)
        role_queries.add_rubric_version(
            session, "T0001", found.id, version, rubric.to_data(), "UORG"
        )


def rubrics(db: Database) -> dict[str, list[tuple[int, Rubric, str]]]:
    with db.read() as session:
        rows = session.execute(
            select(Role.name, RoleRubric.version, RoleRubric.rubric, RoleRubric.created_by)
            .join(Role, Role.id == RoleRubric.role_id)
            .order_by(Role.name, RoleRubric.version)
        ).all()
    found: dict[str, list[tuple[int, Rubric, str]]] = {}
    for name, version, data, by in rows:
        found.setdefault(name, []).append((version, Rubric.from_data(data), by))
    return found


def criteria_of(rubric: Rubric) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(c.key, c.name, c.probe, tuple(c.anchors)) for c in rubric.criteria]


def seed_rubrics(db: Database) -> None:
    add_version(
        db,
        "Staff Engineer",
        [
            CriterionDraft.of(SECOND_INTERVIEW.criteria[0]),
            CriterionDraft("System design: at scale", TRICKY_PROBE, "No structure", "Owns it"),
            CriterionDraft("Yes", "Does 'yes' stay text?", "1: no", "4 # yes"),
        ],
    )
    add_version(db, "Data Scientist", [CriterionDraft("Statistics", "Ask.", "Weak", "Strong")])
    seed_finished_rounds(db, 1, role="Product Manager")  # a role on the built-in rubric


def test_rubric_export_then_import_round_trips(
    cli: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_rubrics(cli)
    before = rubrics(cli)
    assert sorted(before) == ["Data Scientist", "Staff Engineer"]

    code, stdout, err = run_cli(capsys, "rubric", "export", "rubrics.yaml")
    assert (code, stdout, err) == (0, "", "")
    text = Path("rubrics.yaml").read_text()
    document = yaml.safe_load(text)
    # Only roles with a rubric of their own; Product Manager uses the built-in one.
    assert [r["role"] for r in document["roles"]] == ["Data Scientist", "Staff Engineer"]
    code, stdout, _ = run_cli(capsys, "rubric", "export")
    assert (code, stdout) == (0, text)

    # What was exported comes back the same: no new version splits the comparisons.
    code, stdout, err = run_cli(capsys, "rubric", "import", "rubrics.yaml")
    assert (code, stdout) == (0, "")
    assert err.splitlines() == [
        "Data Scientist: unchanged (version 1)",
        "Staff Engineer: unchanged (version 1)",
    ]
    assert rubrics(cli) == before

    # One probe edited: that role alone gets a version, its criterion keeping its key. The
    # options may come after the action, before the file.
    document["roles"][0]["criteria"][0]["probe"] = "Ask about p-values."
    Path("edited.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    code, stdout, err = run_cli(capsys, "rubric", "import", "--team", "T0001", "edited.yaml")
    assert (code, stdout) == (0, "")
    assert err.splitlines() == [
        "Data Scientist: rubric version 2",
        "Staff Engineer: unchanged (version 1)",
    ]
    after = rubrics(cli)
    assert [(v, by) for v, _, by in after["Data Scientist"]] == [(1, "UORG"), (2, "cli")]
    first, second = after["Data Scientist"][0][1], after["Data Scientist"][1][1]
    assert second.criteria[0].probe == "Ask about p-values."
    assert second.version == 2 and second.key == first.key
    assert second.criteria[0].key == first.criteria[0].key
    assert after["Staff Engineer"] == before["Staff Engineer"]
    assert after["Staff Engineer"][0][1].criteria[1].probe == TRICKY_PROBE

    # From standard input, with a new role: created, at version 1.
    document["roles"].append(
        {
            "role": "Product Designer",
            "criteria": [
                {"name": "Craft", "probe": "Portfolio.", "anchors": {1: "Sloppy", 4: "Superb"}}
            ],
        }
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(yaml.safe_dump(document, allow_unicode=True)))
    code, _, err = run_cli(capsys, "rubric", "import")
    assert code == 0
    assert err.splitlines() == [
        "Data Scientist: unchanged (version 2)",
        "Staff Engineer: unchanged (version 1)",
        "Product Designer: rubric version 1",
    ]
    designer = rubrics(cli)["Product Designer"]
    assert [(v, by, r.criteria[0].key) for v, r, by in designer] == [(1, "cli", "craft")]


def test_importing_an_unchanged_rubric_adds_no_version(cli: Database) -> None:
    """The service itself: the file's rubric is the latest one, so nothing is written."""
    seed_rubrics(cli)
    services = build_services(Settings(), cli)
    text = services.rubrics.export_yaml("T0001")
    before = rubrics(cli)
    imported = services.rubrics.import_yaml("T0001", text, by="cli")
    assert [(i.role_name, i.version, i.changed) for i in imported] == [
        ("Data Scientist", 1, False),
        ("Staff Engineer", 1, False),
    ]
    assert rubrics(cli) == before


def test_a_malformed_rubric_file_changes_nothing(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_rubrics(cli)
    before = rubrics(cli)
    with cli.read() as session:
        roles_before = session.scalar(select(func.count()).select_from(Role))

    def refused(text: str) -> str:
        Path("bad.yaml").write_text(text)
        code, stdout, err = run_cli(capsys, "rubric", "import", "bad.yaml")
        assert (code, stdout) == (2, "")
        assert err.startswith("panelbot: ") and "Traceback" not in err
        return err

    # A good role and a bad one: all or nothing, and the problem is named.
    def role(name: str, anchors: dict[int, str]) -> dict[str, object]:
        return {"role": name, "criteria": [{"name": "Fit", "probe": "P.", "anchors": anchors}]}

    good, bad = role("Staff Engineer", {1: "Rude", 4: "Kind"}), role("New Role", {1: "Rude"})
    err = refused(yaml.safe_dump({"roles": [good, bad]}))
    assert err == (
        "panelbot: Role “New Role”, criterion 1 (“Fit”), anchor 4 (Strong yes): "
        "Describe what a 4 (Strong yes) looks like.\n"
    )
    err = refused("roles:\n  - role: A\n    criteria: [\n")
    assert err.startswith("panelbot: The file is not valid YAML (line ")
    err = refused("roles: []\n")
    assert err == 'panelbot: "roles" must be a list with at least one role.\n'

    assert rubrics(cli) == before
    with cli.read() as session:
        assert session.scalar(select(func.count()).select_from(Role)) == roles_before


def test_a_missing_rubric_file_is_one_line_and_exit_2(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_rubrics(cli)
    code, stdout, err = run_cli(capsys, "rubric", "import", "no-such-file.yaml")
    assert (code, stdout) == (2, "")
    assert err.startswith("panelbot: ") and "no-such-file.yaml" in err
    assert len(err.splitlines()) == 1


# -- 3. evidence rules -------------------------------------------------------------------------
def test_evidence_rules_export_edit_and_import(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_finished_rounds(cli, 1)
    # A workspace without rules of its own exports the shipped defaults, comments and all.
    code, shipped, err = run_cli(capsys, "evidence-rules", "export")
    assert (code, err) == (0, "") and shipped == default_rules_text()

    # The admin adds a phrase, drops a rule and imports the file.
    document = yaml.safe_load(shipped)
    document["rules"] = [r for r in document["rules"] if r["key"] != "religion"]
    likeness = next(r for r in document["rules"] if r["key"] == "likeness")
    likeness["phrases"].append("plays golf with")
    Path("rules.yml").write_text(yaml.safe_dump(document, allow_unicode=True))
    code, stdout, err = run_cli(capsys, "evidence-rules", "import", "rules.yml")
    assert (code, stdout, err) == (0, "", "T0001: 9 evidence rule(s) imported\n")
    code, exported, _ = run_cli(capsys, "evidence-rules", "export", "--team", "T0001")
    assert code == 0
    rules = load_evidence_rules(exported)
    assert [r.key for r in rules.rules] == [r["key"] for r in document["rules"]]
    assert rules == load_evidence_rules(Path("rules.yml").read_text())

    # A file with a problem changes nothing, and says what is wrong where.
    Path("bad.yml").write_text("rules:\n- key: ok\n  kind: words\n  why: W.\n  phrases: [a*b]\n")
    code, stdout, err = run_cli(capsys, "evidence-rules", "import", "bad.yml")
    assert (code, stdout) == (2, "")
    assert err == (
        "panelbot: Rule “ok”, phrases, “a*b”: “a*b” is not a word: use letters and digits, "
        "joined by ' or -, with * only at the start or end.\n"
    )
    assert run_cli(capsys, "evidence-rules", "export")[1] == exported
