"""Bad input (issue 6, item 6), case by case, through the real HTTP app on both databases:
the payloads that crashed Bolt itself, bodies it cannot read, input a person can fix (answered
in the modal), ids forged to point at another workspace's rounds (nothing shown, nothing
changed), NUL in typed text. tests/campaigns/test_fuzz.py has the same properties under hypothesis;
tests/unit/test_slack_payloads.py checks the payload guard (bot/slack/payloads.py) on its own.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.codec import (
    ComparePage,
    ForgetMeta,
    NotesPage,
    RoleChoice,
    RoundMeta,
    RubricMeta,
    Snooze,
    encode,
)
from bot.domain.rules import MAX_PANELISTS
from bot.views import ids
from storage.models import Feedback, Panelist, RoleRubric, Round
from tests.slack.driver import Reply, sign
from tests.support.adversarial import BOLT_CRASHERS
from tests.support.fuzz_seeds import HUGE, OTHER_TEAM, SECRET, SEEDS, World, build_world
from tests.support.harness import ANA, ORG, Harness
from tests.support.reliability import Outcome, record
from tests.support.rows import database_name
from tests.support.slack_requests import (
    FORM,
    click_payload,
    command_fields,
    post_form,
    post_interaction,
)
from tests.support.texts import strings_in

pytestmark = pytest.mark.reliability


# -- the envelope shapes that crashed Bolt -----------------------------------------------------
def unreadable(h: Harness, *replies: Reply, ok: bool) -> None:
    """Record a request Bolt could not read: answered 4xx, fast, never 5xx."""
    outcome = Outcome("payloads Bolt cannot read: 400/401, never 5xx", database_name(h.db))
    outcome.trials, outcome.failures = len(replies), 0 if ok else len(replies)
    for reply in replies:
        outcome.answered(reply.elapsed)
    record(outcome)


@pytest.mark.parametrize("shape", BOLT_CRASHERS, ids=lambda s: json.dumps(s)[:60])
def test_payloads_that_crashed_bolt_get_a_400(harness: Harness, shape: dict[str, Any]) -> None:
    base = harness.driver._interaction(ORG, str(shape["type"]))
    reply = post_interaction(harness, {**base, **shape})
    refused = reply.status == 400 and json.loads(reply.body) == {"error": "malformed payload"}
    unreadable(harness, reply, ok=refused)
    assert refused, (reply.status, reply.body)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"type": "event_callback", "event": "x"}', "application/json"),
    ],
)
def test_bodies_bolt_cannot_read_get_a_400_signed_and_a_401_unsigned(
    harness: Harness, body: bytes, content_type: str
) -> None:
    signed = harness.driver.post(body, content_type)
    now = int(time.time())
    forged = harness.driver.post(
        body,
        content_type,
        headers={"X-Slack-Signature": sign("not-the-secret", now, body)},
    )
    unreadable(harness, signed, forged, ok=signed.status == 400 and forged.status == 401)
    assert (signed.status, forged.status) == (400, 401)


def test_a_body_that_is_not_utf8_is_not_from_slack(harness: Harness) -> None:
    """Slack signs UTF-8 text; other bytes are refused as unsigned, whatever their header."""
    reply = harness.driver.post(b"\xff\xfe", "application/json")
    unreadable(harness, reply, ok=reply.status == 401)
    assert reply.status == 401


@pytest.mark.parametrize("retry", ["²", "-1", "x" * 500])
def test_a_garbled_retry_header_is_not_a_500(harness: Harness, retry: str) -> None:
    """The request log read X-Slack-Retry-Num with isdigit(), which "²" passes and int()
    refuses: a 500 for any request carrying it."""
    form = urlencode(command_fields(harness, ORG, "help", "C0HIRING"))
    reply = harness.driver.post(form, FORM, headers={"X-Slack-Retry-Num": retry})
    unreadable(harness, reply, ok=reply.status == 200)
    assert reply.status == 200, reply.body


# -- input a person can fix is answered in the modal --------------------------------------------
def typed(value: str) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def radio(value: Any) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


# Far more than a panel holds (Slack's picker stops at 12): refused by their number, without
# asking Slack about each of them first (which would take longer than an ack may).
def many_people(first: int) -> dict[str, Any]:
    people = [f"U{n:07d}" for n in range(first, first + 400)]
    return {"type": "multi_users_select", "selected_users": people}


# (modal, block → element state replacing the valid one, the blocks the errors must name)
FIXABLE: list[tuple[str, dict[str, Any], set[str]]] = [
    (ids.NEW_PANEL, {"candidate": typed(HUGE)}, {"candidate"}),
    (ids.NEW_PANEL, {"candidate": typed("\x00 \u200b")}, {"candidate"}),
    (ids.NEW_PANEL, {"new_role": typed("R" * 5000)}, {"new_role"}),
    (
        ids.NEW_PANEL,
        {"questions": typed("\n".join(f"Doubt {n}" for n in range(40)))},
        {"questions"},
    ),
    (ids.NEW_PANEL, {"link": typed("javascript:alert(1)")}, {"link"}),
    (
        ids.NEW_PANEL,
        {"panelists": {"type": "multi_users_select", "selected_users": [5, None]}},
        {"panelists"},
    ),
    (
        ids.NEW_PANEL,
        {"panelists": {"type": "multi_users_select", "selected_users": ["", HUGE, "u\x00"]}},
        {"panelists"},
    ),
    (ids.NEW_PANEL, {"panelists": many_people(0)}, {"panelists"}),
    (ids.PANELISTS, {"panelists": many_people(1000)}, {"panelists"}),
    (
        ids.NEW_PANEL,
        {"panelists": {"type": "multi_users_select", "selected_users": ["UDEPLOYBOT"]}},
        {"panelists"},
    ),
    (
        ids.NEW_PANEL,
        {"channel": {"type": "conversations_select", "selected_conversation": "C0RANDOM"}},
        {"channel"},
    ),
    (
        ids.NEW_PANEL,
        {"interview_at": {"type": "datetimepicker", "selected_date_time": "soon"}},
        {"interview_at"},
    ),
    (
        ids.NEW_PANEL,
        {"interview_at": {"type": "datetimepicker", "selected_date_time": 1e300}},
        {"interview_at"},
    ),
    (ids.NEW_PANEL, {"due_at": {"type": "datetimepicker", "selected_date_time": 0}}, {"due_at"}),
    (
        ids.NEW_PANEL,
        {"rubric": {"type": "static_select", "selected_option": {"value": "nope"}}},
        {"rubric"},
    ),
    (ids.FEEDBACK, {"rating:depth": radio("5")}, {"rating:depth"}),
    (ids.FEEDBACK, {"rating:depth": radio(["4"])}, {"rating:depth"}),
    (ids.FEEDBACK, {"rating:depth": radio("4"), "evidence:depth": typed(" ")}, {"evidence:depth"}),
    (ids.FEEDBACK, {"evidence:depth": typed(HUGE)}, {"evidence:depth"}),
    (ids.FEEDBACK, {"candidate_questions": typed(HUGE)}, {"candidate_questions"}),
    (ids.FEEDBACK, {"recommendation": radio(None)}, {"recommendation"}),
    (
        ids.FEEDBACK,
        {"recommendation": {"type": "radio_buttons", "selected_option": "3"}},
        {"recommendation"},
    ),
    (
        ids.PANELISTS,
        {"panelists": {"type": "multi_users_select", "selected_users": []}},
        {"panelists"},
    ),
    (
        ids.PANELISTS,
        {"panelists": {"type": "multi_users_select", "selected_users": ["UGONE"]}},
        {"panelists"},
    ),
    (
        ids.RUBRIC,
        {f"c{n}_name": typed("") for n in range(8)}
        | {f"c{n}_probe": typed("") for n in range(8)}
        | {f"c{n}_anchor_1": typed("") for n in range(8)}
        | {f"c{n}_anchor_4": typed("") for n in range(8)},
        {"c0_name"},
    ),
    (ids.RUBRIC, {"c0_name": typed("N" * 5000)}, {"c0_name"}),
]


def test_input_a_person_can_fix_is_answered_inline(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    w = build_world(harness)
    outcome = Outcome("fixable modal input answered inline", database_name(harness.db))
    seeds = {seed.listener.removeprefix("view:"): seed for seed in SEEDS if seed.form}
    problems = []
    for callback_id, states, expected in FIXABLE:
        request = seeds[callback_id].build(w, None)
        values = request.body["view"]["state"]["values"]
        for block_id, state in states.items():
            values[block_id] = {"value": state}
        asked = len(w.h.standin.calls_to("users.info"))
        reply = request.send(w)
        w.settle()
        asked = len(w.h.standin.calls_to("users.info")) - asked
        outcome.trials += 1
        outcome.answered(reply.elapsed)
        answer = reply.json() if reply.status == 200 and reply.body.strip() else {}
        errors = (answer or {}).get("errors")
        if answer.get("response_action") != "errors" or set(errors or {}) != expected:
            outcome.failures += 1
            problems.append(f"{callback_id} {sorted(states)}: {reply.status} {reply.body[:300]}")
        elif asked > MAX_PANELISTS:  # Slack asked about more people than a panel holds
            outcome.failures += 1
            problems.append(f"{callback_id} {sorted(states)}: {asked} users.info calls")
    unexpected = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    outcome.failures += len(unexpected)
    record(outcome)
    assert not problems, problems
    assert not unexpected, unexpected


# -- forged references to another workspace's data --------------------------------------------
def other_workspace_rows(w: World) -> dict[str, Any]:
    """What the other workspace holds: rounds (with status), feedback, panel, rubric
    versions; nothing a forged request may change."""
    with w.h.db.read() as session:
        return {
            "rounds": sorted(
                session.execute(
                    select(Round.id, Round.status, Round.candidate_name).where(
                        Round.team_id == OTHER_TEAM
                    )
                ).all()
            ),
            "feedback": sorted(
                session.execute(
                    select(Feedback.id, Feedback.revision).where(Feedback.team_id == OTHER_TEAM)
                ).all()
            ),
            "panel": sorted(
                session.execute(
                    select(Panelist.id, Panelist.removed_at).where(Panelist.team_id == OTHER_TEAM)
                ).all()
            ),
            "rubrics": session.execute(
                select(RoleRubric.id).where(RoleRubric.team_id == OTHER_TEAM)
            ).all(),
        }


def test_forged_ids_of_another_workspace_lead_nowhere(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Every button and modal, pointed at the other workspace's rounds and role by users of
    this one (who share user ids with its panel): nothing of it is shown or changed."""
    caplog.set_level(logging.WARNING)
    w = build_world(harness)
    outcome = Outcome("forged ids of another workspace's rounds", database_name(harness.db))
    other_round, other_role = w.other.round_ids[0], w.other.role_id
    before = other_workspace_rows(w)
    values = {
        ids.GIVE_FEEDBACK: str(other_round),
        ids.SEE_NOTES: str(other_round),
        ids.NOTES_PAGE_PREV: encode(NotesPage(round=other_round, page=0)),
        ids.NOTES_PAGE_NEXT: encode(NotesPage(round=other_round, page=1)),
        ids.CLOSE_ROUND: str(other_round),
        ids.CANCEL_ROUND: str(other_round),
        ids.EDIT_PANELISTS: str(other_round),
        ids.NUDGE_SNOOZE: encode(Snooze(round=other_round, n=1)),
        ids.NUDGE_NOT_ATTENDED: str(other_round),
        ids.NUDGE_NOW: str(other_round),
        ids.COMPARE_ROLE: str(other_round),
        ids.COMPARE_PAGE_PREV: encode(ComparePage(role=other_role, page=0)),
        ids.COMPARE_PAGE_NEXT: encode(ComparePage(role=other_role, page=1)),
        ids.COMPARE_CALIBRATED: encode(ComparePage(role=other_role, page=0)),
    }
    selects = {ids.COMPARE_PICK, ids.EXPORT_PICK, ids.RUBRIC_PICK}
    replies: list[Reply] = []
    calls, responses = len(w.h.standin.calls), len(w.h.standin.responses)
    for user in (ORG, ANA):  # the organizer here, and a panelist of both workspaces' rounds
        for action_id, value in values.items():
            payload = click_payload(
                w.h, user, action_id, value, message=w.message_of(w.feedback_round)
            )
            replies.append(post_interaction(w.h, payload))
        for action_id in selects:
            payload = click_payload(
                w.h,
                user,
                action_id,
                None,
                message=w.message_of(w.feedback_round),
                selected=encode(RoleChoice(role=other_role)),
            )
            replies.append(post_interaction(w.h, payload))
        w.settle()
    forged_views = [
        (f"view:{ids.FEEDBACK}", encode(RoundMeta(round=other_round))),
        (f"view:{ids.PANELISTS}", encode(RoundMeta(round=other_round))),
        (f"view:{ids.RUBRIC}", encode(RubricMeta(role=other_role, version=0))),
        (
            f"view:{ids.FORGET}",
            encode(ForgetMeta(candidate=f"zed {SECRET.lower()} 0", up_to=other_round)),
        ),
    ]
    seeds = {seed.listener: seed for seed in SEEDS}
    for listener, metadata in forged_views:
        request = seeds[listener].build(w, None)
        request.body["view"]["private_metadata"] = metadata
        replies.append(request.send(w))
        w.settle()
    sent = [c.args for c in w.h.standin.calls[calls:]] + w.h.standin.responses[responses:]
    leaked = [t[:200] for t in strings_in(sent) if SECRET in t]
    leaked += [r.body[:200] for r in replies if SECRET in r.body or r.status >= 500]
    changed = other_workspace_rows(w) != before
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    outcome.trials = len(replies)
    outcome.failures = len(leaked) + int(changed) + len(errors)
    outcome.answered(max(r.elapsed for r in replies))
    record(outcome)
    assert not leaked, leaked
    assert not changed, (before, other_workspace_rows(w))
    assert not errors, errors


