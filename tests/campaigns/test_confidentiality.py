"""Confidentiality and mrkdwn injection (issue 6, item 7), through the real HTTP app on both
databases.

Sealed: panelists write feedback with text found nowhere else; then everyone — the
organizer, the panel, a hiring-channel member off the panel, a workspace member outside the
channel, another workspace's user — does everything they can (status, Home tab, See all
notes, their own feedback modal, compare, export, calibration, a digest, reminders and the
organizer's escalation). Everything the Slack stand-in received is attributed to the people
who can see it (a DM to its person, a channel message to the channel's members, a modal to
the person whose trigger_id opened it, a response_url reply to the person who acted, a
file to the conversation it was shared in). Before the panel completes, a panelist's text
reaches no one but that panelist; after, no one outside the hiring channel. The log never
holds it.

Injection: every free-text field (candidate, role, round-1 doubts, evidence, notes, the
candidate's questions, a rubric's criterion names, probes and anchors, a panelist's Slack
name, a command's words) carries `<!channel>`, `<!here>`, `<@U0ADMIN>`,
`<https://evil.example|click>` and `&`; no mrkdwn text the bot sends holds them raw, none is
escaped twice, and plain_text (which Slack never parses) holds no escapes at all.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text as sql

from bot.domain.evidence import KEEP_AS_WRITTEN
from storage.db import Database
from tests.slack.state import V
from tests.support.adversarial import (
    channel_members,
    logged_text,
)
from tests.support.confidentiality_room import (
    FLAGGED_WORD,
    all_logs,
    everyone_looks,
    give_feedback,
    leaks,
    make_room,
    record_decision,
    room_with_a_round,
    summary_of,
)
from tests.support.finished_rounds import seed_finished_rounds
from tests.support.harness import (
    ANA,
    BEN,
    CY,
    DEE,
    HIRING,
    ORG,
    Harness,
)
from tests.support.reliability import Outcome, record
from tests.support.rows import database_name
from tests.support.texts import mrkdwn_texts, plain_texts, strings_in

pytestmark = pytest.mark.reliability


def test_feedback_reaches_no_one_before_the_panel_completes(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    outcome = Outcome("confidentiality: sealed feedback, 7 people", database_name(h.db))
    with all_logs(caplog):
        room, round_id = room_with_a_round(h)
        # A finished round of the role, so comparing, exporting and calibrating have data.
        seed_finished_rounds(h.db, 2, candidate=lambda n: f"Earlier Candidate {n}")
        markers = {ANA: "ANA-SEALED-1f7c", BEN: "BEN-SEALED-9d2e"}
        for user, marker in markers.items():
            # Ana's notes hold a word the evidence rules point out; she keeps it.
            flagged = FLAGGED_WORD if user == ANA else ""
            reply = give_feedback(room, user, marker, 4 if user == ANA else 1, flagged)
            assert reply.json()["response_action"] == "update", reply.body
        # Ana edits: her own modal shows her own words again, to her.
        give_feedback(room, ANA, markers[ANA] + " edited", 3, FLAGGED_WORD)
        everyone_looks(room, round_id)

        sealed = room.shown()
        problems = []
        for user, marker in markers.items():
            problems += leaks(sealed, marker, frozenset({user}))
        # The nudges reached their panelist only.
        assert any(KEEP_AS_WRITTEN in item.text() for item in sealed)
        problems += leaks(sealed, KEEP_AS_WRITTEN, frozenset({ANA, BEN}))
        problems += leaks(
            [i for i in sealed if KEEP_AS_WRITTEN in i.text() and FLAGGED_WORD in i.text()],
            KEEP_AS_WRITTEN,
            frozenset({ANA}),
        )
        outcome.trials += len(sealed)

        # Cy completes the panel: now the hiring channel may read it all, and only it.
        give_feedback(room, CY, "CY-SEALED-44aa", 3)
        summary = summary_of(h)
        decided = record_decision(room, round_id, "ORG-DECISION-5b1c after the debrief")
        assert decided.json()["response_action"] == "update", decided.body
        everyone_looks(room, round_id)
        room.click(DEE, summary, "see_notes", str(round_id))
        members = channel_members(h, HIRING)
        assert {ORG, ANA, BEN, CY, DEE} <= members
        done = room.shown()
        for marker in [*markers.values(), "CY-SEALED-44aa", "ORG-DECISION-5b1c"]:
            problems += leaks(done, marker, members)
        outcome.trials += len(done)
        # The notes did reach the channel: the scan above looked at real content.
        assert any(markers[ANA] in item.text() and DEE in item.audience for item in done)
        # A word the evidence rules pointed out, or the nudge, is never in a hiring-channel
        # message (only in the notes modal, as the panelist kept it).
        in_channel = [i for i in done if i.where.endswith((f"→ {HIRING}", f"in {HIRING}"))]
        assert in_channel
        problems += [
            f"{i.where} holds the flagged word or the nudge"
            for i in in_channel
            if FLAGGED_WORD in i.text().casefold() or KEEP_AS_WRITTEN in i.text()
        ]
    logged = logged_text(caplog.records)
    problems += [f"the log holds {m}" for m in [*markers.values(), "CY-SEALED"] if m in logged]
    outcome.failures = len(problems)
    outcome.notes = problems[:5]
    for _, reply in room.replies:
        outcome.answered(reply.elapsed)
    record(outcome)
    assert not problems, problems


def test_a_failed_statement_does_not_carry_its_values(database: Database) -> None:
    """Errors are logged, and a database error's text used to include the statement's
    parameters: candidates' names, panelists' feedback. The engine hides them."""
    secret = "Candidate-Name-7d1e evidence"
    with pytest.raises(Exception) as failed, database.engine.connect() as connection:
        connection.execute(sql("select * from no_such_table where x = :x"), {"x": secret})
    assert secret not in str(failed.value)
    assert "no_such_table" in str(failed.value)


# -- mrkdwn injection ------------------------------------------------------------------------------
EVIL = "<!channel> <!here> <@U0ADMIN> <https://evil.example|click> Tom & Jerry"
RAW = re.compile(r"<!channel>|<!here>|<@U0ADMIN>|<https://evil")
TWICE = re.compile(r"&amp;(amp|lt|gt);")
EVIL_USER = "UEVIL"


def test_user_text_is_escaped_in_everything_the_bot_sends(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    outcome = Outcome("mrkdwn injection in every free-text field", database_name(h.db))
    caplog.set_level(logging.WARNING)
    room = make_room(h)
    h.standin.add_user(EVIL_USER, "eve", real_name="<!channel> Eve & <@U0ADMIN>")
    h.standin.add_channel(
        HIRING, "hiring", is_private=True, members=[*channel_members(h, HIRING), EVIL_USER]
    )
    role = "Role <!here> & <@U0ADMIN>"
    # The role's own rubric, every field of it hostile.
    view = room.open_modal(ORG, "panel_rubric", lambda: room.command(ORG, f"rubric {role}"))
    rubric_values = {
        "c0_name": {"value": V.text("<!channel> Depth & <@U0ADMIN>")},
        "c0_probe": {"value": V.text(EVIL)},
        "c0_anchor_1": {"value": V.text(EVIL)},
        "c0_anchor_4": {"value": V.text(EVIL)},
        "c1_name": {"value": V.text("Fit <https://evil.example|click>")},
    }
    saved = room.submit(ORG, view, rubric_values)
    assert saved.json()["response_action"] == "update", saved.body
    panel = (ANA, BEN, EVIL_USER)
    with room.audit.acting(ORG):
        round_id = h.start_round(
            panelists=panel, candidate=EVIL, role=role, questions=f"{EVIL}\nSecond {EVIL}"
        )
    # The focus areas: the panel's names and the rubric's hostile criterion names.
    announcement = h.standin.messages_in(HIRING)[0]
    focus = room.open_modal(
        ORG, "panel_focus", lambda: room.click(ORG, announcement, "focus_areas", str(round_id))
    )
    every = [o["value"] for o in focus["blocks"][2]["element"]["options"]]
    values = {b["block_id"]: {"value": V.options(every)} for b in focus["blocks"][2:]}
    assert room.submit(ORG, focus, values).json()["response_action"] == "update"
    for user in panel:
        give_feedback(room, user, EVIL, 4)
    summary = summary_of(h)
    room.click(ORG, summary, "see_notes", str(round_id))
    room.click(ORG, summary, "compare_role", str(round_id))
    # The decision, then a change of it: its rationale and reason are free text too.
    assert record_decision(room, round_id, EVIL).json()["response_action"] == "update"
    changed = record_decision(room, round_id, f"Changed: {EVIL}", reason=EVIL)
    assert changed.json()["response_action"] == "update", changed.body
    for text in (
        f"compare {role}",
        "compare <!channel>",
        "export <@U0ADMIN>",
        "rubric <!here> &",
        f"forget {EVIL}",
        "digest daily <!channel>",
        "reminders after <!here>",
        "nonsense<!channel>",
        "calibration",
        "status",
        "digest now",
    ):
        room.command(ORG, text)
    for user in (ORG, ANA):
        room.home(user)
    # An open round of the role too, for reminders, the escalation and the digest.
    with room.audit.acting(ORG):
        h.start_round(candidate=f"Second {EVIL}", role=role)
    h.clock.advance(timedelta(hours=36))
    h.tick()
    room.settle()
    room.command(ORG, "digest now")
    h.tick()
    room.settle()

    problems = []
    shown = room.shown()
    for item in shown:
        content = item.content
        if item.where.startswith("HTTP answer"):
            content = _json_or_text(content)
        for text in mrkdwn_texts(content):
            if RAW.search(text) or TWICE.search(text):
                problems.append(f"{item.where}: {text[:160]!r}")
        for text in plain_texts(content):
            if "&lt;" in text or "&gt;" in text or "&amp;" in text:
                problems.append(f"{item.where} (plain text, escaped): {text[:160]!r}")
    outcome.trials = len(shown)
    # The hostile text did go out, escaped: the scan looked at the right things.
    assert any("&lt;!channel&gt;" in t for item in shown for t in mrkdwn_texts(item.content))
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    outcome.failures = len(problems) + len(errors)
    outcome.notes = (problems + errors)[:5]
    for _, reply in room.replies:
        outcome.answered(reply.elapsed)
    record(outcome)
    assert not problems, "\n".join(problems[:20])
    assert not errors, errors


def _json_or_text(body: str) -> Any:
    try:
        return json.loads(body) if body.strip() else {}
    except ValueError:
        return {"text": body}


def test_the_scan_sees_a_raw_mention() -> None:
    """The walker finds mrkdwn wherever Slack reads it, and not in plain_text."""
    message = {
        "text": "hi <!channel>",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "a <@U0ADMIN>"}},
            {"type": "header", "text": {"type": "plain_text", "text": "<!here> is fine here"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "&amp;lt;"}]},
        ],
    }
    texts = list(mrkdwn_texts(message))
    assert texts == ["hi <!channel>", "a <@U0ADMIN>", "&amp;lt;"]
    assert list(plain_texts(message)) == ["<!here> is fine here"]
    assert {"hi <!channel>", "<!here> is fine here", "&amp;lt;"} <= set(strings_in(message))
