"""Comparing a role's candidates through the real HTTP app: /panel compare (sorting, the
heatmap, the role picker), the summary's Compare button, who may compare, calibrate and
export, paging past Slack's 100-row table, the calibrated view, like-with-like rubric
versions and escaping.

Rounds that only need to exist (many of them, or with a set history) are written through
the ORM (tests/support/finished_rounds.py); rounds whose story matters (closed early, a new rubric)
run through the app.
"""

from __future__ import annotations

import csv
import io
import json
import struct
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bot.codec import CompareState, decode
from bot.domain.calibration import MIN_ROUNDS
from bot.domain.export import EXPORT_COLUMNS
from bot.domain.panel import Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.domain.rubric_rules import CriterionDraft, build_rubric
from bot.domain.work_kinds import OutboxKind
from bot.services.comparisons import CompareRequest, load_comparison
from storage import queries, role_queries
from storage.models import Outbox, Role, WorkState
from tests.slack.driver import Reply
from tests.slack.state import V
from tests.support.comparisons import TABLE_HEADER
from tests.support.finished_rounds import BASE, seed_finished_rounds
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    DEE,
    HIRING,
    NO_BOT_CHANNEL,
    ORG,
    OUTSIDER,
    Harness,
    button,
    has_button,
    modal_named,
)
from tests.support.slack_requests import ephemeral_select_payload
from tests.support.texts import mrkdwn_texts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CRITERIA_NAMES = [c.name for c in SECOND_INTERVIEW.criteria]
NOT_ALLOWED_TO_COMPARE = (
    "Only members of <#C0HIRING>, the hiring channel for this role, and its organizers can "
    "compare its candidates."
)


# -- helpers -------------------------------------------------------------------------------
def command(h: Harness, text: str, *, user: str = ORG, channel: str = HIRING) -> list[Any]:
    """Run `/panel <text>`; returns the replies: the ack's text, if any, then every
    response_url post made after the ack, once the first one arrived."""
    acked, posted = h.run_command(text, user=user, channel=channel)
    return [acked] if acked else posted


def one_reply(h: Harness, text: str, *, user: str = ORG, channel: str = HIRING) -> dict[str, Any]:
    replies = command(h, text, user=user, channel=channel)
    assert len(replies) == 1, replies
    assert replies[0].get("response_type") == "ephemeral", replies[0]
    return dict(replies[0])


def comparisons(h: Harness) -> list[dict[str, Any]]:
    """Comparison messages in the hiring channel, oldest first, as they are now."""
    return [
        m
        for m in h.standin.messages_in(HIRING)
        if str(m.get("text", "")).startswith("Comparison for")
    ]


def heatmaps(h: Harness) -> list[dict[str, Any]]:
    return [f for f in h.standin.files_in(HIRING) if f["filename"].endswith(".png")]


def compare(h: Harness, text: str, *, user: str = ORG) -> dict[str, Any]:
    """`/panel compare <text>`: the person is told, then the comparison and its heatmap
    arrive in the hiring channel; returns the new comparison message."""
    posted, pictures = len(comparisons(h)), len(heatmaps(h))
    told = one_reply(h, f"compare {text}", user=user)
    assert told["text"].startswith("Posted the comparison of "), told
    assert told["text"].endswith(" candidates in <#C0HIRING>."), told
    return wait_posted(h, posted, pictures)


def wait_posted(h: Harness, posted: int, pictures: int) -> dict[str, Any]:
    """The comparison posted after `posted` others, once its heatmap is there too."""
    h.wait_for(
        lambda: len(comparisons(h)) > posted and len(heatmaps(h)) > pictures,
        "the comparison and its heatmap",
    )
    found = comparisons(h)
    assert len(found) == posted + 1, [m["text"] for m in found]
    assert len(heatmaps(h)) == pictures + 1
    message = found[-1]
    assert not message.get("thread_ts"), "the comparison is a top-level message"
    return message


def blocks_of(message: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in message.get("blocks") or [] if b.get("type") == kind]


def table(message: dict[str, Any]) -> list[list[str]]:
    tables = blocks_of(message, "table")
    assert len(tables) == 1, message.get("text")
    return [[cell["text"] for cell in row] for row in tables[0]["rows"]]


