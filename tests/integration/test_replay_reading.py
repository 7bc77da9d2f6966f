"""How a replay reads the logs: the bulk reader returns exactly what the recorders return,
paging by windows of positions skips nothing, personal-data keys are fetched in bulk without
bringing back a destroyed one, and the collector is left as it was found."""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any

from eventsourcing.persistence import Mapper
from eventsourcing.utils import get_topic

from adapters.log_reader import count_topics, read_notifications
from domain import ids
from domain.cart import Cart
from projections.carts import CartsProjection
from projections.rebuild import rebuild_online
from projections.runner import ProjectionRunner
from tests.conftest import shirt_body


def _fields(notifications: Any) -> list[tuple[Any, ...]]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state))
            for n in notifications]


def _shop_history(container: Any, client: Any, admin: dict[str, Any], people: Any) -> int:
    """A shop log that starts with many events a cart view ignores (products listed), then
    has a cart's seven events in a row."""
    made = []
    for _ in range(6):
        r = client.post("/v1/admin/products", json=shirt_body(), headers=admin["headers"])
        assert r.status_code == 201, r.text
        made.append(r.json()["data"])
    user = ids.decode("usr", people.register()["id"])
    for shirt in made:
        container.shop.carts.add_item(user, ids.decode("prod", shirt["id"]),
                                   shirt["variants"][0]["id"], 1, {})
    return int(container.shop.recorder.max_notification_id())


def test_the_bulk_reader_returns_what_the_recorder_returns(
        container: Any, client: Any, admin: dict[str, Any], people: Any) -> None:
    head = _shop_history(container, client, admin, people)
    recorder = container.shop.recorder
    topics = [get_topic(Cart.Opened), get_topic(Cart.ItemAdded)]
    for start, limit, stop, wanted in [(0, 1000, None, ()), (3, 5, None, ()),
                                       (0, 1000, head, topics), (2, 2, head - 1, topics)]:
        expected = recorder.select_notifications(start, limit, stop, wanted,
                                                 inclusive_of_start=False)
        assert _fields(read_notifications(recorder, start, limit, stop, wanted)) == \
            _fields(expected)
        assert expected  # each case reads something


def test_a_projection_of_rare_events_applies_every_one_when_paged_by_small_windows(
        container: Any, client: Any, admin: dict[str, Any], people: Any) -> None:
    head = _shop_history(container, client, admin, people)
    container.runner.stop()
    # Pages of two events; the window of positions widens over the products' events until
    # it holds more of the cart's events than a page.
    runner = ProjectionRunner(container.store, {"shop": container.shop}, [CartsProjection()],
                              batch_size=2)
    runner.setup()
    with container.store.transaction() as tx:  # the view from scratch, by pages
        tx.execute("DELETE FROM projection_tracking WHERE projection = 'carts'")
        tx.execute("DELETE FROM rm_carts")
    runner.catch_up()
    assert runner.positions()[("carts", "shop")] == head
    with container.store.transaction() as tx:
        rows = tx.all("SELECT doc FROM rm_carts")
    assert len(rows) == 1 and '"itemCount":6' in rows[0][0]


def test_warming_the_key_vault_caches_every_key_and_none_destroyed(container: Any,
                                                                    people: Any) -> None:
    subjects = [str(ids.decode("usr", people.register()["id"])) for _ in range(2)]
    vault = container.accounts.vault
    vault.destroy(subjects[1])
    vault.forget_cache()
    vault.warm()
    assert set(vault._cache) == {subjects[0]} | {s for s in vault._cache if s != subjects[0]}
    assert subjects[0] in vault._cache and subjects[1] not in vault._cache
    assert vault.key(subjects[1]) is None


def test_a_replay_leaves_the_cycle_collector_as_it_found_it(container: Any, people: Any) -> None:
    people.register()
    container.runner.stop()
    assert gc.isenabled()
    rebuild_online(container.runner)
    assert gc.isenabled()
    gc.disable()
    try:
        rebuild_online(container.runner)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_topic_counts_are_the_logs_own(container: Any, client: Any,
                                            admin: dict[str, Any], people: Any) -> None:
    _shop_history(container, client, admin, people)
    recorder = container.shop.recorder
    stored = recorder.select_notifications(0, 10_000, inclusive_of_start=False)
    counted = count_topics(recorder)
    assert counted is not None
    assert {t: c for t, (c, _) in counted.items()} == Counter(n.topic for n in stored)
    assert sum(size for _, size in counted.values()) == sum(len(n.state) for n in stored)


def test_the_mapper_decodes_every_stored_event_as_eventsourcing_does(
        container: Any, client: Any, admin: dict[str, Any], people: Any) -> None:
    _shop_history(container, client, admin, people)
    people.register()  # personal data, sealed
    for app in container.applications.values():
        mapper = app.mapper
        for n in app.recorder.select_notifications(0, 10_000, inclusive_of_start=False):
            expected = Mapper.to_domain_event(mapper, n)
            mapper.cipher_of_personal_data.open_state(n.topic, vars(expected))
            decoded = mapper.to_domain_event(n)
            assert type(decoded) is type(expected) and vars(decoded) == vars(expected)
