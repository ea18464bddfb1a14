"""The container engine as bench/container.py uses it: the docker CLI, compose, and the
images it makes where no registry is reachable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench.checks import Problem

DEFAULT_BASE = "panelbot-base:bookworm"
DEFAULT_POSTGRES = "panelbot-bench-postgres:15"
BASE_PACKAGES = "python3,python3-venv,ca-certificates"
POSTGRES_CONTEXT = Path(__file__).resolve().parent / "postgres"
# The gateway of the default route, from the kernel's routing table (hex, little-endian).
_READ_GATEWAY = (
    "import socket, struct\n"
    "for line in open('/proc/net/route').readlines()[1:]:\n"
    "    f = line.split()\n"
    "    if f[1] == '00000000':\n"
    "        print(socket.inet_ntoa(struct.pack('<L', int(f[2], 16))))\n"
    "        break\n"
)


class Engine:
    def __init__(self, docker: str) -> None:
        self.cli = docker
        # Values of --env NAME flags: in the child's environment, never on a command line.
        self._env: dict[str, str] = {}

    def docker(
        self, *args: str, check: bool = True, extra_env: Mapping[str, str] | None = None
    ) -> str:
        env = {**os.environ, **self._env, **(extra_env or {})}
        done = subprocess.run(
            [self.cli, *args], capture_output=True, text=True, env=env, check=False
        )
        if check and done.returncode != 0:
            raise Problem(f"`docker {' '.join(args[:3])} …` failed: {done.stderr.strip()[-800:]}")
        return done.stdout.strip()

    def env_args(self, env: Mapping[str, str]) -> list[str]:
        self._env.update(env)
        return [arg for name in env for arg in ("--env", name)]

    def require(self) -> None:
        if shutil.which(self.cli) is None:
            raise Problem(f"no `{self.cli}` client on PATH")
        version = self.docker("version", "--format", "{{.Server.Version}}", check=False)
        if not version:
            raise Problem("the container engine does not answer (`docker version`): start it")
        print(f"engine {version}, client {self.cli}")

    def has_image(self, image: str) -> bool:
        return bool(self.docker("image", "inspect", image, "--format", "{{.Id}}", check=False))

    def base_image(self, given: str | None) -> str:
        """The Python base: `given`, or one made from Debian packages with debootstrap."""
        if given or self.has_image(DEFAULT_BASE):
            return given or DEFAULT_BASE
        if shutil.which("debootstrap") is None or os.geteuid() != 0:
            raise Problem("no BASE_IMAGE given, and making one needs root and debootstrap")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="panelbot-rootfs-") as rootfs:
            subprocess.run(
                ["debootstrap", "--variant=minbase", f"--include={BASE_PACKAGES}", "bookworm",
                 rootfs],
                check=True, capture_output=True,
            )  # fmt: skip
            tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
            subprocess.run(
                [self.cli, "import", "--change", 'CMD ["python3"]', "-", DEFAULT_BASE],
                stdin=tar.stdout, check=True, capture_output=True,
            )  # fmt: skip
            tar.wait()
        print(f"made {DEFAULT_BASE} with debootstrap in {time.monotonic() - started:.0f} s")
        return DEFAULT_BASE

    def postgres_image(self, given: str | None, base: str) -> str:
        if given or self.has_image(DEFAULT_POSTGRES):
            return given or DEFAULT_POSTGRES
        self._build(POSTGRES_CONTEXT, DEFAULT_POSTGRES, {"BASE_IMAGE": base}, [])
        return DEFAULT_POSTGRES

    def build(self, context: Path, image: str, base: str) -> float:
        """Panelbot's image, with this machine's package index and CA bundle, if any."""
        started = time.monotonic()
        args = {"BASE_IMAGE": base}
        index = os.environ.get("PIP_INDEX_URL") or _pip_config("global.index-url")
        if index and not index.startswith("file:"):
            args["PIP_INDEX_URL"] = index
        cert = os.environ.get("PIP_CERT") or _pip_config("global.cert")
        secrets = ["--secret", f"id=pip_ca,src={cert}"] if cert else []
        self._build(context, image, args, secrets)
        return time.monotonic() - started

    def _build(self, context: Path, image: str, args: dict[str, str], extra: list[str]) -> None:
        # Host networking: an engine without NAT (iptables off) gives bridge containers,
        # build steps included, no route to the package index.
        flags = [f for name, value in args.items() for f in ("--build-arg", f"{name}={value}")]
        try:
            self.docker(
                "build", "--network", "host", *flags, *extra, "--tag", image, str(context),
                extra_env={"DOCKER_BUILDKIT": "1"},
            )  # fmt: skip
        except Problem as exc:
            if "buildx" in str(exc):
                raise Problem(
                    "the Dockerfile needs BuildKit: install the buildx plugin, or set DOCKER "
                    "to a client with BuildKit built in"
                ) from exc
            raise

    def run_once(
        self,
        image: str,
        command: list[str],
        *,
        env: Mapping[str, str] | None = None,
        volume: str | None = None,
    ) -> str:
        mount = ["--volume", volume] if volume else []
        return self.docker("run", "--rm", *mount, *self.env_args(env or {}), image, *command)

    def inspect(self, container: str) -> dict[str, Any]:
        data: list[dict[str, Any]] = json.loads(self.docker("inspect", container))
        return data[0]

    def wait_healthy(self, container: str, within: float) -> float:
        """Seconds until the HEALTHCHECK says healthy."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            state = self.inspect(container)["State"]
            health = state.get("Health", {}).get("Status")
            if health == "healthy":
                return time.monotonic() - started
            if health == "unhealthy" or not state["Running"]:
                break
            time.sleep(0.5)
        logs = self.docker("logs", "--tail", "20", container, check=False)
        raise Problem(f"{container} is not healthy ({health}) after {within} s; logs:\n{logs}")

    def published_port(self, container: str, port: int) -> int:
        return int(self.docker("port", container, f"{port}/tcp").splitlines()[0].rsplit(":")[-1])

    def stop(self, container: str, grace: int) -> tuple[float, int]:
        """SIGTERM, SIGKILL after `grace` seconds: how long it took, and the exit code."""
        started = time.monotonic()
        self.docker("stop", "--time", str(grace), container)
        seconds = time.monotonic() - started
        return seconds, int(self.inspect(container)["State"]["ExitCode"])

    def bridge_gateway(self, image: str) -> str:
        """The host's address as a container on the default bridge sees it (its default
        route), which containers on compose's networks can reach too."""
        gateway = self.run_once(image, ["python", "-c", _READ_GATEWAY])
        if not gateway:
            raise Problem("a container on the default bridge has no default route")
        return gateway

    def compose(self, folder: Path, project: str) -> Callable[..., str]:
        """A function running compose in `folder` (its compose.yaml and .env) as `project`."""
        plugin = self.docker("compose", "version", check=False)
        command = [self.cli, "compose"] if plugin else [shutil.which("docker-compose") or ""]
        if not command[0]:
            raise Problem("neither `docker compose` nor docker-compose is installed")

        def run(*args: str, check: bool = True) -> str:
            done = subprocess.run(
                [*command, "--project-name", project, "--file", "compose.yaml", *args],
                cwd=folder, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if check and done.returncode != 0:
                raise Problem(f"`compose {' '.join(args)}` failed: {done.stderr.strip()[-1500:]}")
            return done.stdout

        return run


def _pip_config(name: str) -> str | None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", name], capture_output=True, text=True
    )
    return done.stdout.strip() or None if done.returncode == 0 else None
