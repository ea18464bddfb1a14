"""Prometheus metrics: what an operator graphs and alerts on (README, "Observability").

Under `panelbot serve` every worker is a process of its own; prometheus_client's multiprocess
mode (PROMETHEUS_MULTIPROC_DIR, set by the server before any worker starts) adds them up.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

SLACK_API_ERRORS = Counter(
    "panelbot_slack_api_errors_total",
    "Slack Web API calls that failed, by method and Slack's error code (or the exception).",
    ["method", "error"],
)


class MeteredWebClient(WebClient):
    """A WebClient that counts its failed calls by method and error code."""

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            SLACK_API_ERRORS.labels(api_method, str(exc.response.get("error") or "http")).inc()
            raise
        except Exception as exc:  # timeouts, refused connections
            SLACK_API_ERRORS.labels(api_method, type(exc).__name__).inc()
            raise
