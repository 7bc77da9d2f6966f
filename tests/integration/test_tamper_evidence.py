"""The hash chain of each log: altering, removing or reordering a stored event with raw SQL is
reported at the right position; an untouched log verifies; anchors catch a rewritten chain."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from adapters.audit.chain import heads, verify
from application.payments import payment_id_for
from projections.rebuild import rebuild_online
from tests.conftest import HOME, POSTGRES_URL
from tests.integration.test_audit_trail import point_cli_at


def shop_history(container: Any) -> None:
    """A few products, two customers, two orders (one paid): a dozen shop events."""
    shop = container.shop
    product_id, _ = shop.catalog.list_product(
        {"name": "Tee", "category": "tops", "currency": "USD"},
        1999, None, None, [{"size": "M", "stock": 10}])
    variant = next(iter(shop.catalog.product(product_id).variants))
    for n in range(2):
        user_id = uuid.uuid4()
        shop.carts.add_item(user_id, product_id, variant, 1 + n, {})
        order_id = uuid.uuid4()
        shop.ordering.place(user_id, order_id, "standard", HOME, HOME, None)
        if n == 0:
            payment_id, _ = shop.payments.create(user_id, order_id)
            assert payment_id == payment_id_for(order_id)
            shop.payments.authorize(payment_id, "txn_1", {"type": "card", "last4": "4242"})
            shop.payments.verify(user_id, payment_id, "txn_1")
    container.runner.catch_up()


class RawLog:
    """Raw SQL on one application's event table, the way a database administrator could."""

    def __init__(self, container: Any, log: str) -> None:
        s = container.settings
        self.postgres = s.uses_postgres
        if self.postgres:
            self.table = f"{s.database_schema}.{log}_events"
            self.key = "notification_id"
        else:
            self.path = s.data_dir / f"{log}-events.sqlite"
            self.table, self.key = "stored_events", "rowid"

    def _run(self, *statements: tuple[str, tuple[Any, ...]]) -> list[Any]:
        if self.postgres:
            import psycopg

            with psycopg.connect(POSTGRES_URL) as conn:
                out: list[Any] = []
                for sql, params in statements:
                    cur = conn.execute(sql.replace("?", "%s"), params)
                    out = cur.fetchall() if cur.description else out
                return out
        with sqlite3.connect(self.path) as conn:
            out = []
            for sql, params in statements:
                cursor = conn.execute(sql, params)
                out = cursor.fetchall() if cursor.description else out
            return out

    def positions(self) -> list[tuple[int, str]]:
        return [(int(r[0]), str(r[1])) for r in self._run(
            (f"SELECT {self.key}, topic FROM {self.table} ORDER BY {self.key}", ()))]

    def position_of(self, topic_end: str) -> int:
        return next(p for p, topic in self.positions() if topic.endswith(topic_end))

    def alter(self, position: int) -> None:
        (state,), = self._run((f"SELECT state FROM {self.table} WHERE {self.key} = ?",
                               (position,)))
        changed = bytes(state).replace(b'"total":', b'"total":1', 1)
        if changed == bytes(state):  # no amount in this event: one more byte will do
            changed += b" "

        self._run((f"UPDATE {self.table} SET state = ? WHERE {self.key} = ?",
                   (changed, position)))

    def delete(self, position: int) -> None:
        self._run((f"DELETE FROM {self.table} WHERE {self.key} = ?", (position,)))

    def swap(self, a: int, b: int) -> None:
        set_key = f"UPDATE {self.table} SET {self.key} = ? WHERE {self.key} = ?"
        self._run((set_key, (-1, a)), (set_key, (a, b)), (set_key, (b, -1)))


def finding(container: Any, log: str = "shop", **kwargs: Any) -> Any:
    report, = verify(container.store, container.applications, [log], **kwargs)
    return report.finding


def test_an_untouched_history_verifies_in_every_log(container: Any) -> None:
    shop_history(container)
    reports = verify(container.store, container.applications)
    assert [r.log for r in reports] == ["accounts", "shop", "studio"]
    assert all(r.ok for r in reports)
    shop = next(r for r in reports if r.log == "shop")
    assert shop.checked == len(RawLog(container, "shop").positions()) > 10
    assert shop.head == heads(container.store)["shop"]


def test_an_altered_payload_is_reported_at_its_position(container: Any) -> None:
    shop_history(container)
    raw = RawLog(container, "shop")
    placed = raw.position_of("Order.Placed")
    raw.alter(placed)
    found = finding(container)
    assert (found.position, found.kind) == (placed, "altered")


