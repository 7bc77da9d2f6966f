"""The in-process projection wait as a group commit: requests whose events are already applied
return at once, concurrent requests all read their own writes, and one batch goes to every
projection of a log in one transaction without letting a broken projection hold the others."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest

from domain import ids
from projections.base import Projection
from projections.carts import CartsProjection
from projections.runner import ProjectionRunner


def _user(people: Any) -> Any:
    return ids.decode("usr", people.register()["id"])


def _add(container: Any, user_id: Any, shirt: dict[str, Any]) -> int:
    _, position = container.shop.carts.add_item(
        user_id, ids.decode("prod", shirt["id"]), shirt["variants"][0]["id"], 1, {})
    return int(position)


def test_a_wait_for_an_applied_position_does_not_catch_up_again(
        container: Any, people: Any, shirt: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ada, bob = _user(people), _user(people)
    position = _add(container, ada, shirt)
    container.wait("shop", position)
    calls: list[int] = []

    def counted() -> int:
        calls.append(1)
        return 0

    monkeypatch.setattr(container.runner, "_catch_up_all", counted)
    container.wait("shop", position)
    assert calls == []
    container.wait("shop", _add(container, bob, shirt))
    assert calls == [1]


def test_concurrent_requests_each_read_their_own_cart_after_the_wait(
        container: Any, people: Any, shirt: dict[str, Any]) -> None:
    users = [_user(people) for _ in range(12)]
    start = threading.Barrier(len(users))
    seen: dict[Any, int] = {}
    failures: list[BaseException] = []

    def request(user_id: Any) -> None:
        try:
            start.wait()
            container.wait("shop", _add(container, user_id, shirt))
            cart = container.read.cart(ids.encode("usr", user_id))
            seen[user_id] = 0 if cart is None else len(cart["items"])
        except BaseException as exc:  # reported below, with the thread's own error
            failures.append(exc)

    threads = [threading.Thread(target=request, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert seen == {u: 1 for u in users}


class _Broken(Projection):
    name: ClassVar[str] = "broken"
    logs: ClassVar[tuple[str, ...]] = ("shop",)
    tables: ClassVar[tuple[tuple[str, str], ...]] = ()

    def apply_batch(self, log: str, batch: Any, tx: Any) -> None:
        raise RuntimeError("this projection is broken")


def test_a_broken_projection_does_not_hold_back_the_others_of_its_log(
        container: Any, people: Any, shirt: dict[str, Any]) -> None:
    runner = ProjectionRunner(container.store, {"shop": container.shop},
                              [CartsProjection(), _Broken()])
    runner.setup()
    head = _add(container, _user(people), shirt)
    with pytest.raises(RuntimeError, match="broken"):
        runner.catch_up()
    positions = runner.positions()
    assert positions[("carts", "shop")] == head
    assert positions[("broken", "shop")] == 0
