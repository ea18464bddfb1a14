"""`panelbot run` and `panelbot db upgrade` (also `python -m bot …`)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from concurrent.futures import ThreadPoolExecutor

from bot.cli_data import DATA_COMMANDS, add_parsers, run_data_command
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("panelbot")
LISTENER_THREADS = 16


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="panelbot", description="Second-round interview panels.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="migrate the database, then serve Slack (HTTP or Socket Mode)")
    db = sub.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply migrations and exit")
    add_parsers(sub)
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"panelbot: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if args.command == "db":
        return upgrade_database(settings)
    if args.command in DATA_COMMANDS:
        return run_data_command(args, settings)
    return run(settings)


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
        app, "0.0.0.0", settings.port, readiness=lambda: readiness_problem(db.engine)
    )
    # SIGTERM (docker stop, systemd) ends the loop like Ctrl-C, so the finally block runs.
    signal.signal(signal.SIGTERM, _interrupt)
    log.info("listening on :%s (POST /slack/events, GET /healthz, GET /readyz)", settings.port)
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
