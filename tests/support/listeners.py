"""The executor Bolt runs listeners on (what each does after its ack), counting them, so a
test can wait until every listener in flight has finished: exact, where watching for quiet is
a guess. The harness's tick waits on it, as do the campaigns' settle helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

# Bounds a hang only: a busy machine may take seconds where a quiet one takes milliseconds.
SETTLE_TIMEOUT = 30.0


class ListenerExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor that knows which of its tasks are still running."""

    def __init__(self, max_workers: int = 10) -> None:
        super().__init__(max_workers=max_workers)
        self._pending: set[Future[Any]] = set()
        self._pending_lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._pending_lock:
            self._pending.add(future)
        # Added after registering: a task that already finished calls back at once.
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._pending_lock:
            self._pending.discard(future)

    @property
    def running(self) -> int:
        """Listeners handed over and not finished yet."""
        with self._pending_lock:
            return len(self._pending)

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Wait until every listener in flight (and any it starts meanwhile) has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._pending_lock:
                pending = list(self._pending)
            if not pending:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{len(pending)} listeners still running")
            wait(pending, timeout=left)