def test_a_removed_event_is_reported_at_its_position(container: Any) -> None:
    shop_history(container)
    raw = RawLog(container, "shop")
    middle = raw.positions()[len(raw.positions()) // 2][0]
    raw.delete(middle)
    found = finding(container)
    assert (found.position, found.kind) == (middle, "removed")


def test_the_removal_of_the_last_event_is_reported_too(container: Any) -> None:
    shop_history(container)
    raw = RawLog(container, "shop")
    last = raw.positions()[-1][0]
    raw.delete(last)
    found = finding(container)
    assert (found.position, found.kind) == (last, "removed")


def test_two_swapped_events_are_reported_at_the_first_of_them(container: Any) -> None:
    shop_history(container)
    raw = RawLog(container, "shop")
    a, b = raw.positions()[3][0], raw.positions()[7][0]
    raw.swap(a, b)
    found = finding(container)
    assert (found.position, found.kind) == (a, "reordered")
    assert f"shop:{b}" in found.message


def test_tampering_in_one_log_leaves_the_others_verified(container: Any) -> None:
    shop_history(container)
    RawLog(container, "shop").delete(2)
    reports = {r.log: r for r in verify(container.store, container.applications)}
    assert not reports["shop"].ok
    assert reports["accounts"].ok and reports["studio"].ok


def test_rebuilding_all_projections_does_not_rechain_a_tampered_log(
        container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.cli import main

    shop_history(container)
    raw = RawLog(container, "shop")
    placed = raw.position_of("Order.Placed")
    raw.alter(placed)
    point_cli_at(container, monkeypatch)
    assert main.main(["projections", "rebuild"]) == 0
    assert finding(container).position == placed


def test_a_rewritten_chain_still_fails_against_the_published_head(container: Any) -> None:
    shop_history(container)
    position, published = heads(container.store)["shop"]
    raw = RawLog(container, "shop")
    raw.alter(raw.position_of("Order.Placed"))
    rebuild_online(container.runner, ["audit_chain"])  # the administrator re-chains the altered log
    assert finding(container) is None  # the database alone now agrees with itself...
    found = finding(container, anchors={"shop": {position: published}})
    assert (found.kind, found.position) == ("anchor", position)  # ...the anchor does not


def test_the_cli_exits_0_on_a_clean_log_and_1_at_the_tampered_position(
        container: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli import main

    shop_history(container)
    point_cli_at(container, monkeypatch)
    assert main.main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "shop: ok" in out and "accounts: ok" in out
    assert main.main(["audit", "heads"]) == 0
    anchors = capsys.readouterr().out.split()
    assert main.main(["audit", "verify", *[f"--anchor={a}" for a in anchors]]) == 0
    raw = RawLog(container, "shop")
    placed = raw.position_of("Order.Placed")
    raw.alter(placed)
    capsys.readouterr()
    assert main.main(["audit", "verify", "--log", "shop"]) == 1
    assert f"shop: ALTERED at position {placed}" in capsys.readouterr().out


def test_the_chain_head_of_each_log_is_published_on_metrics(client: Any,
                                                            container: Any) -> None:
    shop_history(container)
    text = client.get("/metrics").text
    position, value = heads(container.store)["shop"]
    assert f'tryon_event_chain_head{{log="shop",hash="{value}"}} {position}' in text


@pytest.fixture(params=["alter", "delete", "swap"])
def tampering(request: pytest.FixtureRequest) -> Callable[[RawLog], int]:
    """One way to tamper with a log; returns the position where it shows first."""

    def alter(raw: RawLog) -> int:
        p = raw.positions()[2][0]
        raw.alter(p)
        return p

    def delete(raw: RawLog) -> int:
        p = raw.positions()[1][0]
        raw.delete(p)
        return p

    def swap(raw: RawLog) -> int:
        a, b = raw.positions()[0][0], raw.positions()[-1][0]
        raw.swap(a, b)
        return a

    return {"alter": alter, "delete": delete, "swap": swap}[str(request.param)]


def test_tampering_with_the_accounts_log_is_reported_as_well(
        container: Any, tampering: Callable[[RawLog], int]) -> None:
    for n in range(3):
        container.accounts.register(f"p{n}@example.com", "Str0ng!Pass", "Ada", "Lovelace")
    container.runner.catch_up()
    position = tampering(RawLog(container, "accounts"))
    found = finding(container, "accounts")
    assert found is not None and found.position == position
