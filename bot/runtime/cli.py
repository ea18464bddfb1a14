"""`panelbot …` (also `python -m bot …`): the parser, and what each command needs before it
runs: its settings (only `run` and `serve` demand Slack's) and logging. Every failure ends
as one line on stderr saying what to do, and exit 2 (bot/runtime/startup.py).

Only the standard library is imported here, so that `panelbot --help` answers at once; each
command imports what it uses when it runs. Anything that reaches bot.runtime.app reaches
prometheus_client (through bot.runtime.metrics), and `serve` must set PROMETHEUS_MULTIPROC_DIR
before that first import.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from bot.runtime.startup import Refusal, explain

if TYPE_CHECKING:
    from bot.runtime.settings import Settings

log = logging.getLogger("panelbot")
LISTENER_THREADS = 16
REQUEST_THREADS = 8
# The commands that talk to Slack, and so demand its settings (tokens, signing secret).
SLACK_COMMANDS = frozenset({"run", "serve"})


class Parser(argparse.ArgumentParser):
    """Refuses bad arguments in one line on stderr, pointing at --help (exit 2); options and
    positional arguments may come in any order (`rubric import --team T file.yml`)."""

    _intermixing = False

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # A command's own parser (no subcommands below it) parses intermixed; that parsing
        # calls back in here, hence the flag.
        if self._subparsers is not None or self._intermixing:
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


if TYPE_CHECKING:
    # What add_subparsers returns (subscriptable for the type checker only).
    Subcommands: TypeAlias = argparse._SubParsersAction[Parser]


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["serve"]:
        from bot.runtime.serve import multiprocess_metrics_dir

        with multiprocess_metrics_dir():
            return _main(arguments)
    return _main(arguments)


def build_parser() -> Parser:
    from bot import __version__
    from bot.runtime.cli_data import add_parsers

    parser = Parser(prog="panelbot", description="Second-round interview panels in Slack.")
    parser.add_argument("--version", action="version", version=f"panelbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="migrate the database, then serve Slack (HTTP or Socket Mode)")
    _add_serve_parser(sub)
    sub.add_parser(
        "doctor",
        help="check the settings, the database and Slack, one line each (exit 1 on a failure)",
    )
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply migrations and exit")
    add_parsers(sub)
    _add_manifest_parser(sub)
    return parser


def _main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    settings: Settings | None = None
    try:
        if args.command == "manifest":
            return print_manifest(args)
        if args.command == "doctor":
            from bot.runtime.doctor import doctor

            return doctor()
        settings = _settings(slack=args.command in SLACK_COMMANDS)
        configure_logging(settings)
        return _command(args, settings)
    except Refusal as exc:
        print(f"panelbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        log.debug("unexpected failure", exc_info=True)
        print(f"panelbot: {explain(exc, settings)}", file=sys.stderr)
        return 2


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        from bot.runtime.run import run

        return run(settings)
    if args.command == "serve":
        return serve_command(settings, args)
    if args.command == "db":
        return upgrade_database(settings)
    from bot.runtime.cli_data import run_data_command

    return run_data_command(args, settings)


def _settings(*, slack: bool) -> Settings:
    from bot.runtime.settings import SettingsError, load_settings

    try:
        return load_settings(slack=slack)
    except SettingsError as exc:
        raise Refusal(str(exc)) from None


def configure_logging(settings: Settings) -> None:
    """One setup for every command; `serve` sends gunicorn's own log through it too."""
    from bot.runtime.logs import configure_logging as configure_project_logging

    configure_project_logging(settings)  # text or JSON; tokens redacted, no payloads


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
    from bot.slack.manifest import public_url

    try:
        return public_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def print_manifest(args: argparse.Namespace) -> int:
    from bot.slack.manifest import for_socket_mode, load_manifest, manifest_text, render, with_url

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
    from bot.runtime.serve import ServeOptions, serve

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
    from bot.runtime.startup import open_database
    from storage.migrate import upgrade

    db = open_database(settings, upgrading=True)
    try:
        upgrade(db.engine)
    finally:
        db.dispose()
    log.info("database is at the newest schema")
    return 0
