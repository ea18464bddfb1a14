"""Runs deploy/nginx.conf and deploy/Caddyfile, as shipped apart from names, ports and a
throw-away certificate, in front of a real `panelbot run` (HTTP mode, SQLite, the Slack
stand-in), and checks that Slack-signed requests get through over TLS untouched while the
inside endpoints do not.

    python -m bench.proxy                 # both proxies; each must be installed
    python -m bench.proxy --proxies nginx

Any failure prints PROBLEM and exits 1.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.checks import SIGNING_SECRET, USER, Problem, check, signed_requests
from tests.slack.driver import SlackDriver
from tests.slack.standin import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
HOST = "panelbot.example.com"
NGINX_MAIN = """pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{}}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    include {dir}/site.conf;
}}
"""
CADDY_GLOBAL = "{{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system {dir}\n}}\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, trusted by this process's HTTPS clients."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    os.environ["SSL_CERT_FILE"] = str(cert)
    return cert, key


def wait_until(answers: Callable[[], bool], what: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if answers():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise Problem(f"{what} did not come up within {within} s")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def running(command: list[str], env: dict[str, str] | None = None) -> Iterator[None]:
    process = subprocess.Popen(
        command, env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.returncode not in (0, -15) and process.stderr:
            print(process.stderr.read()[-2000:], file=sys.stderr)


@contextmanager
def panelbot(standin: SlackStandIn, folder: Path) -> Iterator[int]:
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": standin.token or "",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{folder / 'panelbot.db'}",
        "PORT": str(port),
        "LOG_FORMAT": "text",
    }
    with running([sys.executable, "-m", "bot", "run"], env):
        wait_until(lambda: status_of(f"http://127.0.0.1:{port}/healthz") == 200, "panelbot")
        yield port


def nginx(folder: Path, bot_port: int, cert: Path, key: Path) -> tuple[list[str], int]:
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for shipped, here in (
        (f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key)),
        (HOST, "localhost"),
        ("127.0.0.1:3000", f"127.0.0.1:{bot_port}"),
        ("443", str(port)),
        ("listen 80;", f"listen {free_port()};"),
        ("listen [::]:80;", ""),
    ):
        site = site.replace(shipped, here)
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(dir=folder))
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    subprocess.run([*command[:-2], "-t"], check=True, capture_output=True)
    return command, port


def caddy(folder: Path, bot_port: int, cert: Path, key: Path) -> tuple[list[str], int]:
    port = free_port()
    site = (ROOT / "deploy" / "Caddyfile").read_text()
    site = site.replace(f"{HOST} {{", f"https://localhost:{port} {{\n\ttls {cert} {key}")
    site = site.replace("127.0.0.1:3000", f"127.0.0.1:{bot_port}")
    config = folder / "Caddyfile"
    config.write_text(CADDY_GLOBAL.format(dir=folder) + site)
    subprocess.run(
        ["caddy", "validate", "--config", str(config), "--adapter", "caddyfile"],
        check=True, capture_output=True,
    )  # fmt: skip
    return ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"], port


PROXIES = {"nginx": nginx, "caddy": caddy}


def through(name: str, standin: SlackStandIn, bot_port: int, folder: Path) -> None:
    print(f"== {name}: deploy/{'nginx.conf' if name == 'nginx' else 'Caddyfile'}")
    cert, key = certificate(folder)
    command, port = PROXIES[name](folder, bot_port, cert, key)
    base = f"https://localhost:{port}"
    with running(command, {"HOME": str(folder), "XDG_DATA_HOME": str(folder)}):
        wait_until(lambda: status_of(f"{base}/metrics") > 0, name)
        signed_requests(SlackDriver(base, SIGNING_SECRET, standin))
        for path in ("/metrics", "/readyz", "/healthz"):
            code = status_of(base + path)
            check(code == 404, f"GET {path} through {name}: {code} (kept inside)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proxies", default="nginx,caddy", help="comma-separated")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="panelbot-proxy-") as tmp, SlackStandIn() as slack:
            os.chmod(tmp, 0o755)  # nginx's workers run as another user
            slack.add_user(USER, "bench")
            with panelbot(slack, Path(tmp)) as bot_port:
                for name in args.proxies.split(","):
                    folder = Path(tmp) / name
                    folder.mkdir()
                    through(name, slack, bot_port, folder)
    except (Problem, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        print(f"PROBLEM {exc} {detail}".strip(), file=sys.stderr)
        return 1
    print("proxy check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
