"""Prometheus metrics: what an operator graphs and alerts on (README, "Observability").

Under `panelbot serve` every worker is a process of its own; prometheus_client's multiprocess
mode (PROMETHEUS_MULTIPROC_DIR, set by the server before any worker starts) adds them up.
The backlog gauges (outbox, due work) are not kept in any process: they are read from the
database at scrape time, so every worker reports the same truth and nothing is written to
the multiprocess files for them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, RetryState, default_retry_handlers
from slack_sdk.http_retry.request import HttpRequest as RetryRequest
from slack_sdk.http_retry.response import HttpResponse as RetryResponse
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database
from storage.models import DueWork, Outbox, WorkState

log = logging.getLogger(__name__)

# Slack gives up on an answer after 3 s; the buckets are finest where an ack should land.
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
SLOW_ACK_SECONDS = 1.0

SLACK_API_ERRORS = Counter(
    "panelbot_slack_api_errors_total",
    "Failed Slack Web API attempts (a retried 429 too), by method and Slack's error code "
    "(http_<status> without one, or the exception's name).",
    ["method", "error"],
)
REQUEST_SECONDS = Histogram(
    "panelbot_request_seconds",
    "Time to answer a request from Slack (the ack), by request type.",
    ["type"],
    buckets=REQUEST_BUCKETS,
)
SLOW_ACKS = Counter(
    "panelbot_slow_acks_total",
    f"Requests from Slack answered after more than {SLOW_ACK_SECONDS:g} s, by request type.",
    ["type"],
)
REQUESTS = Counter(
    "panelbot_requests_total",
    "Requests from Slack by type and outcome (ok, rejected: 4xx, error: 5xx).",
    ["type", "outcome"],
)


class SlackErrorMeter(RetryHandler):
    """Counts Slack's error answers; never asks for a retry.

    slack_sdk consults the retry handlers after every attempt (an answer, an HTTP error or
    an exception), and Bolt copies its client's retry handlers into the client it makes
    for each request, so this one sees the calls of every client Panelbot uses: its own
    and the `client` Bolt hands to listeners. Each failed attempt counts, so a 429 that
    was retried shows up too.
    """

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: RetryRequest,
        response: RetryResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        code = _error_code(response, error)
        if code is not None:
            method = urlsplit(request.url).path.rsplit("/", 1)[-1]
            SLACK_API_ERRORS.labels(method, code).inc()
        return False


def _error_code(response: RetryResponse | None, error: Exception | None) -> str | None:
    if response is None:
        return type(error).__name__ if error is not None else None  # timeouts, refusals
    body = response.body
    if body is None and response.data:
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
    if not isinstance(body, dict):
        body = {}
    if response.status_code == 200:  # Slack's errors are answers: {"ok": false, "error": …}
        return str(body.get("error") or "unknown") if body.get("ok") is False else None
    return str(body.get("error") or f"http_{response.status_code}")


SLACK_ERROR_METER = SlackErrorMeter()


class MeteredWebClient(WebClient):
    """A WebClient whose failed calls are counted by method and error code (and the
    clients Bolt derives from it for each request: they copy the retry handlers)."""

    def __init__(self, *, retry_handlers: list[RetryHandler] | None = None, **kwargs: Any) -> None:
        handlers = default_retry_handlers() if retry_handlers is None else list(retry_handlers)
        super().__init__(retry_handlers=[SLACK_ERROR_METER, *handlers], **kwargs)


def observe_request(request_type: str, seconds: float, outcome: str) -> None:
    """One answered request from Slack; `request_type` must come from a bounded set."""
    REQUEST_SECONDS.labels(request_type).observe(seconds)
    REQUESTS.labels(request_type, outcome).inc()
    if seconds > SLOW_ACK_SECONDS:
        SLOW_ACKS.labels(request_type).inc()


class WorkBacklogCollector:
    """The outbox and due-work backlog, read from the database at each scrape.

    Two indexed queries (both tables have a partial index on due_at of pending rows) in
    one read transaction. If the database does not answer, the scrape still succeeds:
    panelbot_database_up says 0 and the backlog gauges are left out.
    """

    def __init__(self, db: Database, now: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.now = now or (lambda: datetime.now(UTC))

    def describe(self) -> Iterable[Metric]:
        # Names only, for the registry's duplicate check; no query at registration.
        return self._families(up=True)

    def collect(self) -> Iterable[Metric]:
        now = self.now()
        try:
            with self.db.read() as session:
                pending, oldest = session.execute(
                    select(func.count(), func.min(Outbox.created_at)).where(
                        Outbox.status == WorkState.PENDING
                    )
                ).one()
                due, oldest_due = session.execute(
                    select(func.count(), func.min(DueWork.due_at)).where(
                        DueWork.status == WorkState.PENDING, DueWork.due_at <= now
                    )
                ).one()
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
            return self._families(up=False)
        return self._families(
            up=True,
            pending=pending,
            oldest_age=_seconds_since(oldest, now),
            due=due,
            lag=_seconds_since(oldest_due, now),
        )

    @staticmethod
    def _families(
        *, up: bool, pending: int = 0, oldest_age: float = 0.0, due: int = 0, lag: float = 0.0
    ) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "panelbot_database_up",
            "1 if this scrape could read the backlog from the database, else 0.",
            value=1 if up else 0,
        )
        if not up:
            return
        yield GaugeMetricFamily(
            "panelbot_outbox_pending",
            "Slack messages waiting in the outbox (pending rows, including scheduled retries).",
            value=pending,
        )
        yield GaugeMetricFamily(
            "panelbot_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox row (0 when none).",
            value=oldest_age,
        )
        yield GaugeMetricFamily(
            "panelbot_due_work_due",
            "Reminders, escalations and digests whose time has come and that are not done.",
            value=due,
        )
        yield GaugeMetricFamily(
            "panelbot_due_work_lag_seconds",
            "How late the most overdue pending due work is (now - its due time; 0 when none).",
            value=lag,
        )


def _seconds_since(when: datetime | None, now: datetime) -> float:
    return max(0.0, (now - when).total_seconds()) if when is not None else 0.0


class _Forward:
    """Another registry's metrics, as one collector of ours."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def metrics_app(db: Database | None = None) -> Callable[..., Iterable[bytes]]:
    """The WSGI app of GET /metrics (prometheus_client's exposition, content negotiation
    included). In multiprocess mode the counters and histograms of every worker are read
    from PROMETHEUS_MULTIPROC_DIR; otherwise this process's default registry. With `db`,
    the backlog gauges are added in both cases."""
    registry = CollectorRegistry(support_collectors_without_names=True)
    if multiprocess_dir():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    if db is not None:
        registry.register(WorkBacklogCollector(db))
    app: Callable[..., Iterable[bytes]] = make_wsgi_app(registry)
    return app
