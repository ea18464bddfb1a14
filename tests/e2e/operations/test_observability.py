"""GET /metrics (Prometheus, also in multiprocess mode) and the JSON request log lines,
through the real app: request types, Slack API errors, the backlog read at scrape time,
and no feedback text or token anywhere in the logs, even at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import slack_bolt
from prometheus_client.parser import text_string_to_metric_families

from bot.runtime.logs import LIBRARY_FLOORS, configure_logging
from bot.runtime.request_log import COMMAND_VERBS, request_type
from bot.runtime.settings import Settings
from handlers import commands
from storage.db import Database
from storage.models import DueWork, Outbox, WorkState
from tests.slack.driver import VERIFICATION_TOKEN, Reply
from tests.support.harness import ANA, HIRING, ORG, PANEL, SIGNING_SECRET, Harness, modal_named
from tests.support.paths import ROOT

SECRET_TEXT = "ZEBRA-SECRET-FEEDBACK"
REQUEST_FIELDS = {"team", "user", "type", "status", "outcome", "latency_ms", "retry_num"}


def scrape(url: str) -> str:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return str(response.read().decode())


def value(exposition: str, name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


def command_body(text: str) -> str:
    fields = {"token": VERIFICATION_TOKEN, "team_id": "T0001", "user_id": ORG}
    return urlencode({**fields, "command": "/panel", "text": text, "channel_id": HIRING})


# -- request types ---------------------------------------------------------------------


def test_request_types_come_from_a_bounded_set(harness: Harness) -> None:
    def command(text: str, name: str = "/panel") -> str:
        return request_type({"command": name, "text": text})

    assert command("") == "command:new"
    assert command("  Status  now") == "command:status"
    assert command("drop table rounds") == "command:other"
    assert command("status", "/other") == "command:other"
    clicked = {"type": "block_actions", "actions": [{"action_id": "give_feedback"}]}
    assert request_type(clicked) == "block_actions:give_feedback"
    forged = {"type": "block_actions", "actions": [{"action_id": "x" * 500}]}
    assert request_type(forged) == "block_actions:other"
    submitted = {"type": "view_submission", "view": {"callback_id": "panel_feedback"}}
    assert request_type(submitted) == "view_submission:panel_feedback"
    assert request_type({"type": "view_closed", "view": {"callback_id": "?"}}) == (
        "view_closed:other"
    )
    assert request_type({"type": "shortcut", "callback_id": "start_panel"}) == (
        "shortcut:start_panel"
    )
    event = {"type": "event_callback", "event": {"type": "app_home_opened"}}
    assert request_type(event) == "event:app_home_opened"
    assert request_type({"type": "event_callback", "event": {"type": "reaction_added"}}) == (
        "event:other"
    )
    assert request_type({"type": "url_verification", "challenge": "c"}) == "url_verification"
    assert request_type({"anything": "else"}) == "other"
    # Every verb /panel answers has a label of its own.
    assert set(commands.VERBS) == COMMAND_VERBS


# -- /metrics ----------------------------------------------------------------------------


def test_metrics_count_requests_by_type_outcome_and_slack_errors(harness: Harness) -> None:
    h = harness
    before = scrape(h.url)
    assert h.driver.command(ORG, "status").status == 200
    assert h.driver.command(ORG, "help").status == 200
    assert h.driver.command(ORG, "frobnicate everything").status == 200
    assert h.driver.post(command_body("help"), FORM, secret="forged").status == 401
    h.standin.fail_always("views.publish", "invalid_arguments")
    assert h.driver.event({"type": "app_home_opened", "user": ANA, "tab": "home"}).status == 200

    def grew(name: str, **labels: str) -> float:
        return value(scrape(h.url), name, **labels) - value(before, name, **labels)

    failed = {"method": "views.publish", "error": "invalid_arguments"}
    h.wait_for(lambda: grew("panelbot_slack_api_errors_total", **failed) == 1, "the error")
    after = scrape(h.url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("panelbot_request_seconds_count", type="command:status") == 1
    assert delta("panelbot_request_seconds_count", type="command:help") == 2
    assert delta("panelbot_request_seconds_count", type="command:other") == 1
    assert delta("panelbot_request_seconds_count", type="event:app_home_opened") == 1
    assert delta("panelbot_requests_total", type="command:help", outcome="ok") == 1
    assert delta("panelbot_requests_total", type="command:help", outcome="rejected") == 1
    # A local ack is far below the 3 s budget; the 1 s bucket holds it.
    assert delta("panelbot_request_seconds_bucket", type="command:status", le="1.0") == 1
    assert "panelbot_slow_acks_total" in after  # described even before the first slow ack
    assert value(after, "panelbot_database_up") == 1


def test_backlog_gauges_are_read_from_the_database_at_scrape_time(harness: Harness) -> None:
    h = harness
    empty = scrape(h.url)
    for gauge in (
        "panelbot_outbox_pending",
        "panelbot_outbox_oldest_pending_seconds",
        "panelbot_due_work_lag_seconds",
    ):
        # Reported as 0, not missing (value() reads a missing sample as 0 too).
        assert any(line.startswith(f"{gauge} ") for line in empty.splitlines()), gauge
        assert value(empty, gauge) == 0

    now = datetime.now(UTC)
    later = now + timedelta(hours=1)  # nobody claims these rows during the test
    with h.db.transaction() as session:
        for n, age in enumerate((120, 60, 10)):
            session.add(outbox_row(f"pending:{n}", created_at=now - timedelta(seconds=age)))
        session.add(outbox_row("sent", created_at=now - timedelta(days=1), status=WorkState.SENT))
        session.add(due_row("late", now - timedelta(seconds=300)))
        session.add(due_row("a bit late", now - timedelta(seconds=30)))
        session.add(due_row("not yet", later))
        session.add(due_row("done", now - timedelta(days=2), status=WorkState.DONE))

    seen = scrape(h.url)
    assert value(seen, "panelbot_outbox_pending") == 3
    assert 120 <= value(seen, "panelbot_outbox_oldest_pending_seconds") < 180
    assert value(seen, "panelbot_due_work_due") == 2
    assert 300 <= value(seen, "panelbot_due_work_lag_seconds") < 360


FORM = "application/x-www-form-urlencoded"


def outbox_row(key: str, *, created_at: datetime, status: str = WorkState.PENDING) -> Outbox:
    return Outbox(
        team_id="T0001",
        key=key,
        kind="notice",
        status=status,
        due_at=created_at + timedelta(hours=2),  # a retry scheduled later
        created_at=created_at,
        payload={},
    )


def due_row(key: str, due_at: datetime, *, status: str = WorkState.PENDING) -> DueWork:
    return DueWork(team_id="T0001", key=key, kind="nudge", status=status, due_at=due_at)


WORKER = textwrap.dedent(
    """
    import sys
    from bot.runtime.metrics import SLACK_API_ERRORS, observe_request

    observe_request("command:status", 0.2, "ok")
    observe_request("command:status", 1.5, "ok")  # a slow ack
    SLACK_API_ERRORS.labels("chat.postMessage", "ratelimited").inc()
    if sys.argv[1] == "scrape":
        from wsgiref.util import setup_testing_defaults
        from slack_bolt import App
        from bot.runtime.http_server import wsgi_app
        from storage.db import Database

        app = App(signing_secret="s", token="xoxb-unused", token_verification_enabled=False)
        environ = {"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"}
        setup_testing_defaults(environ)
        body = wsgi_app(app, db=Database.from_url(sys.argv[2]))(environ, lambda *a: None)
        sys.stdout.write(b"".join(body).decode())
    """
)


def test_multiprocess_mode_adds_up_the_workers(database: Database, tmp_path: Path) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    metrics_dir = tmp_path / "metrics"  # of its own: the SQLite test database is a .db too
    metrics_dir.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }

    def worker(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    worker("count")
    exposition = worker("scrape", url)  # the second worker counts, then serves /metrics

    assert value(exposition, "panelbot_request_seconds_count", type="command:status") == 4
    assert value(exposition, "panelbot_slow_acks_total", type="command:status") == 2
    errors = value(
        exposition,
        "panelbot_slack_api_errors_total",
        method="chat.postMessage",
        error="ratelimited",
    )
    assert errors == 2
    # The backlog comes from the database at scrape time, in multiprocess mode too...
    assert value(exposition, "panelbot_database_up") == 1
    assert "panelbot_outbox_pending 0.0" in exposition
    # ...and never from the per-process files, which hold counters and histograms only.
    files = sorted(p.name.split("_")[0] for p in metrics_dir.glob("*.db"))
    assert files and set(files) <= {"counter", "histogram"}


# -- logs ----------------------------------------------------------------------------------


@contextmanager
def configured(settings: Settings) -> Iterator[io.StringIO]:
    """configure_logging into a buffer, as `panelbot` does at start; undone afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_floors = {name: logging.getLogger(name).level for name in LIBRARY_FLOORS}
    for handler in saved_handlers:  # pytest's; configure_logging keeps a configured root
        root.removeHandler(handler)
    stream = io.StringIO()
    configure_logging(settings, stream)
    ours = root.handlers[:]
    for handler in saved_handlers:
        root.addHandler(handler)
    try:
        yield stream
    finally:
        for handler in ours:
            root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_floors.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def debug_json_logs() -> Iterator[io.StringIO]:
    """LOG_LEVEL=DEBUG, JSON; set before the harness builds the app, as in `panelbot run`."""
    settings = Settings(
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        log_level="DEBUG",
        log_format="json",
    )
    with configured(settings) as stream:
        yield stream


