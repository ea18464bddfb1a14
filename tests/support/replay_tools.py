"""Shared pieces of the door, replay and race campaigns (tests/campaigns/test_door_campaign.py,
tests/campaigns/test_replays.py, tests/campaigns/test_races.py): the bot's messages found by
round, what the database and the Slack stand-in hold, and waiting until the bot is idle. The
requests they send are built in tests/support/slack_requests.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from storage.models import Base, Round
from tests.support.harness import HIRING, Harness, button, modal_named
from tests.support.rows import leased


# -- finding the bot's messages -----------------------------------------------------------
def announcement_of(h: Harness, round_id: int) -> dict[str, Any]:
    """The round's announcement in the hiring channel, as it is now."""
    for message in h.standin.messages_in(HIRING):
        if not message.get("thread_ts") and _has_value(message, "close_round", round_id):
            return message
    raise AssertionError(f"no announcement of round {round_id}")


def brief_of(h: Harness, user: str, round_id: int) -> dict[str, Any]:
    """The panelist's brief (with its Give feedback button) for the round."""
    for message in h.standin.messages_in(f"D{user}"):
        if _has_value(message, "give_feedback", round_id):
            return message
    raise AssertionError(f"{user} has no brief for round {round_id}")


def summaries_of(h: Harness, round_id: int) -> list[dict[str, Any]]:
    """Summaries posted (chat.postMessage accepted) under the round's announcement."""
    with h.db.read() as session:
        ts = session.scalar(select(Round.announcement_ts).where(Round.id == round_id))
    assert ts, f"round {round_id} has no announcement"
    return [
        call.args
        for call in list(h.standin.calls)
        if call.method == "chat.postMessage" and call.ok and call.args.get("thread_ts") == ts
    ]


def summarized_round(h: Harness, panel: tuple[str, ...]) -> tuple[int, str]:
    """A round whose whole panel gave feedback, its summary posted: the round id and the ts
    of its announcement (the summary's thread)."""
    round_id = h.start_round(panelists=list(panel))
    for user in panel:
        h.give_feedback(user)
    drain(h)
    return round_id, str(announcement_of(h, round_id)["ts"])


def summary_under(h: Harness, announced: str) -> dict[str, Any]:
    """The panel summary in the thread of the announcement posted at `announced`, as it is
    now."""
    thread = h.standin.replies_to(HIRING, announced)
    return next(m for m in thread if m.get("text", "").startswith("Panel summary"))


def _has_value(message: dict[str, Any], action_id: str, round_id: int) -> bool:
    try:
        return str(button(message, action_id).get("value")) == str(round_id)
    except AssertionError:
        return False


def modal(h: Harness, user: str, callback_id: str) -> dict[str, Any]:
    """The modal of this kind the user has open (waiting for it to open)."""
    return h.wait_for(lambda: modal_named(h.standin.open_view_for(user), callback_id), callback_id)


def opened(
    h: Harness, user: str, message: dict[str, Any], action_id: str, callback_id: str
) -> dict[str, Any]:
    """Click a button and wait for the new modal it opens."""
    return h.click_for_modal(user, message, action_id, callback_id)


# -- what is stored, what Slack saw --------------------------------------------------------
def row_counts(h: Harness) -> dict[str, int]:
    """Rows in every table of the schema."""
    with h.db.read() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


@dataclass(frozen=True)
class SlackSeen:
    """What the bot has done in Slack so far, counted by kind."""

    posts: int  # chat.postMessage calls Slack accepted
    updates: int
    uploads: int  # files.completeUploadExternal calls Slack accepted
    modals: int  # views.open / views.push accepted
    ephemerals: int  # chat.postEphemeral accepted
    responses: int  # response_url posts
    calls: int  # every Web API call, accepted or not

    def new_messages(self, before: SlackSeen) -> dict[str, int]:
        """Messages that reached people since `before` (modals and updates excluded)."""
        changes = {
            "posts": self.posts - before.posts,
            "uploads": self.uploads - before.uploads,
            "ephemerals": self.ephemerals - before.ephemerals,
        }
        return {kind: n for kind, n in changes.items() if n}


def slack_seen(h: Harness) -> SlackSeen:
    calls = list(h.standin.calls)

    def ok(*methods: str) -> int:
        return sum(1 for c in calls if c.method in methods and c.ok)

    return SlackSeen(
        posts=ok("chat.postMessage"),
        updates=ok("chat.update"),
        uploads=ok("files.completeUploadExternal"),
        modals=ok("views.open", "views.push"),
        ephemerals=ok("chat.postEphemeral"),
        responses=len(h.standin.responses),
        calls=len(calls),
    )


def quiesce(h: Harness, *, quiet: float = 0.05, timeout: float = 20) -> None:
    """Wait until the bot is idle: no listener running, no work leased, and no new Slack
    call or response_url post for `quiet` seconds. Without the listener count (a harness
    with no executor of ours), a longer quiet."""
    listeners = h.executor
    deadline = time.monotonic() + timeout
    last = (-1, -1)
    still_since = time.monotonic()
    if listeners is None:
        quiet = max(quiet, 0.25)
    while True:
        now = (len(h.standin.calls), len(h.standin.responses))
        busy = listeners is not None and listeners.running > 0
        if now != last or busy:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet and leased(h.db) == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not settle")
        time.sleep(0.02)


def drain(h: Harness) -> None:
    """Idle, then one scheduler tick delivers whatever the outbox still holds, then idle."""
    quiesce(h)
    h.tick()
    quiesce(h)
