"""The door, adversarially (issue 6, item 1): for every shape of request Slack sends — a slash
command, a shortcut, a block action, a view submission, an event — a request that is
unsigned, signed with the wrong secret, signed for another body, stale (> 5 min) or from
the future (> 5 min ahead), or whose timestamp is missing or garbage, gets 401; nothing is
stored (every table is counted before and after) and the bot makes no Slack call.

Each request would change something if it got in (start a digest, open a modal, close a
round, start a round, draw the Home tab): the same requests, properly signed, are sent last
and do exactly that, so the refusals are not refusals of requests that would do nothing.
tests/e2e/install/test_door.py has the first checks of the door; this is the matrix.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.domain.panel import Status
from storage.models import Round
from tests.support.harness import ANA, BEN, ORG, Harness
from tests.support.reliability import Outcome, record, trials
from tests.support.replay_tools import quiesce, row_counts, slack_seen
from tests.support.rows import database_name
from tests.support.slack_requests import (
    Raw,
    action,
    command,
    home_opened,
    send,
    send_unsigned,
    shortcut,
    signed_headers,
    submission,
)

SECRET = "test-signing-secret"  # tests.support.harness.SIGNING_SECRET
# Bolt refuses a timestamp more than 300 s away from its clock; one second past the edge,
# and one more for the time the request takes to arrive.
STALE = -(5 * 60 + 2)
FUTURE = 5 * 60 + 2


def tampered(body: bytes) -> bytes:
    """The same request with one field changed after signing: another user, or another text."""
    for old, new in ((b"UORG", b"UANA"), (b"Grace", b"Gracy"), (b"daily", b"weekly")):
        if old in body:
            return body.replace(old, new, 1)
    raise AssertionError("nothing to tamper with")


def bad_headers(kind: str, raw: Raw) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one kind of bad request built from a good one."""
    now = int(time.time())
    content = {"Content-Type": raw.content_type}
    if kind == "unsigned":
        return raw.body, content
    if kind == "signature without timestamp":
        headers = signed_headers(raw, timestamp=now, secret=SECRET)
        del headers["X-Slack-Request-Timestamp"]
        return raw.body, headers
    if kind == "garbage timestamp":
        headers = signed_headers(raw, timestamp=now, secret=SECRET)
        headers["X-Slack-Request-Timestamp"] = "soon"
        return raw.body, headers
    if kind == "wrong secret":
        return raw.body, signed_headers(raw, timestamp=now, secret="not-the-secret")
    if kind == "tampered body":
        return tampered(raw.body), signed_headers(raw, timestamp=now, secret=SECRET)
    if kind == "stale (5 min old)":
        return raw.body, signed_headers(raw, timestamp=now + STALE, secret=SECRET)
    if kind == "future-dated (5 min ahead)":
        return raw.body, signed_headers(raw, timestamp=now + FUTURE, secret=SECRET)
    raise ValueError(kind)


KINDS = (
    "unsigned",
    "signature without timestamp",
    "garbage timestamp",
    "wrong secret",
    "tampered body",
    "stale (5 min old)",
    "future-dated (5 min ahead)",
)


def shapes(h: Harness, new_panel_view: dict[str, object]) -> dict[str, Callable[[], Raw]]:
    """Each shape of request, built fresh (trigger_ids live 3 s), each one that would act."""
    announcement = h.announcement() or {}
    return {
        "slash command": lambda: command(h, ORG, "digest daily 09:00"),
        "shortcut": lambda: shortcut(h, ORG),
        "block action": lambda: action(h, ORG, announcement, "close_round"),
        "view submission": lambda: submission(
            h, ORG, new_panel_view, h.new_panel_values(candidate="Grace Hopper")
        ),
        "event": lambda: home_opened(h, ORG),
    }


@pytest.mark.reliability
def test_forged_and_stale_requests_are_refused_at_the_door(harness: Harness) -> None:
    h = harness
    round_id = h.start_round(panelists=[ANA, BEN])
    new_panel_view = h.open_new_panel()
    build = shapes(h, new_panel_view)
    quiesce(h)
    rows_before, seen_before = row_counts(h), slack_seen(h)
    outcomes = {kind: Outcome(f"door: {kind} request", database_name(h.db)) for kind in KINDS}
    wrong: list[str] = []

    for _ in range(trials(1, 20)):
        for shape, make in build.items():
            raw = make()
            for kind in KINDS:
                outcome = outcomes[kind]
                body, headers = bad_headers(kind, raw)
                reply = send_unsigned(h, body, headers)
                outcome.trials += 1
                outcome.answered(reply.elapsed)
                problems = []
                if reply.status != 401:
                    problems.append(f"answered {reply.status} {reply.body[:80]!r}")
                if slack_seen(h).calls != seen_before.calls:
                    problems.append("made a Slack call")
                if problems:
                    outcome.failures += 1
                    wrong.append(f"{kind} {shape}: {', '.join(problems)}")
    # Whatever a listener might have started after an ack has had time to show.
    quiesce(h)
    rows_after, seen_after = row_counts(h), slack_seen(h)
    changed = {t: (n, rows_after[t]) for t, n in rows_before.items() if rows_after[t] != n}
    if changed or seen_after != seen_before:
        for outcome in outcomes.values():
            outcome.failures += 1
            outcome.notes.append(f"rows changed {changed}; Slack {seen_before} → {seen_after}")
    for outcome in outcomes.values():
        record(outcome)

    assert wrong == []
    assert changed == {}
    assert seen_after == seen_before

    # The same requests, signed as Slack signs them, get in and act.
    replies = {shape: send(h, make()) for shape, make in build.items()}
    assert {shape: r.status for shape, r in replies.items()} == dict.fromkeys(build, 200)
    quiesce(h)
    rows_now, seen_now = row_counts(h), slack_seen(h)
    assert rows_now["digest_schedules"] == rows_after["digest_schedules"] + 1  # the command
    assert rows_now["rounds"] == rows_after["rounds"] + 1  # the view submission
    assert seen_now.modals == seen_after.modals + 1  # the shortcut
    assert sum(c.method == "views.publish" and c.ok for c in h.standin.calls) == 1  # the event
    with h.db.read() as session:  # the block action
        assert session.scalar(select(Round.status).where(Round.id == round_id)) == Status.CLOSED


@pytest.mark.reliability
def test_a_captured_request_replayed_after_five_minutes_is_refused(harness: Harness) -> None:
    """An eavesdropper's copy of a genuine request (signature and all) stops working once
    its timestamp is more than five minutes old: the replay window is Slack's five minutes."""
    h = harness
    h.start_round(panelists=[ANA, BEN])
    raw = action(h, ORG, h.announcement() or {}, "close_round")
    quiesce(h)
    rows_before, seen_before = row_counts(h), slack_seen(h)
    captured_at = int(time.time()) + STALE
    outcome = Outcome("door: genuine request replayed after 5 min", database_name(h.db))
    for _ in range(trials(3, 30)):
        reply = send_unsigned(
            h, raw.body, signed_headers(raw, timestamp=captured_at, secret=SECRET)
        )
        outcome.trials += 1
        outcome.answered(reply.elapsed)
        if reply.status != 401:
            outcome.failures += 1
    quiesce(h)
    if row_counts(h) != rows_before or slack_seen(h) != seen_before:
        outcome.failures += 1
    record(outcome)
    assert outcome.failures == 0
