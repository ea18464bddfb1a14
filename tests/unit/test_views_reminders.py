"""The hiring digest and the reminder DMs: valid Block Kit at any size, user text escaped,
mentions only for people who are overdue, and nothing dropped without saying so."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.codec import Snooze, encode
from bot.domain import rules
from bot.domain.digest import Digest, build_digest, flags
from bot.domain.message import Message
from bot.domain.panel import PanelistState, Status
from bot.domain.rubric import SECOND_INTERVIEW
from bot.views import ids
from bot.views.common import SECTION_TEXT_MAX
from bot.views.digest import DIGEST_TEXT_BUDGET, digest_message
from bot.views.reminders import (
    DEACTIVATED_HINT,
    DELETED_HINT,
    GENERIC_HINT,
    INVITE_HINT,
    escalation_done_message,
    escalation_message,
    not_attended_notice,
    not_attended_reply,
    nudge_message,
    pre_interview_message,
    snoozed_reply,
    undeliverable_notice,
)
from tests.slack.blockkit import message_errors
from tests.support.snapshots import NOW, evil_round, finished, make_round, make_summary
from tests.support.texts import EVIL, mrkdwn_texts, no_raw_mentions

PING = "<!channel>"
LINK = "<https://evil|click>"


def assert_message_ok(m: Message) -> None:
    assert m.text
    assert message_errors(m.blocks) == []
    for block in m.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= SECTION_TEXT_MAX


def section_texts(m: Message) -> list[str]:
    return [b["text"]["text"] for b in m.blocks if b["type"] == "section"]


def buttons(m: Message) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e
        for b in m.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }


# ---- domain ------------------------------------------------------------------------------


def test_flags_words() -> None:
    assert flags(make_summary()) == []
    words = flags(
        make_summary(
            strong_no=("Bob",),
            split=True,
            flagged=("Depth of skills and experience", "Culture and team fit"),
            open_doubts=2,
        )
    )
    assert words == [
        "Strong no",
        "split recommendation",
        "disagreement on Depth of skills and experience, Culture and team fit",
        "2 open round-1 doubts",
    ]
    assert flags(make_summary(open_doubts=1)) == ["1 open round-1 doubt"]


def test_build_digest_orders_and_filters() -> None:
    since = NOW - timedelta(days=7)
    soon, later = make_round(1, due_at=NOW + timedelta(hours=1)), make_round(2, due_at=NOW)
    cancelled = make_round(3, status=Status.CANCELLED)
    old = finished(
        make_round(10, role="Designer", status=Status.COMPLETE), 3.5, since - timedelta(days=1)
    )
    new = finished(make_round(11, status=Status.CLOSED), None, NOW - timedelta(hours=1))
    newer = finished(make_round(12, status=Status.COMPLETE), 2.0, NOW - timedelta(minutes=5))
    tie_old = finished(make_round(13, status=Status.COMPLETE), 2.0, since - timedelta(days=3))
    gone = finished(make_round(14, status=Status.CANCELLED), 4.0, NOW)
    d = build_digest(
        "CHIRE", NOW, since, [soon, cancelled, later], [old, tie_old, new, newer, gone]
    )
    assert [r.id for r in d.in_flight] == [2, 1]
    assert [f.round.id for f in d.finished] == [12, 11]
    assert [role.role_name for role in d.rankings] == ["Backend engineer", "Designer"]
    # Score desc, ties newest first, unscored last; every finished round, not just recent.
    assert [f.round.id for f in d.rankings[0].rounds] == [12, 13, 11]
    assert not d.empty
    first = build_digest("CHIRE", NOW, None, [], [old, new])
    assert [f.round.id for f in first.finished] == [11, 10]


def test_late_only_after_the_due_time() -> None:
    overdue = make_round(1, due_at=NOW - timedelta(minutes=1))
    d = build_digest("C", NOW, None, [overdue, make_round(2, due_at=NOW)], [])
    assert [p.user_id for p in d.late(overdue)] == ["U2", "U3"]
    assert d.late(d.in_flight[1]) == ()  # due exactly now: not late yet


def test_empty_digest() -> None:
    d = build_digest("C", NOW, NOW - timedelta(days=7), [], [])
    assert d.empty
    m = digest_message(d)
    assert_message_ok(m)
    text = str(m.blocks)
    assert "Nothing in flight." in text and "Nothing finished." in text
    assert "Ranking" not in text
    # Finished and decided long ago: still ranked, but nothing new to post about.
    decided = NOW - timedelta(days=29)
    r = replace(make_round(1, status=Status.CLOSED), decision="hold", decided_at=decided)
    stale = build_digest("C", NOW, NOW, [], [finished(r, 3.0, NOW - timedelta(days=30))])
    assert stale.empty and len(stale.rankings) == 1
    # Without a decision it is awaiting one: worth a digest.
    undecided = replace(r, decision=None, decided_at=None)
    waiting = build_digest("C", NOW, NOW, [], [finished(undecided, 3.0, NOW - timedelta(days=30))])
    assert not waiting.empty and len(waiting.awaiting) == 1


# ---- digest view -------------------------------------------------------------------------


def test_digest_message_content() -> None:
    since = NOW - timedelta(days=7)
    overdue = make_round(1, candidate="Ada", due_at=NOW - timedelta(hours=2))
    waiting = make_round(2, candidate="Grace", due_at=NOW + timedelta(hours=2))
    partial = make_round(
        3,
        candidate="Linus",
        status=Status.CLOSED,
        panelists=(PanelistState("U1", "Bob", True), PanelistState("U9", "Eve", False)),
    )
    done = [
        finished(partial, 2.25, NOW - timedelta(hours=1), strong_no=("Bob",), split=True),
        finished(make_round(4, candidate="Barbara", status=Status.COMPLETE), None, NOW),
    ]
    m = digest_message(build_digest("CHIRE", NOW, since, [waiting, overdue], done))
    assert_message_ok(m)
    assert m.blocks[0]["type"] == "header" and m.blocks[0]["text"]["text"] == "Hiring digest"
    assert m.blocks[1]["elements"][0]["text"].startswith("Since <!date^")
    in_flight, finished_text, awaiting, ranking, pace = section_texts(m)
    assert in_flight.startswith("*In flight*\n")
    ada, grace = in_flight.splitlines()[1:]
    assert ada.startswith("• *Ada* · Backend engineer · 1 of 3 submitted · due <!date^")
    assert ada.endswith("late: <@U2>, <@U3>")
    # Before the due time: names, no mentions.
    assert grace.endswith("waiting for Carol, Dan") and "<@" not in grace
    assert finished_text.startswith("*Finished since last digest*\n")
    barbara, linus = finished_text.splitlines()[1:]
    assert barbara == "• *Barbara* · Backend engineer · overall —"
    assert linus == (
        "• *Linus* · Backend engineer · overall 2.2 · :warning: Strong no; split recommendation"
        " (closed early, partial)"
    )
    # Neither has a decision yet: oldest first, the organizer named.
    linus_waits, barbara_waits = awaiting.splitlines()[1:]
    assert awaiting.startswith("*Awaiting a decision*\n")
    assert linus_waits.startswith("• *Linus* · Backend engineer · overall 2.2 · finished <!date^")
    assert barbara_waits.endswith("organizer <@UORG>")
    assert ranking.splitlines() == [
        "*Ranking by role*",
        "*Backend engineer*",
        "1. Linus — 2.2 (partial)",
        "2. Barbara — —",
    ]
    assert pace.startswith("*Pace by role* (medians)\n• *Backend engineer* — interview → ")
    assert m.text == "Hiring digest: 2 in flight (1 late), 2 finished"
    first = digest_message(build_digest("CHIRE", NOW, None, [waiting], []))
    assert first.blocks[1]["elements"][0]["text"] == "First digest"
    assert "*Finished*\nNothing finished." in section_texts(first)


def test_digest_escapes_user_text() -> None:
    evil_people = (
        PanelistState("U1", PING, False),
        PanelistState("U2", LINK, False),
    )
    early = make_round(1, candidate=PING, role=LINK, panelists=evil_people)
    late = make_round(2, candidate=EVIL, role=LINK, due_at=NOW - timedelta(days=1))
    done = finished(
        make_round(3, candidate=PING, role=LINK, status=Status.COMPLETE),
        3.0,
        NOW,
        flagged=(SECOND_INTERVIEW.criteria[0].name,),
    )
    m = digest_message(build_digest("C", NOW, None, [early, late], [done]))
    assert_message_ok(m)
    no_raw_mentions(m)
    assert "*&lt;!channel&gt;* · &lt;https://evil|click&gt;" in str(m.blocks)
    assert "waiting for &lt;!channel&gt;, &lt;https://evil|click&gt;" in str(m.blocks)


def _accounting(m: Message) -> dict[str, tuple[int, int, int]]:
    """Per part of the digest: (lines shown, rounds counted in "…and N more", sections)."""
    seen: dict[str, list[int]] = {}
    part = ""
    for text in section_texts(m):
        for title in (
            "*In flight*",
            "*Finished",
            "*Awaiting a decision*",
            "*Decided",
            "*Ranking by role*",
            "*Pace by role*",
        ):
            if text.startswith(title):
                part = title
                seen[part] = [0, 0, 0]
        seen[part][2] += 1
        for line in text.splitlines():
            if line.startswith("• ") or re.match(r"\d+\. ", line):
                seen[part][0] += 1
            if more := re.search(r"…and (\d+) more rounds?", line):
                seen[part][1] += int(more.group(1))
    return {k: (v[0], v[1], v[2]) for k, v in seen.items()}


def _big_digest(n_open: int, n_finished: int) -> tuple[Digest, Message]:
    open_rounds = [
        evil_round(i, due_at=NOW + timedelta(hours=i - n_open // 2)) for i in range(n_open)
    ]
    done = [
        finished(
            evil_round(100_000 + i, Status.CLOSED if i % 2 else Status.COMPLETE),
            None if i % 7 == 0 else 1 + (i % 31) / 10,
            NOW - timedelta(minutes=i),
            strong_no=(EVIL,),
            split=True,
            flagged=tuple(c.name for c in SECOND_INTERVIEW.criteria),
            open_doubts=3,
        )
        for i in range(n_finished)
    ]
    d = build_digest("C", NOW, NOW - timedelta(days=365), open_rounds, done)
    return d, digest_message(d)


def _assert_fits(m: Message) -> None:
    assert_message_ok(m)
    no_raw_mentions(m)
    assert len(m.blocks) <= 50
    assert sum(len(t) for t in mrkdwn_texts(m.blocks)) <= DIGEST_TEXT_BUDGET


@pytest.mark.parametrize("size", [60, 10_000])
def test_a_big_digest_fits_and_counts_what_it_leaves_out(size: int) -> None:
    d, m = _big_digest(size, size)
    _assert_fits(m)
    parts = _accounting(m)
    shown, more, _ = parts["*In flight*"]
    assert more > 0 and shown + more == size  # it did have to leave some out
    shown, more, _ = parts["*Finished"]
    assert more > 0 and shown + more == size
    shown, more, _ = parts["*Awaiting a decision*"]  # none of them is decided
    assert more > 0 and shown + more == size
    # Ranking: the top ten of the role are listed, the rest counted for the role.
    shown, more, _ = parts["*Ranking by role*"]
    assert len(d.rankings) == 1
    assert shown + more == size


def test_fifty_open_rounds_with_three_panelists_fit() -> None:
    _, m = _big_digest(50, 0)
    _assert_fits(m)
    shown, more, _ = _accounting(m)["*In flight*"]
    assert shown + more == 50


def test_many_roles_are_each_ranked_or_counted() -> None:
    done = [
        finished(
            make_round(i, candidate=f"C{i}", role=f"Role {i % 40:02d}", status=Status.COMPLETE),
            (i % 4) + 0.5,
            NOW - timedelta(days=30, minutes=i),
        )
        for i in range(2_000)
    ]
    m = digest_message(build_digest("C", NOW, NOW, [make_round(99_999)], done))
    _assert_fits(m)
    shown, more, _ = _accounting(m)["*Ranking by role*"]
    assert shown + more == 2_000


def test_ranking_puts_unscored_rounds_last() -> None:
    done = [
        finished(make_round(1, candidate="NoScore", status=Status.CLOSED), None, NOW),
        finished(make_round(2, candidate="Low", status=Status.COMPLETE), 2.0, NOW),
        finished(make_round(3, candidate="High", status=Status.COMPLETE), 3.6, NOW),
        finished(
            make_round(4, candidate="TieOld", status=Status.COMPLETE), 2.0, NOW - timedelta(1)
        ),
    ]
    m = digest_message(build_digest("C", NOW, None, [], done))
    ranking = next(t for t in section_texts(m) if t.startswith("*Ranking")).splitlines()[2:]
    assert [line.split(" ")[1] for line in ranking] == ["High", "Low", "TieOld", "NoScore"]
    assert ranking[0] == "1. High — 3.6"


# ---- reminders ---------------------------------------------------------------------------


def test_nudge_buttons_and_confirm() -> None:
    r = make_round(42, candidate=EVIL)
    m = nudge_message(r, "U2", 3)
    assert_message_ok(m)
    no_raw_mentions(m)
    text = section_texts(m)[0]
    assert text.startswith("Your feedback on *&lt;!channel&gt;") and " is due <!date^" in text
    b = buttons(m)
    assert list(b) == [ids.GIVE_FEEDBACK, ids.NUDGE_NOT_ATTENDED, ids.NUDGE_SNOOZE]
    assert b[ids.GIVE_FEEDBACK]["value"] == "42"
    assert b[ids.NUDGE_NOT_ATTENDED]["value"] == "42"
    assert b[ids.NUDGE_SNOOZE]["value"] == encode(Snooze(round=42, n=3))
    assert b[ids.NUDGE_SNOOZE]["text"]["text"] == "Snooze 2 h"
    confirm = b[ids.NUDGE_NOT_ATTENDED]["confirm"]
    assert confirm["text"]["type"] == "plain_text"  # the candidate's name can't ping here
    assert "removes you from the panel" in confirm["text"]["text"]
    assert "tells the organizer" in confirm["text"]["text"]
    assert PING not in m.text


@pytest.mark.parametrize(
    ("status", "user", "expected"),
    [
        (Status.OPEN, "U1", "Edit my feedback"),
        (Status.OPEN, "UOTHER", "no longer on this panel"),
        (Status.CLOSED, "U2", "closed"),
        (Status.CANCELLED, "U2", "cancelled"),
    ],
)
def test_nudge_without_anything_owed_has_no_nudge_buttons(
    status: str, user: str, expected: str
) -> None:
    m = nudge_message(make_round(status=status), user, 1)
    assert_message_ok(m)
    assert ids.NUDGE_SNOOZE not in buttons(m) and ids.NUDGE_NOT_ATTENDED not in buttons(m)
    assert expected in str(m.blocks)


def test_pre_interview_message() -> None:
    r = evil_round(5)
    m = pre_interview_message(r)
    assert_message_ok(m)
    no_raw_mentions(m)
    text = "\n".join(section_texts(m))
    assert "*Round-1 doubts to probe*" in text
    assert text.count("• &lt;!channel&gt;") == rules.MAX_QUESTIONS  # every doubt, escaped
    for c in SECOND_INTERVIEW.criteria:
        assert f"• *{c.name}*: {c.probe}" in text
    assert "<!date^" in text
    plain = pre_interview_message(make_round(questions=()))
    assert_message_ok(plain)
    assert "No round-1 doubts were recorded." in str(plain.blocks)


def test_escalation_and_after_the_nudge() -> None:
    r = make_round(8, candidate=PING, role=LINK, due_at=NOW - timedelta(hours=1))
    m = escalation_message(r)
    assert_message_ok(m)
    no_raw_mentions(m)
    text = section_texts(m)[0]
    assert "was due <!date^" in text and "still missing from: <@U2>, <@U3>" in text
    b = buttons(m)
    assert list(b) == [ids.NUDGE_NOW, ids.CLOSE_ROUND]
    assert b[ids.NUDGE_NOW]["value"] == "8" and b[ids.CLOSE_ROUND]["value"] == "8"
    assert b[ids.CLOSE_ROUND]["style"] == "danger"
    assert "partial" in b[ids.CLOSE_ROUND]["confirm"]["text"]["text"]

    done = escalation_done_message(r, ["U2", "U3"])
    assert_message_ok(done)
    no_raw_mentions(done)
    assert list(buttons(done)) == [ids.CLOSE_ROUND]
    assert "Nudged <@U2>, <@U3>." in str(done.blocks)
    closed = escalation_done_message(make_round(8, status=Status.CLOSED), [])
    assert_message_ok(closed)
    assert buttons(closed) == {}


def test_not_attended_and_snoozed() -> None:
    r = make_round(9, candidate=PING, role=LINK)
    notice = not_attended_notice(r, "U3")
    assert_message_ok(notice)
    no_raw_mentions(notice)
    assert section_texts(notice)[0].startswith("<@U3> says they didn't attend the interview with")
    assert "was removed from the panel." in section_texts(notice)[0]
    reply = not_attended_reply(r)
    assert_message_ok(reply)
    no_raw_mentions(reply)
    assert section_texts(reply)[0].endswith("; <@UORG> has been told.")
    until = NOW + timedelta(hours=2)
    snoozed = snoozed_reply(r, until)
    assert_message_ok(snoozed)
    no_raw_mentions(snoozed)
    assert f"I'll remind you again <!date^{int(until.timestamp())}^" in str(snoozed.blocks)
    assert list(buttons(snoozed)) == [ids.GIVE_FEEDBACK]


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        ("channel_not_found", INVITE_HINT),
        ("not_in_channel", INVITE_HINT),
        ("is_archived", "The channel is archived."),
        ("account_inactive", DEACTIVATED_HINT),
        ("user_not_found", DEACTIVATED_HINT),
        ("user_disabled", DEACTIVATED_HINT),
        ("cannot_dm_bot", "bots can't get direct messages"),
        ("message_not_found", DELETED_HINT),
        ("cant_update_message", DELETED_HINT),
        ("ratelimited", GENERIC_HINT),
    ],
)
def test_undeliverable_notice(error: str, hint: str) -> None:
    m = undeliverable_notice(f"the panel announcement for {EVIL}", "<#CHIRE>", error)
    assert_message_ok(m)
    no_raw_mentions(m)
    text = section_texts(m)[0]
    assert "to <#CHIRE>" in text and f"Slack said `{error}`" in text and hint in text
    assert "&lt;!channel&gt;" in text


def test_undeliverable_notice_escapes_a_target_that_is_not_a_mention() -> None:
    m = undeliverable_notice("a DM", PING, "x`y")
    assert_message_ok(m)
    no_raw_mentions(m)
    assert "to <@U9>" in str(undeliverable_notice("a DM", "<@U9>", "user_not_found").blocks)


def test_a_long_late_list_says_how_many_more() -> None:
    people = tuple(PanelistState(f"U{i:02d}", f"P{i}", False) for i in range(rules.MAX_PANELISTS))
    r = make_round(1, panelists=people, due_at=NOW - timedelta(hours=1))
    line = section_texts(digest_message(build_digest("C", NOW, None, [r], [])))[0]
    assert line.endswith("late: <@U00>, <@U01>, <@U02>, <@U03>, <@U04>, <@U05> and 6 more")
