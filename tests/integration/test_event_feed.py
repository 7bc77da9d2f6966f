"""The analyst feed (GET /v1/events), the export command, and the DuckDB questions of
docs/analytics.md run on a small history with known answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.audit import feed
from tests.integration import history
from tests.integration.test_audit_trail import point_cli_at

DOC = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


@pytest.fixture
def known(container: Any) -> history.History:
    return history.build(container)


def read_all(client: Any, headers: dict[str, str], limit: int,
             **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = None
    while True:
        r = client.get("/v1/events", params={"limit": limit, **params,
                                             **({"after": after} if after else {})},
                       headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        events += body["data"]
        after = body["cursor"]["next"]
        if not body["cursor"]["hasMore"]:
            return events


def stored_count(container: Any) -> int:
    """Stored events an analyst sees: all but the email index's (kept out of the feed)."""
    from eventsourcing.utils import get_topic

    from domain.accounts import EmailIndex

    index = container.accounts.recorder.select_notifications(
        start=1, limit=1_000_000, topics=[get_topic(getattr(EmailIndex, name))
                                          for name in ("Claimed", "Released", "Reclaimed")])
    return sum(app.recorder.max_notification_id() or 0
               for app in container.applications.values()) - len(index)


def test_paging_through_the_feed_yields_every_event_once_in_each_logs_commit_order(
        client: Any, people: Any, container: Any, known: history.History) -> None:
    analyst = people.with_role("analyst")
    events = read_all(client, analyst["headers"], limit=7)
    assert len(events) == stored_count(container)
    keys = [(e["log"], e["sequence"]) for e in events]
    assert len(set(keys)) == len(keys)
    for log in feed.LOGS:
        sequence = [s for lg, s in keys if lg == log]
        assert sequence == sorted(sequence)
    times = [e["occurredAt"] for e in events if e["type"] != "User.RoleGranted"]
    assert times == sorted(times)  # the controlled clock: across logs, by event time


def test_any_events_position_resumes_right_after_it(
        client: Any, people: Any, known: history.History) -> None:
    analyst = people.with_role("analyst")
    everything = read_all(client, analyst["headers"], limit=1000)
    middle = everything[20]
    r = client.get("/v1/events", params={"after": middle["position"], "limit": 5},
                   headers=analyst["headers"])
    assert [e["position"] for e in r.json()["data"]] == [
        e["position"] for e in everything[21:26]]


def test_events_committed_after_a_page_come_on_the_next_page(
        client: Any, people: Any, container: Any, known: history.History) -> None:
    analyst = people.with_role("analyst")
    first = read_all(client, analyst["headers"], limit=50)
    after = first[-1]["position"]
    container.shop.catalog.list_product({"name": "Late", "category": "tops"}, 100, None, None, [])
    r = client.get("/v1/events", params={"after": after}, headers=analyst["headers"])
    assert [e["type"] for e in r.json()["data"]] == ["Product.Listed"]


def test_the_feed_filters_by_event_type(client: Any, people: Any,
                                        known: history.History) -> None:
    analyst = people.with_role("analyst")
    events = read_all(client, analyst["headers"], limit=3,
                      types="Order.Placed,Order.Cancelled")
    assert sorted(e["type"] for e in events) == ["Order.Cancelled"] + ["Order.Placed"] * 4


def test_the_feed_carries_no_personal_data_or_secrets(
        client: Any, people: Any, known: history.History) -> None:
    analyst = people.with_role("analyst")
    text = json.dumps(read_all(client, analyst["headers"], limit=1000))
    for needle in ("ada@example.com", "Tester", "Main St", "555-0123", "argon2",
                   "passwordHash", "tokenId"):
        assert needle not in text, needle
    assert known.orders["ada-1"] and "usr_" in text


