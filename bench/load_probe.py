"""What bench/load.py reads from /proc about the servers under test: the CPU their worker
processes spent (so the figures are the bot's, not the stand-in's or the load generator's,
which share this process), their resident memory, and how long a worker forked to replace
one takes to answer."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def workers_of(master: int) -> list[int]:
    """gunicorn's worker processes: the children of its master (the arbiter)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def _stat(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the fields after "(comm)"


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue  # gone: a worker replaced mid-measure loses its share, not the run
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / TICK


def own_cpu_seconds() -> float:
    """This process: the stand-in's threads and the load generator."""
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class Memory:
    """A process's memory in MB. RSS counts every page it maps that is in memory, including
    those it shares with gunicorn's master and the other workers (the modules the master
    imported before the fork); PSS divides each shared page by the number of processes
    sharing it (the workers' PSS add up to what they cost together); USS is its own pages
    alone, what stopping it would give back."""

    rss: float
    pss: float
    uss: float


def memory_mb(pid: int) -> Memory:
    fields: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value = line.split(":", 1)
            fields[name] = int(value.split()[0])  # kB
    except OSError:
        return Memory(float("nan"), float("nan"), float("nan"))
    uss = fields["Private_Clean"] + fields["Private_Dirty"]
    return Memory(fields["Rss"] / 1024, fields["Pss"] / 1024, uss / 1024)


def started_at(pid: int) -> float:
    """When the process was forked, in CLOCK_BOOTTIME seconds."""
    return int(_stat(pid)[19]) / TICK  # starttime (field 22), ticks since boot


@dataclass
class CpuMeter:
    """CPU spent by a server's workers and by this process between start() and stop()."""

    master: int
    workers: float = 0.0
    here: float = 0.0

    def start(self) -> CpuMeter:
        self._pids = workers_of(self.master)
        self._workers = cpu_seconds(self._pids)
        self._here = own_cpu_seconds()
        return self

    def stop(self, settle: float = 0.5) -> CpuMeter:
        """`settle`: wait for work a worker does after its ack (deliveries) to end first."""
        time.sleep(settle)
        self.workers = cpu_seconds(self._pids) - self._workers
        self.here = own_cpu_seconds() - self._here
        return self


def ready_after_fork(master: int, answered: Callable[[], bool], timeout: float = 30.0) -> float:
    """Kill one worker and time its replacement from its fork to its first answer (gunicorn
    forks it at once; a worker only accepts once its app is built). `answered()` sends one
    request and says whether it was answered. With one worker every request must wait for
    the new one; with more, the others may answer, so measure with one."""
    old = workers_of(master)
    os.kill(old[0], signal.SIGKILL)
    deadline = time.monotonic() + timeout
    new: list[int] = []
    while not new and time.monotonic() < deadline:
        new = [pid for pid in workers_of(master) if pid not in old]
        time.sleep(0.005)
    if not new:
        return float("nan")
    while time.monotonic() < deadline:
        if answered():
            return time.clock_gettime(time.CLOCK_BOOTTIME) - started_at(new[0])
        time.sleep(0.01)
    return float("nan")
