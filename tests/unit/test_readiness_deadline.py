"""``/readyz`` answers within its 2 s promise even while a dependency hangs: a check that has
not answered by the deadline is reported ``timeout``, and the broker's check says
"connecting" at once instead of waiting on a connection another thread is making."""

from __future__ import annotations

import threading
import time
from typing import Any

from adapters.bus.nats import NatsCommandBus
from adapters.http.readiness import CHECK_DEADLINE_S, Readiness


def test_a_hanging_check_is_reported_as_timeout_by_the_deadline() -> None:
    release = threading.Event()

    def hangs() -> tuple[bool, Any]:
        release.wait(10)
        return True, {"status": "ok"}

    readiness = Readiness({"eventStore": lambda: (True, {"status": "ok"}), "broker": hangs})
    try:
        started = time.monotonic()
        ready, parts = readiness.report()
        took = time.monotonic() - started
    finally:
        release.set()
        readiness.close()
    assert not ready
    assert parts["broker"]["status"] == "timeout"
    assert parts["eventStore"] == {"status": "ok"}
    assert took < CHECK_DEADLINE_S + 0.5


def test_the_broker_check_says_connecting_at_once_while_another_thread_connects() -> None:
    bus = NatsCommandBus("nats://127.0.0.1:9")  # nothing is contacted: the lock is held
    bus._connecting.acquire()  # another thread is connecting (to a broker that is down)
    raised: list[BaseException] = []

    def check() -> None:
        try:
            bus.health()
        except BaseException as exc:  # noqa: BLE001 (what it raised is the assertion)
            raised.append(exc)

    checking = threading.Thread(target=check, daemon=True)
    try:
        checking.start()
        checking.join(0.5)  # waiting on the lock would outlast this
        assert not checking.is_alive(), "the broker's check waited on the connection"
    finally:
        bus._connecting.release()
    assert len(raised) == 1 and isinstance(raised[0], ConnectionError)
    assert "connecting" in str(raised[0])


def test_once_connected_the_broker_check_does_not_wait_on_the_connection_lock() -> None:
    """Readiness runs the broker and workers checks at once: the one that found the lock
    held for a moment must not report "connecting" when the connection is made."""
    from types import SimpleNamespace

    bus = NatsCommandBus("nats://127.0.0.1:9")
    bus._loop = SimpleNamespace()  # type: ignore[assignment]  # connected: a loop exists
    bus._nc = SimpleNamespace(is_connected=False)  # and it is reconnecting
    bus._connecting.acquire()  # another check passes through the lock
    try:
        try:
            bus.health()
        except ConnectionError as exc:
            assert "reconnecting" in str(exc)  # its own state, not "connecting"
        else:
            raise AssertionError("a broker that is reconnecting was reported healthy")
    finally:
        bus._connecting.release()
