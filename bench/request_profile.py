"""Where one request's CPU goes, end to end in this process: the worker's WSGI application
(bot/runtime/http_server.py's wsgi_app, as `panelbot serve` builds it: request log, metrics,
payload guard, Bolt's signature check, authorize, the listener, the services) called
directly with Slack-signed requests of one kind, under cProfile with the thread's CPU clock,
so waiting on the Slack stand-in or PostgreSQL costs nothing and their threads are not seen.

Listeners run inline (a synchronous executor) so what a listener does after its ack is in
the profile too. Prints the CPU per request (ms) and the top functions by cumulative CPU.

    .venv/bin/python -m bench.request_profile --kind status --requests 300
    .venv/bin/python -m bench.request_profile --kind click --top 40 --sort tottime
    .venv/bin/python -m bench.request_profile --kind status --no-profile   # CPU ms only
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import Any, TypeVar

from bench.common import postgres_database
from bench.load import (
    PANEL_SIZE,
    SIGNING_SECRET,
    PayloadDriver,
    Prepared,
    Workload,
    announce_and_brief,
    due_next_week,
)
from storage.db import Database
from tests.slack.standin import SlackStandIn
from tests.support.seeding import seed_due_nudges

T = TypeVar("T")


class InlineExecutor(Executor):
    """Runs each listener in the caller's thread, so the profile sees it."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def environ_of(request: Prepared) -> dict[str, Any]:
    """The WSGI environ gunicorn would build for this POST."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.url_scheme": "http",
        "CONTENT_LENGTH": str(len(request.body)),
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def call(application: Callable[..., Iterable[bytes]], request: Prepared) -> str:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    b"".join(application(environ_of(request), start_response))
    return statuses[-1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("status", "click", "submit"), default="status")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key")
    parser.add_argument("--no-profile", action="store_true", help="only the CPU per request")
    parser.add_argument("--callees", help="also print what functions matching this call")
    args = parser.parse_args(argv)
    # As serve.py does before anything imports prometheus_client: per-process metric files.
    from bot.runtime.serve import multiprocess_metrics_dir

    with multiprocess_metrics_dir(), SlackStandIn() as standin, postgres_database() as url:
        run(standin, url, args)


def run(standin: SlackStandIn, url: str, args: argparse.Namespace) -> None:
    from bot.runtime.app import build_app, build_services
    from bot.runtime.http_server import wsgi_app
    from bot.runtime.settings import Settings

    db = Database.from_url(url)
    warm = 20
    seeded = seed_due_nudges(
        db,
        args.requests + warm,
        now=datetime.now(UTC),
        standin=standin,
        per_round=PANEL_SIZE,
        into=None,
    )
    announce_and_brief(db, standin, seeded)
    due_next_week(db)  # as bench/load.py serves them
    assert standin.token is not None
    settings = Settings(
        slack_bot_token=standin.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=standin.api_url,
        database_url=url,
    )
    services = build_services(settings, db)
    app = build_app(settings, services, verify_token=False, listener_executor=InlineExecutor())
    application = wsgi_app(app, db=db)
    workload = Workload(standin, PayloadDriver("http://unused", SIGNING_SECRET, standin), seeded)

    def prepared() -> Prepared:
        """The next request of the kind, made just before it is sent (a trigger id expires
        after 3 s); a submission needs the modal its click opened."""
        if args.kind != "submit":
            return workload.next(args.kind)
        click = workload.next("click")
        assert call(application, click).startswith("200")
        workload.ready.append((click.user, workload.standin.open_view_for(click.user) or {}))
        return workload.next("submit")

    for _ in range(warm):  # auth.test, first imports, caches
        call(application, prepared())
    profile = None if args.no_profile else cProfile.Profile(time.thread_time)
    statuses: list[str] = []
    cpu = 0.0
    for _ in range(args.requests):
        request = prepared()
        began = time.thread_time()
        if profile:
            profile.enable()
        statuses.append(call(application, request))
        if profile:
            profile.disable()
        cpu += time.thread_time() - began
    spent = cpu * 1000 / args.requests
    db.dispose()
    bad = [s for s in statuses if not s.startswith("200")]
    print(f"{args.kind}: {args.requests} requests, {spent:.2f} ms CPU each, {len(bad)} not 200")
    if profile:
        stats = pstats.Stats(profile, stream=(out := io.StringIO()))
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callees:
            stats.print_callees(args.callees)
        print(out.getvalue().replace(os.getcwd() + "/", ""))


if __name__ == "__main__":
    main()