def test_nul_in_what_people_type_is_dropped_not_a_database_error(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL text cannot hold NUL: a name or a command with one pasted in used to fail
    with an error id on PostgreSQL (and pass on SQLite)."""
    caplog.set_level(logging.ERROR)
    w = build_world(harness)
    outcome = Outcome("NUL in typed text", database_name(harness.db))
    new_panel = next(seed for seed in SEEDS if seed.listener == f"view:{ids.NEW_PANEL}")
    request = new_panel.build(w, None)
    request.body["view"]["state"]["values"]["candidate"] = {"value": typed("Ada\x00 Byron")}
    started = request.send(w)
    w.settle()
    replies = [started]
    for text in ("compare Sta\x00ff Engineer", "export Staff Engineer\x00", "forget Nob\x00ody"):
        replies.append(post_form(harness, command_fields(harness, ORG, text, "C0HIRING")))
        w.settle()
    with harness.db.read() as session:
        names = list(session.scalars(select(Round.candidate_name).where(Round.team_id == "T0001")))
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    outcome.trials = len(replies)
    outcome.failures = len(errors) + int("Ada Byron" not in names)
    for reply in replies:
        outcome.answered(reply.elapsed)
    record(outcome)
    assert started.json()["response_action"] == "update", started.body
    assert "Ada Byron" in names
    assert not errors, errors
