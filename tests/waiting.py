"""Waiting for something another process does, with a deadline and a reason when it fails."""

from __future__ import annotations

import time
from collections.abc import Callable
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
