"""The projections' row cache: rows stay cached between batches only while no one else writes
the projection, a failed batch leaves nothing half-applied behind, and a replay into fresh
tables reads nothing back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain import ids
from domain.cart import Cart
from projections.carts import CartsProjection
from projections.rebuild import rebuild_online
from projections.runner import ProjectionRunner
from projections.session import TableShape
from tests.conftest import shirt_body

_ADDED = Cart.ItemAdded


def _user(people: Any) -> Any:
    return ids.decode("usr", people.register()["id"])


@pytest.fixture
def products(client: Any, admin: dict[str, Any]) -> list[dict[str, Any]]:
    """Three products: adding each appends a line to a cart (a change that depends on the
    cart as it was, which a stale cached cart would get wrong)."""
    made = []
    for _ in range(3):
        r = client.post("/v1/admin/products", json=shirt_body(), headers=admin["headers"])
        assert r.status_code == 201, r.text
        made.append(r.json()["data"])
    return made


def _add(container: Any, user_id: Any, shirt: dict[str, Any]) -> int:
    _, position = container.shop.carts.add_item(
        user_id, ids.decode("prod", shirt["id"]), shirt["variants"][0]["id"], 1, {})
    return int(position)


def _cart_items(runner: ProjectionRunner, user_id: Any) -> int:
    """The units in the user's cart as its stored view counts them."""
    with runner.store.transaction() as tx:
        row = tx.one("SELECT doc FROM rm_carts WHERE user_id = ?", (ids.encode("usr", user_id),))
    return 0 if row is None else int(json.loads(row[0])["itemCount"])


def _runner(container: Any) -> ProjectionRunner:
    runner = ProjectionRunner(container.store, {"shop": container.shop}, [CartsProjection()])
    runner.setup()
    return runner


def test_two_runners_taking_turns_on_one_projection_never_lose_each_others_rows(
        container: Any, people: Any, products: list[dict[str, Any]]) -> None:
    container.runner.stop()
    first, second = _runner(container), _runner(container)
    ada = _user(people)
    _add(container, ada, products[0])
    first.catch_up()  # caches ada's cart with one line
    _add(container, ada, products[1])
    second.catch_up()  # two lines in the table; first's cached cart is now stale
    _add(container, ada, products[2])
    first.catch_up()  # must not write its stale one-line cart back with the third line
    assert _cart_items(first, ada) == 3


def test_a_failed_batch_leaves_no_half_applied_rows_in_the_cache(
        container: Any, people: Any, products: list[dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    container.runner.stop()
    runner = _runner(container)
    ada = _user(people)
    _add(container, ada, products[0])
    runner.catch_up()
    original = CartsProjection._handlers[_ADDED]
    calls: list[int] = []

    def fails_after_changing(self: Any, e: Any, view: Any) -> None:
        original(self, e, view)  # the cached cart now has the item...
        calls.append(1)
        raise RuntimeError("the projection failed half way")  # ...and the batch rolls back

    monkeypatch.setitem(CartsProjection._handlers, _ADDED, fails_after_changing)
    _add(container, ada, products[1])
    with pytest.raises(RuntimeError):
        runner.catch_up()
    monkeypatch.setitem(CartsProjection._handlers, _ADDED, original)
    runner.catch_up()
    assert calls and _cart_items(runner, ada) == 2  # not 3: the failed change was dropped


def test_a_rebuild_reads_no_row_back_from_its_fresh_tables(
        container: Any, people: Any, shirt: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    container.runner.stop()
    for _ in range(3):
        user = _user(people)
        _add(container, user, shirt)
        _add(container, user, shirt)
    runner = _runner(container)
    runner.catch_up()
    before = runner.store
    reads: list[str] = []
    from projections import session

    real_get = session.ViewSession.get

    def counted(self: Any, table: str, key: Any) -> Any:
        if key not in self.cache.rows[table] and not (
                self.cache.complete and key not in self.cache.stored[table]):
            reads.append(table)
        return real_get(self, table, key)

    monkeypatch.setattr(session.ViewSession, "get", counted)
    rebuild_online(runner)
    assert runner.store is before and reads == []
    assert _cart_items(runner, user) == 2


@pytest.mark.parametrize(("definition", "columns", "key"), [
    ("id TEXT PRIMARY KEY, doc TEXT NOT NULL", ("id", "doc"), ("id",)),
    ("order_id TEXT NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (order_id, position)",
     ("order_id", "position"), ("order_id", "position")),
    ("id TEXT PRIMARY KEY, price NUMERIC(10, 2) NOT NULL", ("id", "price"), ("id",)),
])
def test_a_table_shape_is_read_from_its_column_definitions(
        definition: str, columns: tuple[str, ...], key: tuple[str, ...]) -> None:
    shape = TableShape.parse("t", definition)
    assert (shape.columns, shape.key) == (columns, key)
