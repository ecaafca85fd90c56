"""The free-core estimate that keeps llama.cpp's threads off cores other programs are using."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from models.cpu_load import CpuLoad

pytestmark = pytest.mark.skipif(not CpuLoad().available, reason="no /proc/stat here")


def _hog() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_busy_program_takes_a_core_from_the_count():
    load = CpuLoad(interval=0.2)
    load.start()
    cores = len(os.sched_getaffinity(0))
    hog = _hog()
    try:
        assert _wait_for(lambda: load.others() >= 0.7), load.others()
        assert load.free_cores(cores) <= max(1, cores - 1)
    finally:
        os.killpg(hog.pid, signal.SIGKILL)
        hog.wait()


def test_never_fewer_than_one_thread_and_never_more_than_configured():
    load = CpuLoad()
    assert load.free_cores(3) == 3  # not started: the configured count
    load._started = True
    load._others = 64.0
    assert load.free_cores(2) == 1
    load._others = 0.0
    assert load.free_cores(2) == min(2, len(os.sched_getaffinity(0)))
