"""`panelbot serve`: the Bolt app under gunicorn, N worker processes (docs/serving.md).

The master process (gunicorn's arbiter) checks the database before any worker exists, then
only supervises. Each worker builds its own engine, services, Bolt app, listener threads and
scheduler tick after the fork: no database connection and no thread crosses a fork.

This module imports nothing that reaches prometheus_client at import time: the metrics
directory for multiprocess mode must be in the environment before that first import.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]
from gunicorn.glogging import Logger as GunicornLogger  # type: ignore[import-untyped]

from bot.runtime.settings import Settings
from bot.runtime.startup import Refusal, explain, open_database, port_problem, verify_bot_token

if TYPE_CHECKING:
    from bot.runtime.scheduler import Ticker
    from storage.db import Database

log = logging.getLogger("panelbot.serve")
M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
WsgiApp = Callable[..., Iterable[bytes]]
# What start_worker imports: the master imports it once, the workers share it.
WORKER_MODULES = (
    "bot.runtime.app",
    "bot.runtime.http_server",
    "bot.runtime.scheduler",
    "storage.db",
    "storage.migrate",
)


@dataclass(frozen=True)
class ServeOptions:
    workers: int
    threads: int  # request threads per worker (gunicorn's gthread worker)
    bind: str  # HOST:PORT
    graceful_timeout: int  # seconds from SIGTERM until gunicorn kills what is left
    max_requests: int  # recycle a worker after this many requests (0: never)
    listener_threads: int  # threads per worker for listeners' work after the ack


@contextmanager
def multiprocess_metrics_dir() -> Iterator[Path]:
    """Put PROMETHEUS_MULTIPROC_DIR in the environment for the life of the server.

    prometheus_client decides at its first import whether it counts per process in files
    there (so /metrics can add the workers up), so this must run before anything imports
    it. An operator's directory is kept but emptied: files of an earlier run would be added
    to this one's. Otherwise a private temporary directory is made, and removed at the end
    by the process that made it (workers leave through this same code after their fork)."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics directory was set")
    given = os.environ.get(METRICS_DIR_VARIABLE)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="panelbot-metrics-"))
    os.environ[METRICS_DIR_VARIABLE] = str(path)
    maker = os.getpid()
    try:
        yield path
    finally:
        if os.getpid() == maker:
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop(METRICS_DIR_VARIABLE, None)


def serve(settings: Settings, options: ServeOptions) -> int:
    """Check, then run gunicorn until SIGTERM; the exit code (0 after a graceful stop).
    Refusal (exit 2) when it must not start."""
    if settings.slack_app_token:
        raise Refusal(
            "`serve` answers Slack over HTTP; unset SLACK_APP_TOKEN, or use `panelbot run` "
            "for Socket Mode."
        )
    # Alembic logs two INFO lines each time the schema is looked at: at every /readyz probe.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if problem := port_problem(options.bind, "--bind (or PORT)"):
        raise Refusal(problem)
    start_once(settings)
    limit_malloc_arenas()
    # What the master holds now (the modules prepared for the workers) goes to the garbage
    # collector's permanent generation: a worker's collections then never walk it, so they
    # do not write to its pages, which stay shared with the master instead of being copied
    # into each worker (docs/performance.md). Garbage left by the imports and start-up is
    # collected first, so as not to be frozen with it for the life of every worker.
    gc.collect()
    gc.freeze()
    master = os.getpid()
    try:
        PanelbotServer(settings, options).run()
    except SystemExit as exc:
        if os.getpid() != master:
            raise  # a worker leaving after its fork: not ours to handle
        return exc.code if isinstance(exc.code, int) else 1
    return 0


# -- before any worker: refuse to start on the wrong database or token -------------------


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives threads malloc arenas of their own (up to 8 a core) and each keeps what
    was freed in it; a worker's 24 request and listener threads then held about 10 MB more
    resident memory than with two arenas, at no measurable CPU cost (bench/load.py, docs/
    performance.md). Set in the master before the fork, so every worker inherits it. An
    operator's MALLOC_ARENA_MAX (read by glibc itself) is left alone; not glibc: nothing."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # another C library (musl has no arenas to limit)
    libc.mallopt(M_ARENA_MAX, arenas)


def start_once(settings: Settings) -> None:
    """What `panelbot run` does at start, once per instance, here before the fork: check the
    database (it never migrates: upgrading is the release step, `panelbot db upgrade`, once
    for all instances), check the token with Slack (recording its workspace as installed),
    build the app as a worker will, and schedule the reminders of rounds started before
    reminders existed (idempotent across instances). Refusal when it cannot start.

    The master only prepares what a worker runs (prepare_for_workers); the work itself runs
    in a child process forked for it. Adopting
    rounds reads every open round without reminders (3,000 in bench/load.py), and the heap
    that took stayed resident in the master once freed, and so in every worker forked from
    it: 37 MB a worker (docs/performance.md)."""
    from sqlalchemy import make_url

    prepare_for_workers()
    in_child(lambda: _start_once(settings), settings)
    # The URL is known good now (the child opened it): the driver too, once for all.
    make_url(settings.database_url).get_dialect().import_dbapi()


def prepare_for_workers() -> None:
    """What every worker would otherwise do at its boot and can be done without a connection
    or a thread: import the modules it runs and configure the ORM's mappers. Done once in
    the master, it is shared by every worker (less PSS), and a worker forked to replace one
    answers sooner."""
    from sqlalchemy.orm import configure_mappers

    for module in WORKER_MODULES:
        importlib.import_module(module)
    configure_mappers()


