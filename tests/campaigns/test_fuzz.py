"""Bad input (issue 6, item 6): every handler's payload, mutated by hypothesis, through the real
HTTP app on both databases.

Each handler has a seed: a valid request built from the live workspace (a real button's
payload, a modal as the bot opened it). Hypothesis mutates it: keys dropped, values of the
wrong type (None, numbers, lists, objects where strings belong), 100 kB strings, unicode
(RTL marks, emoji, zero-width joiners, NUL, a lone surrogate), mrkdwn control text, numbers
that are not ids, private_metadata and button values forged or pointing at another
workspace's round. What must hold for every example:

- the HTTP answer is never a 5xx, and its body is never a stack trace;
- no listener raises into Bolt, and nothing is logged as unexpected: bad input is answered
  with a typed error (handlers/responses.py);
- nothing the bot sends anyone carries stack-trace text;
- a modal submission answers with `response_action: errors` naming the view's own input
  blocks, or a valid view; when only the typed-in values were mutated (what a person can
  fix), never with an apology;
- the other workspace's candidate and feedback never show up anywhere.

Malformed envelopes (a `user` that is a number, an empty `actions` list, a view without
`type`, a body that is not JSON) used to crash Bolt itself with a 500; bot/slack/payloads.py
now refuses them with a 400 (401 when unsigned) before Bolt reads them.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.views import ids
from tests.slack.blockkit import view_errors
from tests.slack.driver import Reply
from tests.support.adversarial import TRACE
from tests.support.fuzz_seeds import SECRET, SEEDS, TEXT, Request, Seed, World, build_world
from tests.support.harness import Harness
from tests.support.paths import ROOT
from tests.support.reliability import FULL, Outcome, record, trials
from tests.support.rows import database_name
from tests.support.texts import strings_in

pytestmark = pytest.mark.reliability

JSONISH = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    TEXT,
    st.lists(st.one_of(st.none(), st.integers(), TEXT), max_size=3),
    st.dictionaries(st.sampled_from(["id", "value", "type", "x"]), TEXT, max_size=3),
)
# Problems a request may log at WARNING without being a defect: the payload guard's refusal,
# and Bolt's 404 for an action or callback id no listener has (a mutated id).
ALLOWED_WARNINGS = ("refused a malformed Slack payload", "Unhandled request")
FORBIDDEN_LOGS = re.compile(
    r"unexpected error in|could not tell the user|Failed to run|error in \d+ ms"
)


# -- mutations -------------------------------------------------------------------------------
def forged_values(w: World) -> list[str]:
    """Ids and states pointing somewhere they must not lead."""
    other_round, other_role = w.other.round_ids[0], w.other.role_id
    return [
        str(other_round),
        f"{other_round}:1",
        f"{other_role}:0:",
        f"{other_role}:1:depth|0",
        str(2**31),
        str(2**62 + 1),
        str(2**63),
        str(10**30),
        f"{w.feedback_round}.0",
        f" {w.feedback_round}",
    ]


def forged_metadata(w: World) -> list[str]:
    other_round, other_role = w.other.round_ids[0], w.other.role_id
    return [
        json.dumps({"round": other_round}),
        json.dumps({"round": str(other_round)}),
        json.dumps({"round": 10**30}),
        json.dumps({"round": 1e300}),
        json.dumps({"role": other_role, "version": 0}),
        json.dumps({"role": 10**30, "version": -(10**30)}),
        # Its name as the forger would type it: names match in any case, and the bot
        # may echo what was typed (the check looks for the stored spelling).
        json.dumps({"candidate": f"zed {SECRET.lower()} 0", "up_to": other_round}),
        json.dumps({"candidate": "Forget Me 0", "up_to": 2**70}),
        '{"round": NaN}',
        "not json",
        "[]",
        "null",
        "{}",
    ]


Path_ = tuple[str | int, ...]


def paths(node: object, prefix: Path_ = ()) -> list[Path_]:
    """Every key and index of a payload, except inside blocks (what the bot rendered; neither
    Bolt nor the handlers read it back)."""
    found: list[Path_] = []
    items: list[tuple[str | int, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        if key != "blocks":
            found.extend(paths(value, path))
    return found


def apply(body: dict[str, Any], path: Path_, op: str, value: Any) -> None:
    parent: Any = body
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "delete":
        if isinstance(parent, dict):
            parent.pop(key, None)
        elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
            parent.pop(key)
    elif op == "append" and isinstance(parent[key], str):
        parent[key] = parent[key] + value
    else:
        parent[key] = value


def mutate(w: World, request: Request, data: Any) -> list[Path_]:
    """Zero to three mutations, drawn by hypothesis; returns the paths changed. Every draw
    happens whatever the payload looks like (the payload is live state; hypothesis replays
    its draws and must see the same ones)."""
    changed: list[Path_] = []
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        pick = data.draw(st.integers(0, 2**16), label="path")
        op = data.draw(st.sampled_from(["delete", "replace", "replace", "append"]), label="op")
        value = data.draw(JSONISH, label="value")
        text = data.draw(TEXT, label="text")
        forged = data.draw(st.integers(0, 2**16), label="forged")
        candidates = paths(request.body)
        if not candidates:
            continue
        path = candidates[pick % len(candidates)]
        if path[-1] == "private_metadata" and forged % 2:
            metadata = forged_metadata(w)
            op, value = "replace", metadata[forged % len(metadata)]
        elif path[-1] == "value" and "actions" in path and forged % 2:
            values = forged_values(w)
            op, value = "replace", values[forged % len(values)]
        elif op == "append":
            value = text
        apply(request.body, path, op, value)
        changed.append(path)
    return changed


# -- the properties --------------------------------------------------------------------------
@dataclass
class Checked:
    problems: list[str] = field(default_factory=list)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


def check(
    w: World,
    seed: Seed,
    request: Request,
    changed: list[Path_],
    reply: Reply,
    calls_before: int,
    responses_before: int,
    logs: list[logging.LogRecord],
) -> list[str]:
    c = Checked()
    c.expect(reply.status < 500, f"HTTP {reply.status}")
    c.expect(not TRACE.search(reply.body), f"stack trace in the answer: {reply.body[:300]}")
    sent = [call.args for call in w.h.standin.calls[calls_before:]]
    sent += w.h.standin.responses[responses_before:]
    for text in strings_in(sent):
        c.expect(not TRACE.search(text), f"stack trace sent to Slack: {text[:300]}")
        c.expect(SECRET not in text, f"another workspace's data sent: {text[:300]}")
    c.expect(SECRET not in reply.body, "another workspace's data in the answer")
    for log in logs:
        message = log.getMessage() + _raised(log)
        if log.levelno >= logging.WARNING and not message.startswith(ALLOWED_WARNINGS):
            c.expect(not FORBIDDEN_LOGS.search(message), f"logged: {message[:300]}")
            c.expect(log.levelno < logging.ERROR, f"logged an error: {message[:300]}")
    if seed.form and reply.status == 200:
        check_view_answer(w, request, changed, reply, c)
    return c.problems


def _raised(log: logging.LogRecord) -> str:
    """The exception a log line carries, and where it was raised."""
    if not log.exc_info or log.exc_info[1] is None:
        return ""
    error = log.exc_info[1]
    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f" [{error!r}{where}]"


def check_view_answer(
    w: World, request: Request, changed: list[Path_], reply: Reply, c: Checked
) -> None:
    answer = reply.json() if reply.body.strip() else None
    only_typed = bool(changed) and all(p[:2] == ("view", "state") for p in changed)
    if answer is None:
        return  # a plain ack closes the modal (a saved panel)
    action = answer.get("response_action")
    c.expect(action in ("errors", "update"), f"response_action {action!r}")
    if action == "errors":
        record = w.h.standin.views.get(request.view_id or "") or {}
        inputs = {b.get("block_id") for b in record.get("blocks", []) if b.get("type") == "input"}
        errors = answer.get("errors")
        c.expect(
            isinstance(errors, dict) and bool(errors) and set(errors) <= inputs,
            f"errors {errors!r} are not the view's inputs",
        )
    if action == "update":
        c.expect(
            not view_errors(answer.get("view")), f"invalid view: {view_errors(answer.get('view'))}"
        )
        if only_typed:
            c.expect("error id" not in json.dumps(answer), "an apology for input a person can fix")


def exercise(
    w: World, seed: Seed, data: Any, outcome: Outcome, caplog: pytest.LogCaptureFixture
) -> None:
    request = seed.build(w, data)
    changed = mutate(w, request, data)
    calls_before, responses_before = len(w.h.standin.calls), len(w.h.standin.responses)
    logs_before = len(caplog.records)
    reply = request.send(w)
    outcome.answered(reply.elapsed)
    w.settle()
    problems = check(
        w,
        seed,
        request,
        changed,
        reply,
        calls_before,
        responses_before,
        caplog.records[logs_before:],
    )
    outcome.trials += 1
    if problems:
        outcome.failures += 1
        if not any(note.startswith(f"{seed.listener} ") for note in outcome.notes):
            outcome.notes.append(f"{seed.listener} {changed}: {problems[0]}")
    assert not problems, f"{seed.listener}, mutated at {changed}: {problems}"


def fuzzer(w: World, seed: Seed, outcome: Outcome, caplog: pytest.LogCaptureFixture) -> Any:
    """Hypothesis' run over one seed: quick in `make test`, long (and random) under
    `make reliability`."""

    @settings(
        max_examples=trials(4, 100),
        deadline=None,
        database=None,
        derandomize=not FULL,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(data=st.data())
    def fuzz(data: Any) -> None:
        exercise(w, seed, data, outcome, caplog)

    return fuzz


def test_every_handler_survives_mutated_payloads(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    w = build_world(harness)
    outcome = Outcome("fuzzed payloads of every handler (hypothesis)", database_name(harness.db))
    failures: list[BaseException] = []
    for seed in SEEDS:
        try:
            fuzzer(w, seed, outcome, caplog)()
        except Exception as exc:  # raised once every handler ran and the outcome is recorded
            failures.append(exc)
        caplog.clear()
    record(outcome)
    assert not failures, "\n".join(outcome.notes) + f"\n\nthe first, in full: {failures[0]}"


# -- every handler has a seed -----------------------------------------------------------------
DECORATOR = re.compile(
    r"\bapp\.(action|view|command|shortcut|event|options)\((?:any_of\()?([^)]*)\)"
)


def registered_listeners() -> set[str]:
    """Every `kind:id` a handler listens to; `any_of(ids.X)` counts each id of the tuple X."""
    found = set()
    for source in ROOT.joinpath("handlers").glob("*.py"):
        for kind, arg in DECORATOR.findall(source.read_text()):
            arg = arg.strip()
            names = (
                getattr(ids, arg.removeprefix("ids."))
                if arg.startswith("ids.")
                else arg.strip("\"'")
            )
            for name in (names,) if isinstance(names, str) else names:
                found.add(f"{kind}:{name}")
    return found


def test_every_registered_handler_has_a_fuzz_seed() -> None:
    found = registered_listeners()
    assert len(found) >= 28, found  # the scan still sees the handlers (28 when written)
    assert found - {seed.listener for seed in SEEDS} == set()
