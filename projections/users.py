"""Users: the spec's User and UserProfile (with live stats) and Address read models."""

from __future__ import annotations

import json
import uuid
from typing import Any

from domain import ids
from domain.accounts import DEFAULT_PREFERENCES, User, deep_merge
from domain.avatars import Avatar
from domain.money import to_decimal
from domain.ordering import Order
from domain.renders import Render
from projections.base import Projection, dumps, handles, iso, load_doc
from projections.store import Tx

USER_FIELDS = ("id", "email", "firstName", "lastName", "avatar", "emailVerified",
               "phoneVerified", "createdAt", "updatedAt")


def user_of(profile: dict[str, Any]) -> dict[str, Any]:
    """The spec's User: the public subset of a UserProfile."""
    return {k: profile.get(k) for k in USER_FIELDS}


class UsersProjection(Projection):
    name = "users"
    logs = ("accounts", "shop", "studio")
    tables = (
        ("rm_users", "id TEXT PRIMARY KEY, email TEXT NOT NULL, roles TEXT NOT NULL, "
                     "doc TEXT NOT NULL"),
        # What the user stats need to know of each order when it is refunded or cancelled.
        ("rm_user_orders", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL, total BIGINT NOT NULL, "
                           "paid INTEGER NOT NULL"),
        # Whose scan or render an id is, for the avatarScans / tryOnsGenerated stats.
        ("rm_user_work", "id TEXT PRIMARY KEY, user_id TEXT NOT NULL"),
    )

    # -- accounts -------------------------------------------------------------------------
    @handles(User.Registered)
    def registered(self, e: Any, tx: Tx) -> None:
        ts = iso(e.timestamp)
        doc = {
            "id": ids.encode("usr", e.originator_id), "email": e.email,
            "firstName": e.first_name, "lastName": e.last_name, "dateOfBirth": None,
            "gender": None, "phoneNumber": None, "avatar": None, "emailVerified": False,
            "phoneVerified": False, "preferences": _default_preferences(), "addresses": [],
            "stats": {"avatarScans": 0, "tryOnsGenerated": 0, "ordersPlaced": 0,
                      "totalSpent": 0.0},
            "createdAt": ts, "updatedAt": ts, "_roles": ["customer"], "_spentCents": 0,
        }
        tx.execute("INSERT INTO rm_users (id, email, roles, doc) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (id) DO NOTHING",
                   (doc["id"], e.email, "customer", dumps(doc)))

    def _update(self, tx: Tx, user_uuid: Any, change: Any, ts: Any | None = None) -> None:
        key = ids.encode("usr", user_uuid)
        doc = load_doc(tx, "rm_users", key)
        if doc is None:
            return
        change(doc)
        if ts is not None:
            doc["updatedAt"] = iso(ts)
        tx.execute("UPDATE rm_users SET doc = ?, roles = ? WHERE id = ?",
                   (dumps(doc), ",".join(doc["_roles"]), key))

    @handles(User.EmailVerified)
    def email_verified(self, e: Any, tx: Tx) -> None:
        self._update(tx, e.originator_id, lambda d: d.update(emailVerified=True), e.timestamp)

    @handles(User.ProfileUpdated)
    def profile_updated(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(e.changes)
            d["preferences"] = deep_merge(d["preferences"], e.preferences)

        self._update(tx, e.originator_id, change, e.timestamp)

    @handles(User.RoleGranted)
    def role_granted(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            if e.role not in d["_roles"]:
                d["_roles"].append(e.role)

        self._update(tx, e.originator_id, change)

    @handles(User.AddressAdded)
    def address_added(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            d["addresses"].append({"id": e.address_id, **e.fields, "isDefault": False})
            _mark_default(d, e.address_id if e.is_default else None)

        self._update(tx, e.originator_id, change, e.timestamp)

    @handles(User.AddressUpdated)
    def address_updated(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            for a in d["addresses"]:
                if a["id"] == e.address_id:
                    a.update(e.changes)
            _mark_default(d, e.default_address)

        self._update(tx, e.originator_id, change, e.timestamp)

    @handles(User.AddressRemoved)
    def address_removed(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            d["addresses"] = [a for a in d["addresses"] if a["id"] != e.address_id]
            _mark_default(d, e.default_address)

        self._update(tx, e.originator_id, change, e.timestamp)

    @handles(User.Erased)
    def erased(self, e: Any, tx: Tx) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(email=f"erased+{d['id']}@invalid", firstName="Erased", lastName="User",
                     dateOfBirth=None, gender=None, phoneNumber=None, avatar=None,
                     addresses=[], _erased=True)

        self._update(tx, e.originator_id, change, e.timestamp)
        tx.execute("UPDATE rm_users SET email = ?, roles = ? WHERE id = ?",
                   ("", "", ids.encode("usr", e.originator_id)))

    # -- shop: live stats -----------------------------------------------------------------
    def _stats(self, tx: Tx, user_uuid: Any, orders: int = 0, spent: int = 0) -> None:
        def change(d: dict[str, Any]) -> None:
            d["stats"]["ordersPlaced"] += orders
            d["_spentCents"] += spent
            d["stats"]["totalSpent"] = to_decimal(d["_spentCents"])

        self._update(tx, user_uuid, change)

    @handles(Order.Placed)
    def order_placed(self, e: Any, tx: Tx) -> None:
        tx.execute("INSERT INTO rm_user_orders (id, user_id, total, paid) VALUES (?, ?, ?, 0) "
                   "ON CONFLICT (id) DO NOTHING",
                   (str(e.originator_id), str(e.user_id), int(e.amounts["total"])))
        self._stats(tx, e.user_id, orders=1)

    def _order(self, tx: Tx, order_uuid: Any) -> tuple[str, int, int] | None:
        row = tx.one("SELECT user_id, total, paid FROM rm_user_orders WHERE id = ?",
                     (str(order_uuid),))
        return None if row is None else (str(row[0]), int(row[1]), int(row[2]))

    @handles(Order.Paid)
    def order_paid(self, e: Any, tx: Tx) -> None:
        found = self._order(tx, e.originator_id)
        if found and not found[2]:
            tx.execute("UPDATE rm_user_orders SET paid = 1 WHERE id = ?", (str(e.originator_id),))
            self._stats(tx, uuid.UUID(found[0]), spent=found[1])

    @handles(Order.Cancelled, Order.Refunded)
    def order_refunded(self, e: Any, tx: Tx) -> None:
        found = self._order(tx, e.originator_id)
        if found and found[2]:
            tx.execute("UPDATE rm_user_orders SET paid = 0 WHERE id = ?", (str(e.originator_id),))
            self._stats(tx, uuid.UUID(found[0]), spent=-found[1])


    # -- studio: live stats ---------------------------------------------------------------
    @handles(Avatar.ScanRequested, Render.Requested)
    def work_requested(self, e: Any, tx: Tx) -> None:
        tx.execute("INSERT INTO rm_user_work (id, user_id) VALUES (?, ?) "
                   "ON CONFLICT (id) DO NOTHING", (str(e.originator_id), str(e.user_id)))

    @handles(Avatar.ScanCompleted, Render.Completed)
    def work_completed(self, e: Any, tx: Tx) -> None:
        row = tx.one("SELECT user_id FROM rm_user_work WHERE id = ?", (str(e.originator_id),))
        if row is None:
            return
        stat = "avatarScans" if isinstance(e, Avatar.ScanCompleted) else "tryOnsGenerated"

        def change(d: dict[str, Any]) -> None:
            d["stats"][stat] += 1

        self._update(tx, uuid.UUID(str(row[0])), change)


def _default_preferences() -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(DEFAULT_PREFERENCES))
    return copied


def _mark_default(doc: dict[str, Any], default_id: str | None) -> None:
    if default_id is None:
        return
    for a in doc["addresses"]:
        a["isDefault"] = a["id"] == default_id


def public_profile(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}