def names(message: dict[str, Any]) -> list[str]:
    return [row[0] for row in table(message)[1:]]


def contexts(message: dict[str, Any]) -> str:
    return "\n".join(
        element["text"] for b in blocks_of(message, "context") for element in b["elements"]
    )


def buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"text": e["text"]["text"], "action_id": e["action_id"], "value": e["value"]}
        for b in blocks_of(message, "actions")
        for e in b["elements"]
        if e.get("type") == "button"
    ]


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", content[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)


def pick_from(h: Harness, picker: dict[str, Any], user: str, action_id: str, role: str) -> Reply:
    """Choose `role` in an ephemeral role picker."""
    actions = blocks_of(picker, "actions")
    assert len(actions) == 1, picker
    select_menu = actions[0]["elements"][0]
    assert select_menu["type"] == "static_select" and select_menu["action_id"] == action_id
    option = next(o for o in select_menu["options"] if o["text"]["text"] == role)
    payload = ephemeral_select_payload(
        h,
        user,
        action_id,
        option,
        block_id=actions[0].get("block_id", "Xq7+B"),  # Slack makes one up where none is given
        placeholder=select_menu["placeholder"],
    )
    return h.driver.post_payload(payload)


def picker_roles(picker: dict[str, Any]) -> list[str]:
    select_menu = blocks_of(picker, "actions")[0]["elements"][0]
    return [o["text"]["text"] for o in select_menu["options"]]


def finish_round(h: Harness, ratings: dict[str, tuple[int, ...]], recs: dict[str, int]) -> None:
    for user, given in ratings.items():
        assert h.give_feedback(user, ratings=given, recommendation=recs[user]).status == 200
    wait_summary(h)


def wait_summary(h: Harness) -> dict[str, Any]:
    return h.wait_for(
        lambda: next((m for m in h.thread() if has_button(m, "compare_role")), None),
        "the summary",
    )


def as_rated_and_calibrated(h: Harness, message: dict[str, Any]) -> dict[str, Any]:
    """Click the comparison's calibration toggle; returns the message as replaced."""
    before = json.dumps(message["blocks"])
    reply = h.click(ORG, message, "compare_calibrated")
    assert reply.status == 200
    return h.wait_for(
        lambda: next(
            (
                m
                for m in h.standin.messages_in(HIRING)
                if m["ts"] == message["ts"] and json.dumps(m["blocks"]) != before
            ),
            None,
        ),
        "the comparison replaced",
    )