def test_only_analysts_read_the_feed(client: Any, people: Any) -> None:
    assert client.get("/v1/events").status_code == 401
    r = client.get("/v1/events", headers=people.register()["headers"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    auditor = people.with_role("auditor")
    assert client.get("/v1/events", headers=auditor["headers"]).status_code == 403


@pytest.mark.parametrize("params", [{"after": "shop:x"}, {"after": "orders:3"},
                                    {"types": "Order.Teleported"}, {"limit": 0}])
def test_a_malformed_feed_request_is_a_validation_error(
        client: Any, people: Any, params: dict[str, Any]) -> None:
    analyst = people.with_role("analyst")
    r = client.get("/v1/events", params=params, headers=analyst["headers"])
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_the_feed_is_documented_with_its_cursor(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/v1/events"]["get"]
    assert "accounts:12,shop:40,studio:3" in operation["description"]
    assert {"400", "401", "403"} <= set(operation["responses"])
    assert "/v1/audit/orders/{orderId}/events" in spec["paths"]


# -- exports --------------------------------------------------------------------------------
def run_cli(*argv: str) -> int:
    from adapters.cli import main

    return main.main(list(argv))


def test_a_jsonl_export_resumes_with_since_and_filters_by_type(
        container: Any, known: history.History, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    point_cli_at(container, monkeypatch)
    out = tmp_path / "all.jsonl"
    assert run_cli("events", "export", "--format", "jsonl", "--out", str(out)) == 0
    err = capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == stored_count(container)
    assert "100%" in err  # the progress bar ran to the end
    since = re.search(r"--since (\S+)", err).group(1)  # type: ignore[union-attr]
    assert since == rows[-1]["position"]

    container.shop.catalog.list_product({"name": "Late", "category": "tops"}, 100, None, None, [])
    more = tmp_path / "more.jsonl"
    assert run_cli("events", "export", "--out", str(more), "--since", since,
                   "--no-progress") == 0
    assert [json.loads(x)["type"] for x in more.read_text().splitlines()] == ["Product.Listed"]

    only = tmp_path / "orders.jsonl"
    assert run_cli("events", "export", "--out", str(only), "--types", "Order.Placed") == 0
    assert {json.loads(x)["type"] for x in only.read_text().splitlines()} == {"Order.Placed"}
    assert run_cli("events", "export", "--types", "Nope.Never") == 2


def test_a_parquet_export_has_one_typed_row_per_event(
        container: Any, known: history.History, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from adapters.audit.export import export

    path = tmp_path / "events.parquet"
    written, _ = export(container.applications, "parquet", path, progress=False, page_size=7)
    table = pq.read_table(path)
    assert table.num_rows == written == stored_count(container)
    assert str(table.schema.field("occurredAt").type) == "timestamp[us, tz=UTC]"
    placed = [json.loads(d) for d, t in zip(table.column("data").to_pylist(),
                                            table.column("type").to_pylist(), strict=True)
              if t == "Order.Placed"]
    assert sorted(p["amounts"]["total"] for p in placed) == sorted(known.totals.values())


# -- the questions of docs/analytics.md ------------------------------------------------------
def doc_sql(kind: str) -> dict[str, str]:
    text = DOC.read_text()
    return dict(re.findall(rf"<!-- {kind}: (\w+) -->\s*```sql\n(.*?)```", text, re.S))


@pytest.fixture(params=["parquet", "jsonl"])
def answers(request: pytest.FixtureRequest, container: Any, known: history.History,
            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[Any, ...]]]:
    import duckdb

    from adapters.audit.export import export

    fmt = str(request.param)
    monkeypatch.chdir(tmp_path)
    export(container.applications, fmt, tmp_path / f"events.{fmt}", progress=False)
    con = duckdb.connect()
    for statement in doc_sql("load")[fmt].split(";"):
        if statement.strip():
            con.execute(statement)
    return {name: con.execute(sql).fetchall() for name, sql in doc_sql("query").items()}


def test_the_doc_answers_three_questions(answers: dict[str, list[tuple[Any, ...]]]) -> None:
    assert set(answers) == {"conversion", "order_value", "scan_quality"}


def test_conversion_counts_try_ons_followed_by_a_purchase_of_that_product(
        answers: dict[str, list[tuple[Any, ...]]]) -> None:
    assert answers["conversion"] == [(4, 2, 50.0)]


def test_average_order_value_by_category_leaves_cancelled_orders_out(
        answers: dict[str, list[tuple[Any, ...]]], known: history.History) -> None:
    t = known.totals
    tops = round((t["dan-1"] + t["ada-1"] + t["cyd-1"]) / 3 / 100, 2)
    assert answers["order_value"] == [("shoes", 1, t["cyd-1"] / 100), ("tops", 3, tops)]


def test_scan_quality_is_reported_per_week(answers: dict[str, list[tuple[Any, ...]]]) -> None:
    rows = [(week.date().isoformat(), *rest) for week, *rest in answers["scan_quality"]]
    assert rows == [("2026-03-02", 4, 1, 0.7, 0.6), ("2026-03-09", 2, 0, 0.8, 0.72)]


def test_the_feed_leaves_out_the_email_index(client: Any, people: Any, container: Any,
                                             known: history.History) -> None:
    """Issue 10 row 8: an analyst could test whether an address is a customer by computing
    uuid5(email) and finding it as an EmailIndex aggregate id. New index ids are keyed
    hashes, and index events (also the unkeyed ones of old logs) are not in the feed."""
    from application.accounts import email_index_id
    from domain import ids

    ada = people.register(email="ada.index@example.com")
    analyst = people.with_role("analyst")
    events = read_all(client, analyst["headers"], limit=1000)
    assert not [e for e in events if e["type"].startswith("EmailIndex.")]
    unkeyed = str(email_index_id("ada.index@example.com"))
    assert unkeyed not in json.dumps(events)
    assert not container.accounts.exists(ids.derived("email", "ada.index@example.com"))
    assert container.accounts.user_id_for("ada.index@example.com") == ids.decode("usr",
                                                                                 ada["id"])