def test_one_log_line_per_request_and_no_feedback_text_or_token(
    debug_json_logs: io.StringIO, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    assert logging.getLogger().level == logging.DEBUG
    sent: list[Reply] = []
    post = h.driver.post

    def counted_post(*args: Any, **kwargs: Any) -> Reply:
        reply = post(*args, **kwargs)
        sent.append(reply)
        return reply

    monkeypatch.setattr(h.driver, "post", counted_post)

    h.start_round(questions=f"{SECRET_TEXT} doubt")
    for user in PANEL:
        reply = h.give_feedback(
            user, evidence=f"{SECRET_TEXT} evidence", asked=f"{SECRET_TEXT} asked"
        )
        assert reply.json()["response_action"] == "update"
    summary = h.wait_for(h.thread, "the summary")[0]
    h.click(ORG, summary, "see_notes")
    h.wait_for(lambda: modal_named(h.standin.open_view_for(ORG), "panel_notes"), "the notes")
    retried = h.driver.post(
        command_body("help"), FORM, headers={"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "x"}
    )
    assert retried.status == 200
    assert h.driver.post(command_body("status"), FORM, secret="not-the-secret").status == 401

    h.settle()  # what the requests' listeners log after the ack is checked too
    output = debug_json_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one object
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    requests = [line for line in lines if line["logger"] == "panelbot.request"]
    assert len(requests) == len(sent)
    for line in requests:
        assert line.keys() >= REQUEST_FIELDS, line
        assert line["team"] == "T0001"
        assert line["user"] in {ORG, *PANEL}
        assert isinstance(line["latency_ms"], float)
        assert line["outcome"] == ("rejected" if line["status"] == 401 else "ok")
    types = [line["type"] for line in requests]
    assert types[:2] == ["command:new", "view_submission:panel_new"]
    assert types.count("block_actions:give_feedback") == 3
    assert types.count("view_submission:panel_feedback") == 3
    assert "block_actions:see_notes" in types
    assert [line["retry_num"] for line in requests if line["retry_num"] is not None] == [2]
    rejected = requests[-1]
    assert (rejected["type"], rejected["status"], rejected["outcome"]) == (
        "command:status",
        401,
        "rejected",
    )
    # Nothing people typed, and no token or secret, from any logger.
    for forbidden in (SECRET_TEXT, "xoxb-test", VERIFICATION_TOKEN, SIGNING_SECRET):
        assert forbidden not in output, forbidden


def test_tokens_and_secrets_are_redacted_and_library_debug_is_held_back() -> None:
    settings = Settings(
        slack_bot_token="xoxb-1-abc",
        slack_signing_secret="signing-secret-42",
        log_level="DEBUG",
        log_format="text",
    )
    bolt_style = logging.getLogger("app.py:listener")
    with configured(settings) as stream:
        log = logging.getLogger("panelbot.test")
        log.info("token %s, user token %s", "xoxb-1-abc", "xoxp-9-zz")
        log.warning("rotated xoxe.xoxp-1-AAA and app xapp-1-B, secret signing-secret-42")
        try:
            raise RuntimeError("refused xoxb-1-abc")
        except RuntimeError:
            log.exception("failed")
        logging.getLogger("slack_sdk.web.base_client").debug("body: %s", SECRET_TEXT)
        logging.getLogger("sqlalchemy.engine.Engine").info("params (%r,)", SECRET_TEXT)
        # Bolt's per-listener loggers copy their level when made; the source file decides.
        bolt_style.setLevel(logging.DEBUG)
        thread_runner = Path(slack_bolt.__file__).parent / "listener" / "thread_runner.py"
        bolt_style.handle(
            bolt_style.makeRecord(
                bolt_style.name,
                logging.DEBUG,
                str(thread_runner),
                1,
                "body: %s",
                (SECRET_TEXT,),
                None,
            )
        )
        bolt_style.setLevel(logging.NOTSET)
        log.debug("our own debug line")
    output = stream.getvalue()
    for secret in ("xoxb-1-abc", "xoxp-9-zz", "xoxe.xoxp-1-AAA", "xapp-1-B", "signing-secret-42"):
        assert secret not in output, secret
    assert SECRET_TEXT not in output
    assert "token [redacted], user token xoxp-[redacted]" in output
    assert "RuntimeError: refused [redacted]" in output
    assert "our own debug line" in output
