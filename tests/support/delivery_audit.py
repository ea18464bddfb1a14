"""Shared pieces of the fault campaigns (tests/campaigns/test_slack_weather.py,
tests/campaigns/test_database_faults.py, tests/campaigns/test_crash_campaign.py): people who try
again the way
a person would when Slack or the bot lets them down, a stopwatch on every answer the bot
gives "Slack", and the audit of what reached Slack against what the bot acknowledged and
enqueued.

The audit is the campaigns' definition of "exactly once" and "nothing lost":

- every outbox row has ended (sent, skipped or failed), and failed only where the test made
  Slack refuse the target for good;
- every row marked sent is in Slack (the stand-in's records), and every message the bot
  posted is some sent row's message, or a duplicate in the documented window (a post Slack
  stored but whose answer never arrived: the stand-in's "slow" fault, or a process killed
  mid-post), which is counted;
- every message refused for good has told the person the row names (the organizer, the
  digest's owner) with one DM that quotes Slack's error;
- every submission the bot acknowledged (HTTP 200 with the "saved" modal) is stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select

from bot.domain.work_kinds import OutboxKind, undeliverable_key
from storage.db import Database
from storage.models import Feedback, Outbox, WorkState
from tests.slack.driver import Reply
from tests.slack.records import Json
from tests.slack.standin import SlackStandIn
from tests.support.harness import Harness
from tests.support.reliability import Outcome, record

SLACK_ACK_SECONDS = 3.0  # Slack shows the person an error when the bot answers later
# Rows that become a new Slack message (chat.postMessage); the others edit, upload or delete.
POSTING_KINDS = frozenset(
    {
        OutboxKind.ANNOUNCE,
        OutboxKind.BRIEF,
        OutboxKind.SUMMARY,
        OutboxKind.NUDGE,
        OutboxKind.PRE_INTERVIEW,
        OutboxKind.POST,
    }
)
NOTICE_TITLE = "Couldn't deliver"


# -- the bot's answers -----------------------------------------------------------------------
@dataclass
class Stopwatch:
    """Times every request "Slack" sends the bot (wraps the driver's one way out)."""

    outcome: Outcome
    replies: list[Reply] = field(default_factory=list)
    asked: dict[int, str] = field(default_factory=dict)  # id(reply) → what the request was

    @classmethod
    def on(cls, h: Harness, outcome: Outcome) -> Stopwatch:
        """A stopwatch attached to the harness's driver, counting into `outcome`."""
        stopwatch = cls(outcome)
        stopwatch.attach(h)
        return stopwatch

    def attach(self, h: Harness) -> None:
        send = h.driver.post

        def timed(body: bytes | str, *args: Any, **kwargs: Any) -> Reply:
            reply = send(body, *args, **kwargs)
            self.outcome.answered(reply.elapsed)
            self.replies.append(reply)
            self.asked[id(reply)] = request_kind(body)
            return reply

        h.driver.post = timed  # type: ignore[method-assign]

    def problems(self) -> list[str]:
        if not self.replies:  # else every check below would pass by looking at nothing
            return ["no request was timed: the stopwatch is not on the driver the test used"]
        late = [r for r in self.replies if r.elapsed >= SLACK_ACK_SECONDS]
        refused = [r for r in self.replies if r.status != 200]
        found = [
            f"{self._what(r)} answered after {r.elapsed:.2f} s: {r.body[:200]!r}" for r in late
        ]
        found += [f"{self._what(r)} answered HTTP {r.status}: {r.body[:200]!r}" for r in refused]
        return found

    def record(self, errors: list[str]) -> None:
        """Close the campaign: the slowest answer noted, one failure counted where there are
        errors no trial counted, and the outcome recorded."""
        self.outcome.notes.append(self.slowest())
        if errors and not self.outcome.failures:
            self.outcome.failures += 1
        record(self.outcome)

    def slowest(self) -> str:
        if not self.replies:
            return "no requests"
        reply = max(self.replies, key=lambda r: r.elapsed)
        return f"slowest answer {reply.elapsed:.2f} s, to {self._what(reply)}"

    def _what(self, reply: Reply) -> str:
        return self.asked.get(id(reply), "a request")


def request_kind(body: bytes | str) -> str:
    """What a request from "Slack" was, in a few words (for the notes)."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    if text.startswith("{"):
        try:
            return f"event {json.loads(text).get('event', {}).get('type')}"
        except ValueError:
            return "an event"
    fields = dict(parse_qsl(text))
    if "command" in fields:
        return f"{fields['command']} {fields.get('text', '')}".strip()
    try:
        payload = json.loads(fields.get("payload", "{}"))
    except ValueError:
        return "an interaction"
    name = (payload.get("view") or {}).get("callback_id") or [
        a.get("action_id") for a in payload.get("actions") or []
    ]
    return f"{payload.get('type')} {name}"


# -- people who try again --------------------------------------------------------------------
def until_modal(
    h: Harness,
    user: str,
    callback_id: str,
    act: Callable[[], Reply],
    settle: Callable[[], None],
    *,
    tries: int = 8,
) -> Json:
    """Do `act` (a click, a command) until the modal it opens is there, as a person would
    after an error message or nothing at all; `settle` waits for the bot's work after its
    ack (where the modal is opened)."""
    for _ in range(tries):
        before = h.open_modal_id(user)
        act()
        settle()
        view = h.fresh_modal(user, callback_id, before)
        if view is not None:
            return view
    raise AssertionError(f"{user} never got the {callback_id} modal in {tries} tries")


def saved_title(reply: Reply) -> str | None:
    """The title of the modal a submission's ack puts up (None: no update)."""
    try:
        body = reply.json() or {}
    except ValueError:
        return None
    if body.get("response_action") != "update":
        return None
    return str(((body.get("view") or {}).get("title") or {}).get("text"))


def inline_errors(reply: Reply) -> dict[str, str]:
    try:
        body = reply.json() or {}
    except ValueError:
        return {}
    return dict(body.get("errors") or {}) if body.get("response_action") == "errors" else {}


# -- what the bot acknowledged -------------------------------------------------------------------
@dataclass
class Acked:
    """Submissions the bot acknowledged: (round, user) → a marker in the stored answers."""

    feedback: dict[tuple[int, str], str] = field(default_factory=dict)

    def lost(self, db: Database) -> list[str]:
        with db.read() as session:
            stored = {
                (f.round_id, f.user_id): json.dumps(f.answers)
                for f in session.scalars(select(Feedback))
            }
        return [
            f"acknowledged feedback of {user} on round {round_id} ({marker!r}) is not stored"
            for (round_id, user), marker in self.feedback.items()
            if marker not in stored.get((round_id, user), "")
        ]


# -- what reached Slack -------------------------------------------------------------------------
@dataclass
class Audit:
    problems: list[str] = field(default_factory=list)
    duplicates: int = 0
    crash_window: int = 0  # duplicates a killed process explains

    def news(self, found: Audit) -> Audit:
        """What `found` adds to what this audit has seen so far, which it then includes (a
        campaign audits after every round and reports each problem once)."""
        new = Audit(
            [x for x in found.problems if x not in self.problems],
            duplicates=found.duplicates - self.duplicates,
        )
        self.problems += new.problems
        self.duplicates = found.duplicates
        return new


def audit(
    db: Database,
    standin: SlackStandIn,
    *,
    refused: Callable[[Outbox], bool] = lambda row: False,
    in_flight_at_kills: Iterable[tuple[str, str]] = (),
    unrecorded_twins: bool = False,
) -> Audit:
    """Check Slack's records against the outbox (see the module doc). `refused`: rows whose
    target the test made Slack refuse for good. `in_flight_at_kills`: (channel, ts) of
    posts Slack stored while a killed process had not recorded them. `unrecorded_twins`:
    the database was lost while the bot recorded posts (the same window as a kill), so an
    extra copy of a recorded message counts as that window's duplicate."""
    found = Audit()
    with db.read() as session:
        rows = list(session.scalars(select(Outbox)))
    by_key = {(row.team_id, row.key): row for row in rows}
    posted = standin.posted()
    in_slack = {(m["channel"], m["ts"]) for m in posted}
    results: set[tuple[str | None, str | None]] = set()
    for row in rows:
        what = f"{row.kind} row {row.key!r}"
        if row.status == WorkState.PENDING:
            found.problems.append(f"{what} is still pending ({row.last_error})")
        elif row.status == WorkState.FAILED and not refused(row):
            found.problems.append(f"{what} failed: {row.last_error}")
        elif row.status == WorkState.SENT and row.kind in POSTING_KINDS:
            results.add((row.result_channel, row.result_ts))
            if (row.result_channel, row.result_ts) not in in_slack:
                found.problems.append(f"{what} is marked sent but Slack has no such message")
        if row.status == WorkState.FAILED and row.notify_user_id not in (None, row.user_id):
            found.problems += _notice_problems(row, by_key.get((row.team_id, _notice_key(row))))
    window = set(in_flight_at_kills)
    slow = [call for call in standin.calls_to("chat.postMessage") if call.fault == "slow"]
    for message in posted:
        if (message["channel"], message["ts"]) in results:
            continue
        if (message["channel"], message["ts"]) in window:
            found.duplicates += 1
            found.crash_window += 1
            continue
        twin = next((c for c in slow if _same_post(c.args, message)), None)
        if twin is None and unrecorded_twins and _recorded_twin(message, posted, results):
            found.duplicates += 1
            found.crash_window += 1
            continue
        if twin is None:
            found.problems.append(
                f"a message nobody enqueued (or sent twice) in {message['channel']}: "
                f"{message.get('text')!r}"
            )
        else:
            slow.remove(twin)  # one late answer explains one extra copy
            found.duplicates += 1
    return found


def _notice_key(row: Outbox) -> str:
    return undeliverable_key(row.id)


def _notice_problems(row: Outbox, notice: Outbox | None) -> list[str]:
    what = f"{row.kind} row {row.key!r} (refused: {row.last_error})"
    if notice is None:
        return [f"nobody was told about {what}"]
    if notice.user_id != row.notify_user_id:
        return [f"the notice about {what} went to {notice.user_id}, not {row.notify_user_id}"]
    said = json.dumps(notice.payload)
    error = (row.last_error or "").split(":")[0]
    if not str(notice.payload.get("text", "")).startswith(NOTICE_TITLE) or error not in said:
        return [f"the notice about {what} does not say what and why: {said[:300]}"]
    return []


def _recorded_twin(
    message: Json, posted: list[Json], results: set[tuple[str | None, str | None]]
) -> bool:
    return any(
        (other["channel"], other["ts"]) in results
        and other["channel"] == message["channel"]
        and other.get("thread_ts") == message.get("thread_ts")
        and other.get("text") == message.get("text")
        for other in posted
    )


def _same_post(args: Json, message: Json) -> bool:
    channel = str(args.get("channel") or "")
    if channel[:1] in ("U", "W"):
        channel = "D" + channel
    return channel == message["channel"] and args.get("text") == message.get("text")


def record_into(outcome: Outcome, found: Audit, lost: list[str]) -> None:
    """Add one trial's audit to the outcome (before any assertion)."""
    outcome.trials += 1
    outcome.lost += len(lost)
    outcome.duplicates += found.duplicates
    if found.problems or lost:
        outcome.failures += 1
        outcome.notes.extend((found.problems + lost)[:5])
