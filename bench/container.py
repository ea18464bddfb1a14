"""Builds Panelbot's container image and runs it for real: alone on SQLite, and as
compose.yaml's PostgreSQL stack in HTTP mode.

    python -m bench.container                 # ~3 min on 2 cores after the first build
    python -m bench.container --skip-compose  # the image alone

Needs a running container engine (`docker info` answers), BuildKit (the buildx plugin,
or a client with BuildKit built in: set DOCKER=/path/to/docker), and docker-compose or
`docker compose` for the stack. Where no image registry is reachable it makes what it
needs from Debian packages: the base image (debootstrap; needs root) unless BASE_IMAGE
names one, and a PostgreSQL image (bench/postgres) unless POSTGRES_IMAGE names one. pip's
index and CA bundle for the build are read from PIP_INDEX_URL / PIP_CERT, else from
`pip config`. Slack is the tests' stand-in, reached by the containers through a relay on
the docker bridge's gateway address.

Checks, each printed with its figure: the image runs as a non-root user, has no pip and no
compiler; `panelbot db upgrade` migrates an SQLite volume; the HEALTHCHECK turns healthy;
/healthz, /readyz, Slack's url_verification and signed `/panel help` and `/panel status`
are answered; compose runs `migrate` to completion before the bot starts; SIGTERM ends
the bot with exit code 0 within its grace period. Any failure prints PROBLEM and exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from bench.checks import SIGNING_SECRET, USER, Problem, check, passed, signed_requests
from bench.container_engine import Engine
from bench.relay import Relay
from tests.slack.driver import SlackDriver
from tests.slack.standin import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "panelbot:bench"
GRACE_SECONDS = 40  # compose.yaml's stop_grace_period, above serve's --graceful-timeout 30
HEALTHY_WITHIN = 90  # the image's first probe comes 30 s after the start


def settings_env(api_url: str, token: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "LOG_FORMAT": "text",
    }


def check_image(engine: Engine) -> None:
    print("== the image")
    uid = engine.run_once(IMAGE, ["id", "-u"]).strip()
    check(uid not in ("", "0"), f"runs as a non-root user (uid {uid})")
    tools = engine.run_once(
        IMAGE, ["python", "-c", "import shutil; print(shutil.which('gcc'), shutil.which('pip'))"]
    )
    check(tools.split() == ["None", "None"], "has no compiler and no pip")
    usage = engine.run_once(IMAGE, ["panelbot", "--help"])
    check("db" in usage and "serve" in usage, "`panelbot --help` lists its commands")
    size = int(engine.docker("image", "inspect", IMAGE, "--format", "{{.Size}}"))
    print(f"  image size {size / 1e6:.0f} MB")


def talk(port: int, standin: SlackStandIn) -> None:
    """What Slack and a load balancer would ask of an instance serving on `port`."""
    base_url = f"http://127.0.0.1:{port}"
    for path, expected in (("/healthz", "ok"), ("/readyz", "ready")):
        with urllib.request.urlopen(base_url + path, timeout=5) as answer:
            body = answer.read().decode()
        check(answer.status == 200 and body == expected, f"GET {path}: {answer.status} {body}")
    signed_requests(SlackDriver(base_url, SIGNING_SECRET, standin))


def stop_and_check(engine: Engine, container: str) -> None:
    seconds, code = engine.stop(container, GRACE_SECONDS)
    check(
        code == 0 and seconds < GRACE_SECONDS,
        f"SIGTERM: exit code {code} after {seconds:.1f} s (grace {GRACE_SECONDS} s)",
    )


def run_alone(engine: Engine, standin: SlackStandIn, api_url: str) -> None:
    """One container on an SQLite volume, as on one small box."""
    print("== the image alone, SQLite on a volume, `panelbot serve`")
    tag = uuid.uuid4().hex[:8]
    volume, name = f"panelbot-bench-{tag}", f"panelbot-bench-{tag}"
    env = settings_env(api_url, standin.token or "")
    try:
        engine.run_once(IMAGE, ["panelbot", "db", "upgrade"], env=env, volume=f"{volume}:/data")
        files = engine.run_once(IMAGE, ["ls", "/data"], volume=f"{volume}:/data")
        check("panelbot.db" in files.split(), "`panelbot db upgrade` created /data/panelbot.db")
        engine.docker(
            "run", "--detach", "--name", name, "--volume", f"{volume}:/data",
            "--publish", "127.0.0.1::3000", *engine.env_args(env),
            IMAGE, "panelbot", "serve", "--workers", "1",
        )  # fmt: skip
        healthy = engine.wait_healthy(name, HEALTHY_WITHIN)
        passed(f"HEALTHCHECK healthy {healthy:.1f} s after the start")
        talk(engine.published_port(name, 3000), standin)
        stop_and_check(engine, name)
    finally:
        engine.docker("rm", "--force", name, check=False)
        engine.docker("volume", "rm", "--force", volume, check=False)


def compose_env_file(folder: Path, api_url: str, token: str, postgres_image: str) -> None:
    lines = {
        **settings_env(api_url, token),
        "POSTGRES_PASSWORD": uuid.uuid4().hex,
        "PANELBOT_IMAGE": IMAGE,
        "POSTGRES_IMAGE": postgres_image,
        "PANELBOT_HTTP_BIND": "127.0.0.1:0",
    }
    (folder / ".env").write_text("".join(f"{k}={v}\n" for k, v in lines.items()))


def run_compose(engine: Engine, standin: SlackStandIn, api_url: str, postgres_image: str) -> None:
    """compose.yaml as it is, in a folder of its own with a .env, HTTP profile."""
    print("== compose.yaml: PostgreSQL, `migrate`, then `bot-http`")
    with tempfile.TemporaryDirectory(prefix="panelbot-compose-") as folder:
        shutil.copy(ROOT / "compose.yaml", folder)
        compose_env_file(Path(folder), api_url, standin.token or "", postgres_image)
        project = f"panelbotbench{uuid.uuid4().hex[:8]}"
        compose = engine.compose(Path(folder), project)
        try:
            started = time.monotonic()
            compose("--profile", "http", "up", "--detach", "bot-http")
            ids = {s: compose("ps", "--all", "--quiet", s).strip() for s in ("migrate", "bot-http")}
            migrate = engine.inspect(ids["migrate"])["State"]
            bot = engine.inspect(ids["bot-http"])["State"]
            check(migrate["ExitCode"] == 0, "`migrate` (panelbot db upgrade) exited 0")
            check(
                bot["StartedAt"] > migrate["FinishedAt"],
                "`bot-http` started after `migrate` had finished",
            )
            healthy = engine.wait_healthy(ids["bot-http"], HEALTHY_WITHIN)
            took = time.monotonic() - started
            passed(
                f"`bot-http` healthy {took:.1f} s after `up` began "
                f"({healthy:.1f} s after it returned)"
            )
            talk(engine.published_port(ids["bot-http"], 3000), standin)
            stop_and_check(engine, ids["bot-http"])
            compose("--profile", "http", "up", "--detach", "bot-http")
            again = engine.inspect(compose("ps", "--all", "--quiet", "migrate").strip())["State"]
            check(again["ExitCode"] == 0, "a second `up` migrates again (a no-op) and exits 0")
            engine.wait_healthy(ids["bot-http"], HEALTHY_WITHIN)
            passed("the bot is healthy again on the same database volume")
        finally:
            compose("--profile", "http", "down", "--volumes", "--timeout", "5", check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-build", action="store_true", help=f"use the {IMAGE} there is")
    parser.add_argument("--skip-alone", action="store_true", help="no SQLite container run")
    parser.add_argument("--skip-compose", action="store_true", help="no compose run")
    args = parser.parse_args(argv)
    engine = Engine(os.environ.get("DOCKER", "docker"))
    try:
        engine.require()
        base = engine.base_image(os.environ.get("BASE_IMAGE"))
        if not args.skip_build:
            seconds = engine.build(ROOT, IMAGE, base)
            print(f"built {IMAGE} on {base} in {seconds:.0f} s")
        check_image(engine)
        with SlackStandIn() as standin, Relay(int(standin.base_url.rsplit(":", 1)[1])) as relay:
            standin.add_user(USER, "bench")
            api_url = f"http://{engine.bridge_gateway(IMAGE)}:{relay.port}/api/"
            if not args.skip_alone:
                run_alone(engine, standin, api_url)
            if not args.skip_compose:
                postgres = engine.postgres_image(os.environ.get("POSTGRES_IMAGE"), base)
                run_compose(engine, standin, api_url, postgres)
    except (Problem, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"PROBLEM {exc} {detail}".strip(), file=sys.stderr)
        return 1
    print("container check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
