"""Fault injection, as a part of `SlackStandIn`: Slack misbehaving on purpose.

Three sources of faults, consulted in this order for every Web API call that passed the
token check (the first that applies wins; random faults are drawn only if neither did):

1. `fail_next`: queued, deterministic faults for the next calls of one method;
2. `fail_always`: permanent errors for the calls of one method whose arguments match;
3. `fail_randomly`: each call fails with a given probability, in one of these kinds:
   "ratelimited" (HTTP 429 with Retry-After), "server_error" (HTTP 500), "fatal_error"
   (HTTP 200 `{"ok": false, "error": "fatal_error"}`) or "slow" (answered normally, but
   only after a delay, so a client with a shorter timeout gives up on a call that took
   effect).

A faulted call takes no effect, except a "slow" one. Every injected fault is recorded on
its `ApiCall.fault`; `fault_counts()` sums them up.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tests.slack.records import Fault, Json, PermanentFault, RandomFaults, StandInRecords
from tests.slack.web_api import METHODS

RANDOM_FAULT_KINDS = ("ratelimited", "server_error", "fatal_error", "slow")
# api.test is how clients check the server is up; random faults leave it alone.
NEVER_RANDOMLY_FAULTED = frozenset({"api.test"})


@dataclass(frozen=True)
class InjectedFault:
    """How one call is faulted: answered `status`/`answer` (None: normally) after `delay`."""

    kind: str
    status: int = 200
    answer: Json | None = None
    delay: float = 0.0


class FaultInjectionMixin(StandInRecords):
    """The stand-in's fault injection: `fail_next`, `fail_always`, `fail_randomly`."""

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail, then behave normally again."""
        fault = Fault(error=error, status=status, retry_after=retry_after, remaining=times)
        with self._lock:
            self._faults.setdefault(method, []).append(fault)

    def fail_always(
        self, method: str, error: str, *, when: Callable[[Json], bool] | None = None
    ) -> None:
        """From now on, answer calls of `method` whose arguments match `when` (None: all)
        with HTTP 200 `{"ok": false, "error": error}`, e.g. a channel that is gone:

            fail_always("chat.postMessage", "channel_not_found",
                        when=lambda args: args.get("channel") == "C0GONE")

        `when` gets a copy of the decoded call arguments (without the token). Rules are
        tried in the order they were added; the first match wins.
        """
        _check_method(method)
        with self._lock:
            self._permanent_faults.append(PermanentFault(method=method, error=error, when=when))

    def fail_randomly(
        self,
        share: float,
        *,
        methods: Iterable[str] | None = None,
        kinds: Sequence[str] = ("ratelimited", "server_error"),
        retry_after: int = 1,
        seed: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """From now on, fail each call of `methods` (None: all but api.test) with
        probability `share`, in a kind chosen uniformly from `kinds` (see the module doc).

        "ratelimited" answers carry `Retry-After: <retry_after>`; "slow" calls are answered
        `delay` seconds late. With a `seed`, the n-th call that draws (in the order calls
        reach the stand-in) always gets the same fate. Replaces earlier random faults.
        """
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"share must be between 0 and 1, not {share!r}")
        kinds = tuple(kinds)
        unknown = [kind for kind in kinds if kind not in RANDOM_FAULT_KINDS]
        if not kinds or unknown:
            raise ValueError(f"kinds must be some of {RANDOM_FAULT_KINDS}, not {kinds!r}")
        if "slow" in kinds and delay <= 0:
            raise ValueError("the 'slow' kind needs a delay > 0")
        if retry_after < 0:
            raise ValueError(f"retry_after must not be negative, not {retry_after!r}")
        method_set = None
        if methods is not None:
            method_set = frozenset([methods] if isinstance(methods, str) else methods)
            for method in method_set:
                _check_method(method)
        config = RandomFaults(
            share=share,
            methods=method_set,
            kinds=kinds,
            retry_after=retry_after,
            delay=delay,
            rng=random.Random(seed),
        )
        with self._lock:
            self._random_faults = config

    def stop_failing(self) -> None:
        """Turn random faults off (queued and permanent ones stay)."""
        with self._lock:
            self._random_faults = None

    def clear_failures(self) -> None:
        """Remove all faults: random, permanent and queued. `fault_counts` keeps counting."""
        with self._lock:
            self._random_faults = None
            self._permanent_faults.clear()
            self._faults.clear()

    # ---- called from server threads --------------------------------------------------

    def _injected_fault(self, method: str, args: Json) -> InjectedFault | None:
        """The fault to inject into this call, if any; consumes queued faults and draws."""
        with self._lock:
            return (
                self._take_queued_fault(method)
                or self._permanent_fault(method, args)
                or self._random_fault(method)
            )

    def _take_queued_fault(self, method: str) -> InjectedFault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        if fault.status == 429:
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return _ratelimited(retry_after)
        error = fault.error or "internal_error"
        if fault.status == 200:
            return InjectedFault(kind=error, answer={"ok": False, "error": error})
        kind = "server_error" if fault.status >= 500 else f"http_{fault.status}"
        return InjectedFault(kind=kind, status=fault.status, answer={"ok": False, "error": error})

    def _permanent_fault(self, method: str, args: Json) -> InjectedFault | None:
        for rule in self._permanent_faults:
            if rule.method == method and (rule.when is None or rule.when(dict(args))):
                return InjectedFault(kind=rule.error, answer={"ok": False, "error": rule.error})
        return None

    def _random_fault(self, method: str) -> InjectedFault | None:
        config = self._random_faults
        if config is None:
            return None
        if config.methods is None:
            eligible = method not in NEVER_RANDOMLY_FAULTED
        else:
            eligible = method in config.methods
        if not eligible:
            return None
        if config.rng.random() >= config.share:
            return None
        kind = config.rng.choice(config.kinds)
        if kind == "ratelimited":
            return _ratelimited(config.retry_after)
        if kind == "server_error":
            return InjectedFault(
                kind=kind, status=500, answer={"ok": False, "error": "internal_error"}
            )
        if kind == "fatal_error":
            return InjectedFault(kind=kind, answer={"ok": False, "error": "fatal_error"})
        return InjectedFault(kind="slow", delay=config.delay)


def _ratelimited(retry_after: int) -> InjectedFault:
    # The HTTP front turns "_retry_after" into the Retry-After header.
    answer = {"ok": False, "error": "ratelimited", "_retry_after": retry_after}
    return InjectedFault(kind="ratelimited", status=429, answer=answer)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"the stand-in does not answer {method!r}; known: {sorted(METHODS)}")