# -- 1 and 2: three candidates, sorted; the summary's button -------------------------------
def test_compare_sorts_flags_partial_and_uploads_a_heatmap(harness: Harness) -> None:
    h = harness
    h.start_round(candidate="Ada Lovelace")
    finish_round(
        h,
        {ANA: (4, 4, 4, 4, 3), BEN: (4, 3, 4, 4, 3), CY: (3, 4, 4, 4, 2)},
        {ANA: 4, BEN: 4, CY: 3},
    )
    ada_summary = wait_summary(h)
    h.start_round(candidate="Grace Hopper")
    finish_round(
        h,
        {ANA: (3, 2, 3, 3, 2), BEN: (2, 3, 3, 2, 2), CY: (3, 3, 2, 3, 3)},
        {ANA: 3, BEN: 2, CY: 3},
    )
    h.start_round(candidate="Linus Torvalds")
    h.give_feedback(ANA, ratings=(2, 1, 2, 2, 4), recommendation=2)
    h.click(ORG, h.announcement() or {}, "close_round")  # closed before Ben and Cy submit
    wait_summary(h)

    # By overall score (the role typed in another case): Ada 3.6, Grace 2.6, Linus 2.2.
    message = compare(h, "staff engineer")
    rows = table(message)
    assert rows[0] == TABLE_HEADER
    assert [r[:2] for r in rows[1:]] == [
        ["Ada Lovelace", "3.6"],
        ["Grace Hopper", "2.6"],
        ["Linus Torvalds (partial)", "2.2"],
    ]
    assert rows[1][2:7] == ["3.7", "3.7", "4.0", "4.0", "2.7"]
    about = contexts(message)
    assert "by overall score" in about and "as rated" in about and "candidates 1–3 of 3" in about
    assert "(partial): closed before everyone submitted." in about
    assert message["text"] == "Comparison for Staff Engineer: 3 candidates, 1–3 shown"

    [picture] = heatmaps(h)
    assert picture["filename"] == "comparison.png"
    assert picture["title"] == "Staff Engineer: candidates × criteria"
    width, height = png_size(picture["content"])
    assert width in (900, 1000) and height > 0
    assert len(picture["content"]) == picture["length"]

    # By one criterion, named as the rubric names it: Linus asked the best questions.
    by_motivation = compare(h, "Staff Engineer by candidate's questions and motivation")
    assert names(by_motivation) == [
        "Linus Torvalds (partial)",
        "Ada Lovelace",
        "Grace Hopper",
    ]
    assert [r[6] for r in table(by_motivation)[1:]] == ["4.0", "2.7", "2.3"]
    assert "by Candidate's questions and motivation" in contexts(by_motivation)
    # The start of a name is enough when only one criterion starts so.
    assert names(compare(h, "staff engineer by culture")) == [
        "Ada Lovelace",
        "Grace Hopper",
        "Linus Torvalds (partial)",
    ]

    # An unknown criterion: told which there are, nothing posted.
    posted, pictures = len(comparisons(h)), len(heatmaps(h))
    told = one_reply(h, "compare staff engineer by salary")
    assert told["text"] == (
        "“salary” is not one of this role's criteria: " + ", ".join(CRITERIA_NAMES) + "."
    )
    assert (len(comparisons(h)), len(heatmaps(h))) == (posted, pictures)

    # 2. The summary's "Compare with other candidates" posts the same comparison.
    before = len(h.standin.responses)
    reply = h.click(DEE, ada_summary, "compare_role")
    assert reply.status == 200
    from_button = wait_posted(h, posted, pictures)
    assert table(from_button) == rows
    assert contexts(from_button) == about
    [clicker_told] = h.wait_for(lambda: h.standin.responses[before:], "the clicker told")
    assert clicker_told["text"] == "Posted the comparison of 3 candidates in <#C0HIRING>."
    assert clicker_told["response_type"] == "ephemeral"
    assert h.standin.warnings == []


# -- 3. an ambiguous or missing role: the picker --------------------------------------------
def test_ambiguous_or_missing_role_asks_with_a_picker(harness: Harness) -> None:
    h = harness
    threes = {c.key: 3 for c in SECOND_INTERVIEW.criteria}
    seed_finished_rounds(
        h.db,
        2,
        ratings=lambda n, u: threes | {"team_fit": [1, 4][n]},
        candidate=lambda n: ["Low Fit", "High Fit"][n],
    )
    seed_finished_rounds(h.db, 1, role="Staff Designer")

    picker = one_reply(h, "compare staff by culture")
    assert picker["text"] == "Pick a role to compare"
    assert "Several roles match “staff”." in mrkdwn_texts(picker["blocks"])[0]
    assert picker_roles(picker) == ["Staff Designer", "Staff Engineer"]
    assert comparisons(h) == []

    before, posted, pictures = len(h.standin.responses), len(comparisons(h)), len(heatmaps(h))
    reply = pick_from(h, picker, ORG, "compare_pick", "Staff Engineer")
    assert reply.status == 200, reply.body
    message = wait_posted(h, posted, pictures)
    # The criterion typed before the picker still sorts the comparison.
    assert names(message) == ["High Fit", "Low Fit"]
    assert "by Culture and team fit" in contexts(message)
    assert message["text"].startswith("Comparison for Staff Engineer")
    told = h.wait_for(lambda: h.standin.responses[before:], "the picker's answer")
    assert told[0]["text"] == "Posted the comparison of 2 candidates in <#C0HIRING>."

    # No role given: every role to pick from.
    picker = one_reply(h, "compare")
    assert "Which role?" in mrkdwn_texts(picker["blocks"])[0]
    assert picker_roles(picker) == ["Staff Designer", "Staff Engineer"]
    posted, pictures = len(comparisons(h)), len(heatmaps(h))
    assert pick_from(h, picker, DEE, "compare_pick", "Staff Designer").status == 200
    designer = wait_posted(h, posted, pictures)
    assert names(designer) == ["Candidate 001"]
    assert "by overall score" in contexts(designer)

    # /panel export asks the same way; the pick sends that role's CSV.
    picker = one_reply(h, "export staff")
    assert picker["text"] == "Pick a role to export"
    before = len(h.standin.responses)
    assert pick_from(h, picker, ORG, "export_pick", "Staff Engineer").status == 200
    told = h.wait_for(lambda: h.standin.responses[before:], "the export's answer")
    assert told[0]["text"] == "Sending the Staff Engineer feedback export (CSV) to your DM."
    [export] = h.wait_for(lambda: h.standin.files_in(ORG), "the export in the DM")
    assert {r["candidate"] for r in read_csv_file(export)} == {"Low Fit", "High Fit"}
    assert h.standin.warnings == []


