"""Run in a process of its own by tests/e2e/operations/test_request_path_imports.py: build the app
as a worker does and play a round through it over HTTP (a panel started, a Give feedback
click, every panelist's submission, the summary posted, /panel status), then print the
heavy libraries that are loaded (one JSON list on stdout).

    python -m tests.support.request_path_probe DATABASE_URL
"""

from __future__ import annotations

import json
import sys
import threading

# Libraries that only a picture (the heatmap) or a statistic (agreement) may load.
HEAVY = ("matplotlib", "numpy", "krippendorff", "scipy")


def heavy_loaded() -> list[str]:
    return sorted(name for name in HEAVY if name in sys.modules)


def main(database_url: str) -> None:
    from tests.slack.driver import SlackDriver
    from tests.slack.standin import SlackStandIn
    from tests.support.clock import Clock
    from tests.support.harness import SIGNING_SECRET, Harness, seed_workspace
    from tests.support.listeners import ListenerExecutor

    if heavy_loaded():  # the test tools themselves must not load them, or nothing is shown
        raise SystemExit(f"loaded with the test tools (they import the services): {heavy_loaded()}")

    from bot.runtime.app import build_app, build_services
    from bot.runtime.http_server import make_http_server
    from bot.runtime.settings import Settings
    from storage.db import Database

    with SlackStandIn() as standin:
        seed_workspace(standin)
        settings = Settings(
            slack_bot_token=standin.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.api_url,
            database_url=database_url,
        )
        db = Database.from_url(database_url)
        executor = ListenerExecutor(max_workers=4)
        clock = Clock()
        services = build_services(settings, db, now=clock)
        app = build_app(settings, services, listener_executor=executor)
        server = make_http_server(app, "127.0.0.1", 0, db=db)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        h = Harness(
            standin,
            SlackDriver(url, SIGNING_SECRET, standin),
            db,
            url,
            services=services,
            clock=clock,
            executor=executor,
        )
        try:
            h.start_round()
            for user in h.team.panel:  # each: the click that opens the modal, the submission
                assert h.give_feedback(user).status == 200
            h.wait_for(lambda: len(h.thread()) > 0, "the summary")
            assert h.driver.command(h.team.panel[0], "status").status == 200
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            executor.shutdown(wait=True)
            db.dispose()
    print(json.dumps(heavy_loaded()))


if __name__ == "__main__":
    main(sys.argv[1])
