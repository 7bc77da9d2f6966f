"""Waiting for something another process does, with a deadline and a reason when it fails."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from typing import Any


def wait_until(condition: Callable[[], Any], timeout: float, what: str,
               on_timeout: Callable[[], str] = lambda: "", every: float = 0.1) -> Any:
    """``condition()``'s first truthy value; AssertionError naming ``what`` (and whatever
    ``on_timeout`` tells, e.g. a process's log) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{on_timeout()}")


def stop_all(processes: Iterable[subprocess.Popen[Any]], timeout: float) -> None:
    """Asks every process still running to stop (SIGTERM) and waits ``timeout`` seconds for
    each; one that has not exited by then is killed."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(base: str, timeout: float) -> None:
    """Until the server at ``base`` answers ``/healthz`` with 200."""
    import httpx

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(healthy, timeout, f"{base} to answer /healthz", every=0.3)