def test_roles_without_finished_rounds(harness: Harness) -> None:
    h = harness
    # Named before its first round (e.g. to set its rubric up): nobody to compare.
    with h.db.transaction() as session:
        queries.ensure_role(session, "T0001", "Data Scientist")
    told = one_reply(h, "compare data scientist")
    assert told["text"] == "No candidates of that role have been interviewed yet."
    # Only a round still collecting feedback: an empty comparison, and no heatmap.
    seed_finished_rounds(h.db, 1, status=Status.OPEN, submitted=lambda n: [])
    told = one_reply(h, "compare staff engineer")
    assert told["text"] == "Posted the comparison of 0 candidates in <#C0HIRING>."
    [message] = h.wait_for(lambda: comparisons(h), "the empty comparison")
    assert message["text"] == "Comparison for Staff Engineer: no candidates yet"
    assert "No finished rounds on this rubric to compare yet." in mrkdwn_texts(message["blocks"])
    assert blocks_of(message, "table") == [] and not has_button(message, "compare_calibrated")
    with h.db.read() as session:
        kinds = session.scalars(select(Outbox.kind).where(Outbox.channel_id == HIRING)).all()
    assert list(kinds) == ["post"]
    assert heatmaps(h) == []
    assert h.standin.warnings == []


def test_a_role_that_matches_nothing_says_so(harness: Harness) -> None:
    h = harness
    seed_finished_rounds(h.db, 1, role="Staff Engineer")
    seed_finished_rounds(h.db, 1, role="Staff Designer")
    picker = one_reply(h, "compare product manager")
    assert picker_roles(picker) == ["Staff Designer", "Staff Engineer"]
    assert "No role matches “product manager”." in mrkdwn_texts(picker["blocks"])[0]


def heatmap_orders(h: Harness) -> list[list[str]]:
    """The candidate order each sent heatmap was drawn in: its outbox row's request, rebuilt
    the way the delivery rebuilds it (no stand-in for the project's own code)."""
    orders = []
    # The file reaches Slack before its row is recorded as sent: wait for the record.
    h.wait_for(lambda: all_heatmaps_recorded(h) or None, "the heatmap rows marked sent")
    with h.db.read() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.kind == OutboxKind.HEATMAP).order_by(Outbox.id)
        ).all()
        for row in rows:
            assert row.status == WorkState.SENT
            request = CompareRequest.from_state(decode(CompareState, row.payload["state"]))
            role = role_queries.role(session, row.team_id, request.role_id)
            assert role is not None
            comparison, _ = load_comparison(session, row.team_id, role, request)
            orders.append([r.round.candidate_name for r in comparison.rows])
    return orders


def all_heatmaps_recorded(h: Harness) -> bool:
    with h.db.read() as session:
        states = session.scalars(
            select(Outbox.status).where(Outbox.kind == OutboxKind.HEATMAP)
        ).all()
    return all(state == WorkState.SENT for state in states)