def _start_once(settings: Settings) -> None:
    from bot.runtime.app import build_app, build_services, record_workspace

    db = open_database(settings)
    try:
        services = build_services(settings, db)
        if not settings.oauth:
            record_workspace(services, verify_bot_token(settings))
        build_app(settings, services, verify_token=False)
        adopted = services.due_work.adopt_unscheduled_rounds()
    finally:
        db.dispose()
    if adopted:
        log.info("scheduled reminders for %s open rounds started before reminders existed", adopted)


def _verdict(work: Callable[[], None], settings: Settings) -> tuple[str, int]:
    """The line to refuse with ("" if none) and the exit status of the child's work."""
    try:
        work()
    except Refusal as exc:
        return str(exc), 2
    except Exception as exc:
        logging.getLogger("panelbot").debug("unexpected failure", exc_info=True)
        return explain(exc, settings), 2
    except BaseException:  # Ctrl-C reaches the master too, which stops
        return "", 1
    return "", 0


def in_child(work: Callable[[], None], settings: Settings) -> None:
    """Run `work` in a forked child process and wait for it: what it allocates goes when the
    child exits. Its failure comes back as a Refusal with the line the CLI would have printed
    had it run here; none of its connections or threads can outlive it."""
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:
        code = 1
        try:  # the child never returns, whatever happens here
            os.close(read)
            message, code = _verdict(work, settings)
            os.write(write, message.encode())
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as verdict:
        message = verdict.read().decode()
    _, status = os.waitpid(child, 0)
    if message:
        raise Refusal(message)
    if status != 0:
        raise Refusal(
            "the checks before the start failed "
            f"(exit status {os.waitstatus_to_exitcode(status)}); see the log above."
        )


# -- gunicorn ------------------------------------------------------------------------------


class ProjectLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's error log through the project's logging (the root logger's handlers, so
    the same format); no access log: the app logs one line per request itself."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.handlers.clear()
        self.error_log.propagate = True
        self.access_log.handlers.clear()
        self.access_log.disabled = True


@dataclass
class WorkerRuntime:
    """What one worker process built after its fork, to stop in order at its exit."""

    db: Database
    listeners: ThreadPoolExecutor
    ticker: Ticker

    def stop(self) -> None:
        # Work after an ack first (the DMs and summary someone is waiting for), while the
        # ticker still runs; then the tick finishes the row in hand and hands back the rest
        # of its claimed rows, for another worker or instance.
        self.listeners.shutdown(wait=True)
        self.ticker.stop()
        self.db.dispose()


def start_worker(settings: Settings, listener_threads: int) -> tuple[WsgiApp, WorkerRuntime]:
    from bot.runtime.app import build_app, build_services
    from bot.runtime.http_server import wsgi_app
    from bot.runtime.scheduler import Ticker
    from storage.db import Database
    from storage.migrate import readiness_problem

    db = Database.from_url(settings.database_url)
    listeners = ThreadPoolExecutor(max_workers=listener_threads, thread_name_prefix="listener")
    services = build_services(settings, db)
    # The token was checked before the fork (start_once). A worker that failed to boot
    # would stop the whole server, so a boot must not need Slack: Bolt asks auth.test at
    # this worker's first request instead.
    app = build_app(settings, services, verify_token=False, listener_executor=listeners)
    # Every worker ticks: leases in the database make each piece of work exactly-once
    # however many tick, and no worker is special when gunicorn replaces one.
    ticker = Ticker(services, settings.scheduler_tick_seconds)
    ticker.start()
    application: WsgiApp = wsgi_app(app, readiness=lambda: readiness_problem(db.engine), db=db)
    return application, WorkerRuntime(db, listeners, ticker)


class PanelbotServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: ServeOptions) -> None:
        self.settings = settings
        self.options = options
        self.runtime: WorkerRuntime | None = None  # set in each worker, after the fork
        super().__init__(prog="panelbot serve")

    def load_config(self) -> None:
        options = self.options
        config: dict[str, Any] = {
            "bind": [options.bind],
            "workers": options.workers,
            "worker_class": "gthread",
            "threads": options.threads,
            "graceful_timeout": options.graceful_timeout,
            "max_requests": options.max_requests,
            "max_requests_jitter": options.max_requests // 10,
            "preload_app": False,  # load() runs in each worker, after the fork
            "proc_name": "panelbot",
            "loglevel": self.settings.log_level.lower(),
            "logger_class": ProjectLogger,
            "accesslog": None,
            "post_worker_init": self.post_worker_init,
            "worker_exit": self.worker_exit,
            "child_exit": self.child_exit,
        }
        for key, value in config.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        application, self.runtime = start_worker(self.settings, self.options.listener_threads)
        return application

    # Hooks. post_worker_init and worker_exit run in the worker; child_exit in the master.
    def post_worker_init(self, worker: Any) -> None:
        log.info("worker %s ready", worker.pid)

    def worker_exit(self, _arbiter: Any, worker: Any) -> None:
        """After gunicorn let the in-flight requests finish (up to graceful_timeout)."""
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        log.info("worker %s stopped cleanly", worker.pid)

    def child_exit(self, _arbiter: Any, worker: Any) -> None:
        if METRICS_DIR_VARIABLE not in os.environ:
            return
        from prometheus_client import multiprocess

        # A dead worker's live gauges must not be added up any more.
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
