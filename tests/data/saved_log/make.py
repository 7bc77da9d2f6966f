"""Writes the saved log: a shop's event log in the format of commit c303e08 (before issue 16's
typed domain), and what the API answered over it, for tests/integration/test_saved_log.py.

Run once, from a checkout of the code whose format it records:
    PYTHONPATH=. .venv/bin/python tests/data/saved_log/make.py
It replaces tests/data/saved_log/{data/*.sqlite,answers.json,refs.json}. Later code must keep
loading this file and answer the same; don't regenerate it with later code.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from fastapi.testclient import TestClient  # noqa: E402

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from domain import ids  # noqa: E402
from tests.conftest import ADDRESS, PASSWORD, make_settings, shirt_body  # noqa: E402
from tests.data.saved_log.answers import READS, normalise  # noqa: E402


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    settings = make_settings("sqlite", tmp)
    container = bootstrap(settings)
    container.start_background()  # as ``tryon serve``: projections, dispatcher, embedded worker
    people: dict[str, dict[str, Any]] = {}
    with TestClient(create_app(container)) as client:
        def register(name: str, first: str, last: str) -> dict[str, Any]:
            email = f"{name}@example.com"
            r = client.post("/v1/auth/register", json={
                "email": email, "password": PASSWORD, "firstName": first, "lastName": last})
            assert r.status_code == 201, r.text
            data = r.json()["data"]
            person = {"id": data["user"]["id"], "email": email,
                      "h": {"Authorization": f"Bearer {data['tokens']['accessToken']}"},
                      "refresh": data["tokens"]["refreshToken"]}
            people[name] = person
            return person

        def ok(r: Any, *codes: int) -> dict[str, Any]:
            assert r.status_code in (codes or (200, 201, 202, 204)), r.text
            return r.json() if r.content else {}

        admin = register("admin", "Grace", "Hopper")
        admin_id = ids.decode("usr", admin["id"])
        assert admin_id is not None
        container.accounts.grant_role(admin_id, "admin")
        container.accounts.grant_role(admin_id, "auditor")
        container.accounts.grant_role(admin_id, "analyst")
        container.runner.catch_up()
        a = admin["h"]
        shirt = ok(client.post("/v1/admin/products", json=shirt_body(stock=25), headers=a))["data"]
        dress_body = shirt_body(stock=4, price="89.50")
        dress_body.update(name="Linen Summer Dress", category="dresses", subcategory="midi",
                          tags=["linen", "summer"])
        dress = ok(client.post("/v1/admin/products", json=dress_body, headers=a))["data"]
        ok(client.patch(f"/v1/admin/products/{shirt['id']}", json={"price": 44.99}, headers=a))
        variant = ok(client.post(f"/v1/admin/products/{shirt['id']}/variants", json={
            "size": "L", "color": "blue", "colorHex": "#2563EB", "stock": 10,
            "sku": "TSH-SAVED-L"}, headers=a))["data"]
        ok(client.patch(f"/v1/admin/products/{shirt['id']}/variants/{variant['id']}",
                        json={"stock": 12}, headers=a))

        ada = register("ada", "Ada", "Lovelace")
        h = ada["h"]
        r = ok(client.post("/v1/auth/login", json={"email": ada["email"], "password": PASSWORD}))
        refresh = r["data"]["tokens"]["refreshToken"]
        r = ok(client.post("/v1/auth/refresh", json={"refreshToken": refresh}))
        ok(client.patch("/v1/users/me", json={"firstName": "Augusta"}, headers=h))
        home = ok(client.post("/v1/users/me/addresses", json=ADDRESS, headers=h))["data"]
        work_address = {**ADDRESS, "street": "9 Work Rd", "apartment": None}
        work = ok(client.post("/v1/users/me/addresses", json=work_address, headers=h))["data"]
        ok(client.patch(f"/v1/users/me/addresses/{work['id']}", json={"city": "Boston"}, headers=h))
        sv, dv = shirt["variants"][0]["id"], dress["variants"][0]["id"]
        item = ok(client.post("/v1/cart/items", json={"productId": shirt["id"], "variantId": sv,
                                                     "quantity": 1}, headers=h), 201)["data"]
        line = item["items"][0]["id"]
        ok(client.patch(f"/v1/cart/items/{line}", json={"quantity": 2}, headers=h))
        ok(client.post("/v1/cart/items", json={"productId": dress["id"], "variantId": dv,
                                               "quantity": 1}, headers=h), 201)
        ok(client.put("/v1/cart/coupon", json={"couponCode": "WELCOME10"}, headers=h))
        order = ok(client.post("/v1/orders", json={"shippingMethod": "express"},
                               headers={**h, "Idempotency-Key": "saved-order-1"}), 201)["data"]
        pay = ok(client.post("/v1/payments/orders", json={"orderId": order["id"]},
                             headers={**h, "Idempotency-Key": "saved-pay-1"}), 201)["data"]
        declined = client.post(f"/v1/payments/sandbox/{pay['paymentOrderId']}/pay", json={
            "cardNumber": "4000000000000002", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"})
        assert declined.status_code >= 400, declined.text
        paid = ok(client.post(f"/v1/payments/sandbox/{pay['paymentOrderId']}/pay", json={
            "cardNumber": "4242424242424242", "expiryMonth": 12, "expiryYear": 2099, "cvc": "123"}))
        ok(client.post("/v1/payments/verify", json=paid["data"],
                       headers={**h, "Idempotency-Key": "saved-verify-1"}))
        oid = order["id"]
        ok(client.post(f"/v1/admin/orders/{oid}/confirm", headers=a))
        ok(client.post(f"/v1/admin/orders/{oid}/ship", json={"trackingNumber": "1Z999AA1234567890",
                                                              "carrier": "usps"}, headers=a))
        ok(client.post(f"/v1/admin/orders/{oid}/deliver", headers=a))
        ok(client.post(f"/v1/products/{shirt['id']}/reviews", json={
            "rating": 5, "title": "Great tee", "comment": "Soft and true to size."}, headers=h))
        # a second order, cancelled before payment: stock goes back
        ok(client.post("/v1/cart/items", json={"productId": dress["id"], "variantId": dv,
                                               "quantity": 1}, headers=h), 201)
        second = ok(client.post("/v1/orders", json={"shippingMethod": "standard",
                                                     "shippingAddressId": home["id"]},
                                headers={**h, "Idempotency-Key": "saved-order-2"}), 201)["data"]
        ok(client.post(f"/v1/orders/{second['id']}/cancel", json={"reason": "changed my mind"},
                       headers=h))
        scan = ok(client.post("/v1/avatars/scans", headers=h, json={
            "scanType": "body_measurement", "userPreferences": {"height": 172, "weight": 63}}))
        avatar_id = scan["data"]["scanId"].replace("scan_", "avatar_")
        for _ in range(240):
            got = client.get(f"/v1/avatars/scans/{scan['data']['scanId']}", headers=h).json()
            if got["data"]["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
        assert got["data"]["status"] == "completed", got
        render = ok(client.post("/v1/tryon/renders", headers={**h, "Idempotency-Key": "saved-r1"},
                                json={"avatarId": avatar_id, "productId": shirt["id"],
                                      "variantId": sv,
                                      "output": {"resolution": "720p", "quality": "low",
                                                 "format": "jpg", "background": "white"}}))
        for _ in range(480):
            got = client.get(f"/v1/tryon/renders/{render['data']['renderId']}", headers=h).json()
            if got["data"]["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
        assert got["data"]["status"] == "completed", got
        ok(client.post("/v1/closet", json={"productId": shirt["id"], "variantId": sv,
                                           "renderId": render["data"]["renderId"],
                                           "note": "for the wedding"}, headers=h), 201)

        bob = register("bob", "Bob", "Builder")
        ok(client.post("/v1/cart/items", json={"productId": shirt["id"], "variantId": sv,
                                               "quantity": 3}, headers=bob["h"]), 201)
        ok(client.post("/v1/auth/logout", json={"refreshToken": bob["refresh"]}, headers=bob["h"]))
        eve = register("eve", "Eve", "Erased")
        ok(client.post("/v1/users/me/addresses", json=ADDRESS, headers=eve["h"]))
        ok(client.request("DELETE", "/v1/users/me", json={"password": PASSWORD},
                          headers=eve["h"]), 200, 202, 204)
        container.runner.catch_up()

        refs = {"shirt": shirt["id"], "dress": dress["id"], "order": oid,
                "second": second["id"], "avatar": avatar_id,
                "render": render["data"]["renderId"]}
        answers = {name: normalise(client.get(path.format(**refs), headers=people[who]["h"]))
                   for name, (who, path) in READS.items()}
    container.close()
    (HERE / "answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    (HERE / "refs.json").write_text(json.dumps({
        "refs": refs, "people": {n: {"id": p["id"], "email": p["email"]}
                                 for n, p in people.items()}}, indent=1) + "\n")
    saved = HERE / "data"
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir()
    for path in sorted((tmp / "data").glob("*.sqlite")):
        with sqlite3.connect(path) as db:  # one self-contained file each, no -wal beside it
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with sqlite3.connect(path) as db, sqlite3.connect(saved / path.name) as out:
            db.backup(out)
    print(sorted(p.name for p in (tmp / "data").iterdir()))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