def test_the_heatmap_follows_the_tables_order(harness: Harness) -> None:
    h = harness
    keys = [c.key for c in SECOND_INTERVIEW.criteria]
    # High Fit: team fit 4, the rest 2 (overall 2.4); Low Fit: team fit 1, the rest 4 (3.4).
    seed_finished_rounds(
        h.db,
        2,
        ratings=lambda n, u: {k: [2, 4][n] for k in keys} | {"team_fit": [4, 1][n]},
        candidate=lambda n: ["High Fit", "Low Fit"][n],
    )
    message = compare(h, "staff engineer by culture")
    assert names(message) == ["High Fit", "Low Fit"]
    assert names(compare(h, "staff engineer")) == ["Low Fit", "High Fit"]
    h.wait_for(lambda: len(h.standin.files_in(HIRING)) == 2, "both heatmaps")
    drawn = heatmap_orders(h)
    assert drawn[1] == ["Low Fit", "High Fit"]
    assert drawn[0] == ["High Fit", "Low Fit"]
    first, second = (f["content"] for f in h.standin.files_in(HIRING))
    assert first != second  # the two pictures really are drawn differently


# -- 4. who may compare, calibrate and export -----------------------------------------------
def test_who_may_compare_calibrate_and_export(harness: Harness) -> None:
    h = harness
    seeded = seed_finished_rounds(
        h.db,
        2,
        ratings=lambda n, u: {ANA: 4, BEN: 3, CY: 2}[u] if n == 0 else 3,
        candidate=lambda n: ["Ada Lovelace", "Grace Hopper"][n],
    )
    # A round still open is neither compared nor exported; one closed before anybody
    # submitted is compared (without scores) but has nothing to export.
    seed_finished_rounds(
        h.db, 1, status=Status.OPEN, submitted=lambda n: [ANA], candidate=lambda n: "Still Open"
    )
    seed_finished_rounds(
        h.db, 1, status=Status.CLOSED, submitted=lambda n: [], candidate=lambda n: "Nobody Wrote"
    )

    # Someone outside the hiring channel who organized none of its rounds: refused.
    refused = one_reply(h, "compare staff engineer", user=OUTSIDER, channel=NO_BOT_CHANNEL)
    assert refused["text"] == NOT_ALLOWED_TO_COMPARE
    # A member of the hiring channel may compare, without organizing anything.
    message = compare(h, "Staff Engineer", user=DEE)
    # 3.0 each: the newer first; no score at all: last.
    assert [r[:3] for r in table(message)[1:]] == [
        ["Grace Hopper", "3.0", "3.0"],
        ["Ada Lovelace", "3.0", "3.0"],
        ["Nobody Wrote (partial)", "—", "—"],
    ]
    with h.db.read() as session:
        rows = session.scalars(select(Outbox).where(Outbox.channel_id == HIRING)).all()
    assert {r.notify_user_id for r in rows} == {DEE}
    assert h.standin.messages_in(NO_BOT_CHANNEL) == []
    # The outsider's request posted nothing anywhere.
    assert len(comparisons(h)) == 1 and len(heatmaps(h)) == 1

    # Calibration: for people who organize panels.
    for user in (DEE, OUTSIDER):
        told = one_reply(h, "calibration", user=user)
        assert told["text"] == "Calibration is for people who organize panels."
    calibration = one_reply(h, "calibration")
    assert calibration["response_type"] == "ephemeral"
    [interviewers] = blocks_of(calibration, "table")
    shown = [[cell["text"] for cell in row] for row in interviewers["rows"]]
    assert len(shown) == 1 + 3  # the header and Ana, Ben, Cy
    assert {row[0] for row in shown[1:]} == {"Ana Tanaka", "Ben Miller", "Cy Weber"}
    assert "Staff Engineer" in json.dumps(calibration["blocks"])

    # Export: for the role's organizers only; the CSV arrives in their DM.
    told = one_reply(h, "export staff engineer", user=DEE)
    assert told["text"] == "Only organizers of Staff Engineer panels can export its feedback."
    assert h.standin.files_in(DEE) == []
    told = one_reply(h, "export staff engineer")
    assert told["text"] == "Sending the Staff Engineer feedback export (CSV) to your DM."
    [export] = h.wait_for(lambda: h.standin.files_in(ORG), "the export in the DM")
    assert export["filename"] == "staff-engineer-feedback.csv"
    exported = read_csv_file(export)
    criteria = [c.key for c in SECOND_INTERVIEW.criteria]
    # One row per panelist × criterion of each finished round, nothing of the open one.
    assert len(exported) == 2 * 3 * len(criteria)
    assert {int(r["round_id"]) for r in exported} == set(seeded.round_ids)
    assert sorted((r["round_id"], r["panelist_id"], r["criterion_key"]) for r in exported) == (
        sorted((str(rid), u, c) for rid, u in seeded.panelists for c in criteria)
    )
    ada = [r for r in exported if r["candidate"] == "Ada Lovelace"]
    assert {(r["panelist"], r["rating"]) for r in ada} == {
        ("Ana Tanaka", "4"),
        ("Ben Miller", "3"),
        ("Cy Weber", "2"),
    }
    assert h.standin.files_in(HIRING)[0]["filename"] == "comparison.png"  # only the heatmap

    # An organizer of one of the role's rounds may compare and export without being in
    # the hiring channel; the comparison still goes to the hiring channel.
    seed_finished_rounds(h.db, 1, organizer=OUTSIDER, candidate=lambda n: "Their Own")
    posted, pictures = len(comparisons(h)), len(heatmaps(h))
    told = one_reply(h, "compare staff engineer", user=OUTSIDER, channel=NO_BOT_CHANNEL)
    assert told["text"] == "Posted the comparison of 4 candidates in <#C0HIRING>."
    assert "Their Own" in names(wait_posted(h, posted, pictures))
    told = one_reply(h, "export staff engineer", user=OUTSIDER, channel=NO_BOT_CHANNEL)
    assert told["text"].startswith("Sending the Staff Engineer feedback export")
    [theirs] = h.wait_for(lambda: h.standin.files_in(OUTSIDER), "the outsider's export")
    assert len(read_csv_file(theirs)) == 3 * 3 * len(criteria)
    assert h.standin.messages_in(NO_BOT_CHANNEL) == []
    assert h.standin.warnings == []


