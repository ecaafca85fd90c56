"""How many cores other programs keep busy right now, so llama.cpp uses only the free ones.

An agent's laptop is never idle. llama.cpp splits each step of a token over its threads and waits
for the slowest at a barrier, hundreds of times per token; when one of its threads has to share a
core with another busy program, every barrier waits for that core's time slice, and generation
collapses (65 tokens/s to about 1 on two cores with one CPU hog). One thread fewer loses a fraction
of the speed instead. So before each generation `LocalLLM` asks `free_cores()` and runs with
`min(configured threads, cores not busy with other programs)`, at least one.

The estimate: a daemon thread reads `/proc/stat` (all CPU time) and `/proc/self/stat` (this
process's) every `INTERVAL` seconds; busy time that isn't ours, over the last interval, in cores.
Where `/proc` doesn't exist (macOS, Windows) nothing is measured and the configured count is used.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

INTERVAL = 0.5
BUSY_CORE = 0.5
"""A core counts as taken when other programs kept it at least this busy over the interval."""

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _total_busy_seconds() -> float | None:
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    # guest time is already counted in user/nice
    return (sum(values[:8]) - idle) / _TICKS


def _own_busy_seconds() -> float:
    times = os.times()
    return times.user + times.system


class CpuLoad:
    """Samples the machine's busy time in the background; `others()` is in cores."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self._interval = interval
        self._others = 0.0
        self._lock = threading.Lock()
        self._started = False

    @property
    def available(self) -> bool:
        return _total_busy_seconds() is not None

    def start(self) -> None:
        with self._lock:
            if self._started or not self.available:
                return
            self._started = True
        threading.Thread(target=self._run, name="assist-cpu-load", daemon=True).start()

    def _run(self) -> None:
        last = (time.monotonic(), _total_busy_seconds() or 0.0, _own_busy_seconds())
        while True:
            time.sleep(self._interval)
            now = (time.monotonic(), _total_busy_seconds() or 0.0, _own_busy_seconds())
            elapsed = now[0] - last[0]
            if elapsed > 0:
                others = max(0.0, (now[1] - last[1]) - (now[2] - last[2])) / elapsed
                with self._lock:
                    self._others = others
            last = now

    def others(self) -> float:
        """Cores kept busy by other programs over the last interval (0 before the first sample)."""
        with self._lock:
            return self._others

    def free_cores(self, configured: int) -> int:
        """`configured`, less the cores other programs keep busy; at least 1."""
        if not self._started:
            return configured
        taken = int(self.others() + (1 - BUSY_CORE))
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, min(configured, (cores or configured) - taken))


MACHINE = CpuLoad()
"""One sampler per process."""
