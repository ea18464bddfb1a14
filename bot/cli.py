"""`panelbot run`, `panelbot serve`, `panelbot db upgrade` and the data commands (also
`python -m bot …`).

Imports that reach bot.app (and so prometheus_client, through bot.metrics) happen inside the
commands: `serve` must set PROMETHEUS_MULTIPROC_DIR before prometheus_client is first imported.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("panelbot")
LISTENER_THREADS = 16
REQUEST_THREADS = 8


class Parser(argparse.ArgumentParser):
    """Refuses bad arguments in one line on stderr, pointing at --help (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


if TYPE_CHECKING:
    # What add_subparsers returns (subscriptable for the type checker only).
    Subcommands: TypeAlias = argparse._SubParsersAction[Parser]


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["serve"]:
        # Before the parser: building it imports the data commands, which reach bot.metrics.
        from bot.serve import multiprocess_metrics_dir

        with multiprocess_metrics_dir():
            return _main(arguments)
    return _main(arguments)


def _main(argv: list[str]) -> int:
    from bot.cli_data import DATA_COMMANDS, add_parsers, run_data_command

    parser = Parser(prog="panelbot", description="Second-round interview panels.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate the database, then serve Slack (HTTP or Socket Mode)")
    _add_serve_parser(sub)
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply migrations and exit")
    add_parsers(sub)
    _add_manifest_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "manifest":
        return print_manifest(args)

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"panelbot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if args.command == "db":
        return upgrade_database(settings)
    if args.command == "serve":
        return serve_command(settings, args)
    if args.command in DATA_COMMANDS:
        return run_data_command(args, settings)
    return run(settings)


def configure_logging(settings: Settings) -> None:
    """One setup for every command; `serve` sends gunicorn's own log through it too."""
    from bot.logs import configure_logging as configure_project_logging

    configure_project_logging(settings)  # JSON or text; tokens redacted, no payloads


def _add_serve_parser(sub: Subcommands) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve Slack over HTTP with several worker processes (gunicorn); never migrates",
        description="Production HTTP server. Run `panelbot db upgrade` first: serve refuses "
        "a database whose schema is not this version's. See docs/serving.md.",
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=_usable_cpus(),
        help="worker processes (default: one per CPU this process may use)",
    )
    serve.add_argument(
        "--threads",
        type=_positive,
        default=REQUEST_THREADS,
        help=f"request threads per worker (default: {REQUEST_THREADS})",
    )
    serve.add_argument("--bind", help="HOST:PORT to listen on (default: 0.0.0.0:$PORT)")
    serve.add_argument(
        "--graceful-timeout",
        type=_positive,
        default=30,
        help="seconds after SIGTERM for requests and work after them to finish (default: 30)",
    )
    serve.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="restart a worker after about this many requests (default: 0, never)",
    )


def _add_manifest_parser(sub: Subcommands) -> None:
    manifest = sub.add_parser(
        "manifest",
        help="print the Slack app manifest, ready to paste into Create New App → From a manifest",
        description="Without options: manifest.yml as shipped (HTTP mode, example URLs).",
    )
    mode = manifest.add_mutually_exclusive_group()
    mode.add_argument(
        "--socket-mode",
        action="store_true",
        help="for Socket Mode (SLACK_APP_TOKEN): no request URLs, no public address needed",
    )
    mode.add_argument(
        "--url",
        type=_public_url,
        help="for HTTP mode: your server's public https:// address, used in every request URL",
    )


def _public_url(text: str) -> str:
    from bot.manifest import public_url

    try:
        return public_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_manifest(args: argparse.Namespace) -> int:
    from bot.manifest import for_socket_mode, load_manifest, manifest_text, render, with_url

    if args.socket_mode:
        sys.stdout.write(render(for_socket_mode(load_manifest()), "Socket Mode"))
    elif args.url:
        sys.stdout.write(render(with_url(load_manifest(), args.url), f"HTTP mode at {args.url}"))
    else:
        sys.stdout.write(manifest_text())
    return 0


def _usable_cpus() -> int:
    # The CPUs this process may run on (a container's cpuset), where the platform says.
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def serve_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import ServeOptions, serve

    options = ServeOptions(
        workers=args.workers,
        threads=args.threads,
        bind=args.bind or f"0.0.0.0:{settings.port}",
        graceful_timeout=args.graceful_timeout,
        max_requests=args.max_requests,
        listener_threads=LISTENER_THREADS,
    )
    return serve(settings, options)


def upgrade_database(settings: Settings) -> int:
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    log.info("database is at the newest schema")
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(settings: Settings) -> int:
    from slack_bolt.error import BoltError

    from bot.app import build_app, build_services
    from bot.scheduler import Ticker
    from storage.db import Database
    from storage.migrate import upgrade

    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    # Listeners keep working after their ack (DMs, the summary); Bolt's default is 5 threads.
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    services = build_services(settings, db)
    try:
        app = build_app(settings, services, listener_executor=listeners)
    except BoltError as exc:
        print(
            f"panelbot: Slack refused the bot token ({exc}); check SLACK_BOT_TOKEN.",
            file=sys.stderr,
        )
        return 2
    adopted = services.due_work.adopt_unscheduled_rounds()
    if adopted:
        log.info("scheduled reminders for %s open rounds started before reminders existed", adopted)
    ticker = Ticker(services, settings.scheduler_tick_seconds)
    ticker.start()
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("starting in Socket Mode")
        try:
            SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
        finally:
            ticker.stop()
        return 0
    from bot.server import make_http_server
    from storage.migrate import readiness_problem

    server = make_http_server(
        app, "0.0.0.0", settings.port, readiness=lambda: readiness_problem(db.engine), db=db
    )
    # SIGTERM (docker stop, systemd) ends the loop like Ctrl-C, so the finally block runs.
    signal.signal(signal.SIGTERM, _interrupt)
    log.info(
        "listening on :%s (POST /slack/events, GET /healthz, GET /readyz, GET /metrics)",
        settings.port,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        ticker.stop()  # finish the row in hand; claimed rows go back for the next instance
        listeners.shutdown(wait=True)  # let sends already under way finish
        db.dispose()
    return 0