def read_csv_file(record: dict[str, Any]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(record["content"].decode(), newline=""))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS
    return list(reader)


# -- 5. paging past Slack's 100-row table ----------------------------------------------------
def test_150_candidates_page_at_99_rows(harness: Harness) -> None:
    h = harness
    # Overall 1.0 … 4.0 by round number; within a score, the newer round first.
    seed_finished_rounds(h.db, 150, ratings=lambda n, u: 1 + n % 4)
    expected = sorted(range(150), key=lambda n: (-(1 + n % 4), -n))
    expected_names = [f"Candidate {n + 1:03d}" for n in expected]

    message = compare(h, "staff engineer")
    rows = table(message)
    assert len(rows) == 100  # the header and 99 candidates: Slack's limit
    assert [r[0] for r in rows[1:]] == expected_names[:99]
    assert [r[1] for r in rows[1:]] == [f"{1 + n % 4:.1f}" for n in expected[:99]]
    assert "candidates 1–99 of 150" in contexts(message)
    assert message["text"] == "Comparison for Staff Engineer: 150 candidates, 1–99 shown"
    assert not any(b["text"] == "Previous" for b in buttons(message))
    next_button = button(message, "compare_page_next")
    assert next_button["text"]["text"] == "Next"

    reply = h.click(ORG, message, "compare_page_next")
    assert reply.status == 200
    second = h.wait_for(
        lambda: next(
            (m for m in comparisons(h) if m["ts"] == message["ts"] and len(table(m)) != 100),
            None,
        ),
        "page 2 in place of page 1",
    )
    assert len(comparisons(h)) == 1  # replaced, not posted again
    rows_2 = table(second)
    assert len(rows_2) == 1 + 51
    assert [r[0] for r in rows_2[1:]] == expected_names[99:]
    assert "candidates 100–150 of 150" in contexts(second)
    assert [b["text"] for b in buttons(second)] == ["Previous", "Calibrated view"]
    # Every candidate on exactly one page, under their whole name.
    shown = [r[0] for r in rows[1:]] + [r[0] for r in rows_2[1:]]
    assert sorted(shown) == sorted(f"Candidate {n + 1:03d}" for n in range(150))

    # Previous goes back to the first page.
    assert h.click(ORG, second, "compare_page_prev").status == 200
    back = h.wait_for(
        lambda: next(
            (m for m in comparisons(h) if m["ts"] == message["ts"] and len(table(m)) == 100),
            None,
        ),
        "page 1 again",
    )
    assert table(back) == rows
    [picture] = heatmaps(h)
    assert png_size(picture["content"])[0] in (900, 1000)
    assert h.standin.warnings == []


