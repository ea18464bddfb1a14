"""`panelbot run`: migrate the database, then serve Slack in this one process, over HTTP
(PORT) or, with SLACK_APP_TOKEN, over Socket Mode. Production HTTP serving with several
workers is `panelbot serve` (bot/runtime/serve.py).

Everything that can stop it is checked before it says it is running: the port (HTTP), the
database, the bot token, and in Socket Mode the connection itself.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import App

from bot.runtime.app import build_app, build_services, record_workspace
from bot.runtime.cli import LISTENER_THREADS
from bot.runtime.http_server import ThreadingWSGIServer
from bot.runtime.scheduler import Ticker
from bot.runtime.settings import Settings
from bot.runtime.startup import Refusal, open_database, port_problem, verify_bot_token
from bot.services import Services
from storage.db import Database
from storage.migrate import readiness_problem, upgrade

log = logging.getLogger("panelbot")
HOST = "0.0.0.0"


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(settings: Settings) -> int:
    # SIGTERM (docker stop, systemd) ends the program like Ctrl-C, so cleanup runs; also
    # while it is still connecting.
    signal.signal(signal.SIGTERM, _interrupt)
    if problem := port_problem(f"{HOST}:{settings.port}", "PORT"):
        raise Refusal(problem)
    db = open_database(settings, upgrading=True)
    # Listeners keep working after their ack (DMs, the summary); Bolt's default is 5 threads.
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    try:
        me = None if settings.oauth else verify_bot_token(settings)  # before migrating
        upgrade(db.engine)
        services = build_services(settings, db)
        if me is not None:
            record_workspace(services, me)
        app = build_app(settings, services, verify_token=False, listener_executor=listeners)
        server = _http_server(settings, app, db)
        try:
            if settings.slack_app_token:
                _socket_mode(settings, services, app, server)
            else:
                _http(settings, services, server)
        finally:
            server.server_close()
    except KeyboardInterrupt:
        pass
    finally:
        listeners.shutdown(wait=True)  # let sends already under way finish
        db.dispose()
    return 0


def _socket_mode(
    settings: Settings, services: Services, app: App, server: ThreadingWSGIServer
) -> None:
    """Slack's requests come over the WebSocket; PORT still answers the probes (/healthz,
    /readyz, /metrics) for a container's HEALTHCHECK or a process supervisor."""
    from bot.runtime.socket_mode import SocketModeLink

    probes = threading.Thread(target=server.serve_forever, name="probes", daemon=True)
    probes.start()
    link = SocketModeLink(app, settings)
    try:
        link.connect()
        with _ticking(services, settings):
            log.info(
                "running in Socket Mode: connected to Slack (GET /healthz, /readyz, /metrics "
                "on :%s)",
                server.server_address[1],  # PORT=0 is any free port
            )
            link.stay_connected()
    finally:
        link.close()
        server.shutdown()


def _http_server(settings: Settings, app: App, db: Database) -> ThreadingWSGIServer:
    from bot.runtime.http_server import make_http_server

    try:
        return make_http_server(
            app,
            HOST,
            settings.port,
            readiness=lambda: readiness_problem(db.engine),
            db=db,
        )
    except OSError as exc:  # taken between the check and now
        raise Refusal(port_problem(f"{HOST}:{settings.port}", "PORT") or str(exc)) from None


def _http(settings: Settings, services: Services, server: ThreadingWSGIServer) -> None:
    with _ticking(services, settings):
        log.info(
            "listening on :%s (POST /slack/events, GET /healthz, GET /readyz, GET /metrics)",
            server.server_address[1],
        )
        server.serve_forever()


@contextmanager
def _ticking(services: Services, settings: Settings) -> Iterator[None]:
    """The scheduler tick while serving: due reminders, digests, messages to deliver. At the
    end it finishes the row in hand; claimed rows go back for the next instance."""
    adopted = services.due_work.adopt_unscheduled_rounds()
    if adopted:
        log.info("scheduled reminders for %s open rounds started before reminders existed", adopted)
    ticker = Ticker(services, settings.scheduler_tick_seconds)
    ticker.start()
    try:
        yield
    finally:
        ticker.stop()
