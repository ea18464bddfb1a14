"""The replay campaign's bookkeeping (tests/campaigns/test_replays.py and
test_replays_outcomes.py): each interaction replayed as Slack's retries, double-clicked, or
submitted twice at once, its problems collected and one Outcome recorded per kind of repeat."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.slack.driver import Reply
from tests.support.harness import Harness
from tests.support.reliability import Outcome, record
from tests.support.replay_tools import SlackSeen, drain, row_counts, slack_seen
from tests.support.rows import database_name
from tests.support.slack_requests import Raw, retry_headers, send, send_together

WENT_WRONG = "Something went wrong"
Expect = Callable[[], str | None]  # a problem, or None when the state is as it should be


def said_since(h: Harness, seen: SlackSeen) -> str:
    """Everything the bot said since `seen`: response_url posts and Web API arguments."""
    said = [json.dumps(r) for r in h.standin.responses[seen.responses :]]
    said += [json.dumps(c.args) for c in list(h.standin.calls)[seen.calls :]]
    return "\n".join(said)


REPLAYED = "replayed 3× (plain, then as Slack's retries 1 and 2)"
DOUBLE_CLICKED = "clicked twice at once"
IN_PARALLEL = "the same view submitted twice in parallel"


class Campaign:
    """Runs the scenarios of one test (`group`) and keeps one Outcome per kind of repeat
    (replays, double clicks, parallel submissions), each naming the interactions it
    covered; `finish` records them. A scenario with any problem is one failure."""

    def __init__(self, h: Harness, group: str) -> None:
        self.h = h
        self.group = group
        self.problems: list[str] = []
        self.outcomes: dict[str, Outcome] = {}
        self.covered: dict[str, list[str]] = {}

    def finish(self) -> list[str]:
        for kind, outcome in self.outcomes.items():
            outcome.notes.insert(0, f"{len(self.covered[kind])}: {', '.join(self.covered[kind])}")
            record(outcome)
        return self.problems

    def _outcome(self, kind: str) -> Outcome:
        if kind not in self.outcomes:
            scenario = f"{self.group}: {kind}"
            self.outcomes[kind] = Outcome(scenario, database_name(self.h.db))
            self.covered[kind] = []
        return self.outcomes[kind]

    def _judge(
        self,
        kind: str,
        name: str,
        replies: list[Reply],
        rows: dict[str, int] | None,
        seen: SlackSeen,
        expect: Expect | None,
        messages: dict[str, int],
    ) -> None:
        h = self.h
        outcome = self._outcome(kind)
        self.covered[kind].append(name)
        drain(h)
        found: list[str] = []
        for reply in replies:
            outcome.answered(reply.elapsed)
            if reply.status != 200:
                found.append(f"answered {reply.status}: {reply.body[:120]}")
        if rows is not None and (after := row_counts(h)) != rows:
            found.append(
                f"rows changed: { {t: (n, after[t]) for t, n in rows.items() if after[t] != n} }"
            )
        new = slack_seen(h).new_messages(seen)
        if new != messages:
            extra = sum(new.values()) - sum(messages.values())
            outcome.duplicates += max(extra, 0)
            found.append(f"Slack messages {new}, expected {messages}")
        if WENT_WRONG in said_since(h, seen):
            found.append("someone was told that something went wrong")
        if h.standin.warnings:
            found.append(f"stand-in warnings {h.standin.warnings}")
            h.standin.warnings.clear()
        if expect is not None and (problem := expect()):
            found.append(problem)
        if found:
            outcome.failures += 1
            outcome.notes.append(f"{name}: {'; '.join(found)}")
            self.problems.extend(f"{kind}: {name}: {p}" for p in found)

    def replay(self, name: str, raw: Raw, expect: Expect | None = None) -> Reply:
        """Send `raw`, then the same bytes three more times: plainly, then as Slack's
        first and second retry. Returns the first answer."""
        h = self.h
        first = send(h, raw)
        drain(h)
        rows, seen = row_counts(h), slack_seen(h)
        replies = [send(h, raw, headers) for headers in ({}, retry_headers(1), retry_headers(2))]
        self._outcome(REPLAYED).trials += len(replies)
        answers = {answer_kind(r) for r in replies}
        if answers != {answer_kind(first)}:
            replies.append(
                Reply(599, f"replays answered {answers}, the request {answer_kind(first)}")
            )
        self._judge(REPLAYED, name, [first, *replies], rows, seen, expect, {})
        return first

    def at_once(
        self,
        kind: str,
        name: str,
        raws: list[Raw],
        *,
        expect: Expect | None = None,
        posts: int = 0,
        uploads: int = 0,
    ) -> list[Reply]:
        """Send the requests at one instant; one request's worth of messages may result."""
        h = self.h
        drain(h)
        seen = slack_seen(h)
        replies = send_together(h, *raws)
        self._outcome(kind).trials += 1
        messages = {k: n for k, n in (("posts", posts), ("uploads", uploads)) if n}
        self._judge(kind, name, replies, None, seen, expect, messages)
        return replies

    def twice_in_parallel(self, name: str, raw: Raw, **kwargs: Any) -> list[Reply]:
        return self.at_once(IN_PARALLEL, name, [raw, raw], **kwargs)

    def double_click(self, name: str, make: Callable[[], Raw], **kwargs: Any) -> list[Reply]:
        """Two distinct clicks (their own trigger_ids) on the same button at once."""
        return self.at_once(DOUBLE_CLICKED, name, [make(), make()], **kwargs)


def answer_kind(reply: Reply) -> str:
    """What kind of answer a request got: a modal update, inline errors, a plain ack…"""
    try:
        body = reply.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("response_action"):
        return f"{reply.status} {body['response_action']} {sorted(body.get('errors') or {})}"
    return str(reply.status)


def expect_equal(what: str, actual: Callable[[], object], wanted: object) -> Expect:
    def check() -> str | None:
        got = actual()
        return None if got == wanted else f"{what}: {got!r}, expected {wanted!r}"

    return check