# -- 6. the calibrated view ------------------------------------------------------------------
def lenient_history(h: Harness, full_rounds: int) -> None:
    """`full_rounds` rounds where Ana rates every criterion 4 and Ben and Cy 3 (Ana +1 more
    lenient than her peers), then "Only Ana" whom only Ana rated (4) before it closed."""
    seed_finished_rounds(h.db, full_rounds, ratings=lambda n, u: 4 if u == ANA else 3)
    seed_finished_rounds(
        h.db,
        1,
        submitted=lambda n: [ANA],
        ratings=lambda n, u: 4,
        candidate=lambda n: "Only Ana",
        status=Status.CLOSED,
    )


def test_calibrated_view_adjusts_interviewers_with_enough_rounds(harness: Harness) -> None:
    h = harness
    lenient_history(h, MIN_ROUNDS)
    message = compare(h, "staff engineer")
    assert names(message)[0] == "Only Ana (partial)"  # 4.0 as rated
    assert table(message)[1][1] == "4.0"
    toggle = button(message, "compare_calibrated")
    assert toggle["text"]["text"] == "Calibrated view"

    calibrated = as_rated_and_calibrated(h, message)
    about = contexts(calibrated)
    assert "calibrated" in about and "as rated" not in about
    assert f"Adjusted for leniency: <@{ANA}>, <@{BEN}>, <@{CY}>." in about
    assert "Left as rated" not in about
    # Ana's +1 comes off her 4s: "Only Ana" drops from first to last (3.0 < 3.33).
    assert names(calibrated)[-1] == "Only Ana (partial)"
    assert table(calibrated)[-1][1] == "3.0"
    assert {r[1] for r in table(calibrated)[1:-1]} == {"3.3"}
    assert button(calibrated, "compare_calibrated")["text"]["text"] == "As rated"
    assert len(comparisons(h)) == 1

    # And back.
    as_rated = as_rated_and_calibrated(h, calibrated)
    assert names(as_rated)[0] == "Only Ana (partial)"
    assert "as rated" in contexts(as_rated)
    assert h.standin.warnings == []


def test_calibrated_view_leaves_interviewers_with_few_rounds_as_rated(harness: Harness) -> None:
    h = harness
    lenient_history(h, MIN_ROUNDS - 1)
    message = compare(h, "staff engineer")
    calibrated = as_rated_and_calibrated(h, message)
    about = contexts(calibrated)
    assert f"No interviewer has {MIN_ROUNDS} rounds yet: nothing adjusted." in about
    assert f"Left as rated (fewer than {MIN_ROUNDS} rounds): <@{ANA}>, <@{BEN}>, <@{CY}>." in about
    assert table(calibrated) == table(message)  # nothing moved
    assert button(calibrated, "compare_calibrated")["text"]["text"] == "As rated"


# -- 7. like with like: a new rubric version ------------------------------------------------
def test_a_new_rubric_version_is_compared_only_with_itself(harness: Harness) -> None:
    h = harness
    seed_finished_rounds(h.db, 2, candidate=lambda n: f"Old Rubric {n + 1}")
    assert names(compare(h, "staff engineer")) == ["Old Rubric 2", "Old Rubric 1"]

    # The organizer renames "Culture and team fit" to "Collaboration".
    assert h.driver.command(ORG, "rubric Staff Engineer", channel_id=HIRING).status == 200
    modal = h.wait_for(
        lambda: modal_named(h.standin.open_view_for(ORG), "panel_rubric"), "the rubric modal"
    )
    saved = h.driver.view_submission(ORG, modal, {"c1_name": {"value": V.text("Collaboration")}})
    assert saved.json()["response_action"] == "update", saved.body

    h.start_round(candidate="New Rubric")
    for user, rating in ((ANA, 4), (BEN, 3), (CY, 3)):
        view = h.open_feedback(user)
        keys = [
            b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("rating:")
        ]
        assert sorted(keys) == [  # (each panelist's focus areas come first)
            "rating:clarification",
            "rating:collaboration",
            "rating:depth",
            "rating:motivation",
            "rating:scenario",
        ]
        values = {
            "recommendation": {"value": V.radio("3")},
            **{k: {"value": V.radio(str(rating))} for k in keys},
            **{
                k.replace("rating:", "evidence:"): {
                    "value": V.text("Walked us through the design exercise step by step.")
                }
                for k in keys
            },
        }
        for block in view["blocks"]:
            if block.get("type") == "input" and block["block_id"].startswith("q:"):
                values[block["block_id"]] = {"value": V.radio("resolved")}
        assert h.driver.view_submission(user, view, values).status == 200
    wait_summary(h)

    message = compare(h, "staff engineer")
    rows = table(message)
    assert rows[0][3] == "Collaboration"
    assert [r[:2] for r in rows[1:]] == [["New Rubric", "3.3"]]
    assert (
        "2 rounds on another rubric version are not compared: their criteria differ."
        in contexts(message)
    )
    assert "Staff Engineer rubric v1" in contexts(message)
    assert h.standin.warnings == []


# -- 8. escaping ---------------------------------------------------------------------------------
def test_user_text_never_pings_from_the_comparison(harness: Harness) -> None:
    h = harness
    evil = "<!channel>"
    seed_finished_rounds(
        h.db,
        2,
        candidate=lambda n: [evil, "<@UORG> & <https://evil.example|click>"][n],
        asked="<!channel> what is the pay? <!here> and the team?",
    )
    message = compare(h, "staff engineer")
    texts = [message["text"], *mrkdwn_texts(message["blocks"])]
    assert any("&lt;!channel&gt;" in t for t in texts), texts  # the question, escaped
    for text in texts:
        for raw in (evil, "<!here>", "<@UORG>", "<https://evil.example"):
            assert raw not in text, text
    # Table cells are raw text, which Slack never parses: shown exactly as typed.
    assert sorted(names(message)) == sorted([evil, "<@UORG> & <https://evil.example|click>"])
    with h.db.read() as session:
        assert session.scalar(select(Role.name)) == "Staff Engineer"
    assert h.standin.warnings == []


def test_role_names_are_escaped_in_the_export_replies(harness: Harness) -> None:
    h = harness
    role = "R&D <Infra> <!here>"
    seed_finished_rounds(h.db, 1, role=role)
    refused = one_reply(h, "export infra", user=DEE)["text"]
    confirmed = one_reply(h, "export infra")["text"]
    assert confirmed.startswith("Sending the R&amp;D &lt;Infra&gt; &lt;!here&gt; feedback")
    assert refused == (
        "Only organizers of R&amp;D &lt;Infra&gt; &lt;!here&gt; panels can export its feedback."
    )


def test_by_criterion_when_two_rubric_versions_finished_at_the_same_moment(
    harness: Harness,
) -> None:
    h = harness
    moment = BASE + timedelta(days=1)
    seed_finished_rounds(h.db, 1, candidate=lambda n: "Old", finished_at=lambda n: moment)
    drafts = [CriterionDraft.of(c) for c in SECOND_INTERVIEW.criteria]
    drafts[1] = CriterionDraft("Collaboration", "Pair on a bug.", "Works alone", "Lifts others")
    version_1 = build_rubric("1", "Staff Engineer", 1, drafts, SECOND_INTERVIEW)
    seed_finished_rounds(
        h.db, 1, rubric=version_1, candidate=lambda n: "New", finished_at=lambda n: moment
    )
    # The newer round (the higher id) is the one compared…
    assert names(compare(h, "staff engineer")) == ["New"]
    # …so its criteria are the ones to sort by.
    message = compare(h, "staff engineer by collaboration")
    assert names(message) == ["New"] and "by Collaboration" in contexts(message)


def test_a_picker_of_more_than_100_roles_says_some_are_left_out(harness: Harness) -> None:
    h = harness
    with h.db.transaction() as session:
        session.execute(
            insert(Role),
            [
                {"team_id": "T0001", "name": f"Role {n:03d}", "name_key": f"role {n:03d}"}
                for n in range(120)
            ],
        )
    picker = one_reply(h, "compare")
    assert len(picker_roles(picker)) == 100  # Slack's limit for a static select
    said = mrkdwn_texts(picker["blocks"])[0]
    assert "(Not every role fits in this list: type more of the name.)" in said
