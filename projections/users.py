"""Users: the spec's User and UserProfile (with live stats) and Address read models."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from domain import ids
from domain.accounts import DEFAULT_PREFERENCES, Preferences, User, merge_preferences
from domain.avatars import Avatar
from domain.money import to_decimal
from domain.ordering import Order
from domain.renders import Render
from projections.base import Projection, handles, iso
from projections.session import ViewSession

USER_FIELDS = ("id", "email", "firstName", "lastName", "avatar", "emailVerified",
               "phoneVerified", "createdAt", "updatedAt")


# The spec's names of the profile and address fields and the settings that the user's events
# record.
SPEC_NAMES = {"first_name": "firstName", "last_name": "lastName", "date_of_birth": "dateOfBirth",
              "phone_number": "phoneNumber", "zip_code": "zipCode",
              "profile_visibility": "profileVisibility", "data_sharing": "dataSharing"}
V = TypeVar("V")


def spec_fields(fields: Mapping[str, V]) -> dict[str, V]:
    return {SPEC_NAMES.get(name, name): value for name, value in fields.items()}


def spec_preferences(preferences: Preferences) -> Preferences:
    return {group: spec_fields(settings) for group, settings in preferences.items()}


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
    def registered(self, e: Any, view: ViewSession) -> None:
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
        view.add("rm_users", {"id": doc["id"], "email": e.email, "roles": "customer",
                              "doc": doc})

    def _update(self, view: ViewSession, user_uuid: Any, change: Any,
                ts: Any | None = None) -> None:
        key = ids.encode("usr", user_uuid)
        doc = view.doc("rm_users", key)
        if doc is None:
            return
        change(doc)
        if ts is not None:
            doc["updatedAt"] = iso(ts)
        view.touch("rm_users", key, roles=",".join(doc["_roles"]))

    @handles(User.EmailVerified)
    def email_verified(self, e: Any, view: ViewSession) -> None:
        self._update(view, e.originator_id, lambda d: d.update(emailVerified=True), e.timestamp)

    @handles(User.ProfileUpdated)
    def profile_updated(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(spec_fields(e.changes))
            d["preferences"] = merge_preferences(d["preferences"],
                                                 spec_preferences(e.preferences))

        self._update(view, e.originator_id, change, e.timestamp)

    @handles(User.RoleGranted)
    def role_granted(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            if e.role not in d["_roles"]:
                d["_roles"].append(e.role)

        self._update(view, e.originator_id, change)

    @handles(User.AddressAdded)
    def address_added(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d["addresses"].append({"id": e.address_id, **spec_fields(e.fields),
                                   "isDefault": False})
            _mark_default(d, e.address_id if e.is_default else None)

        self._update(view, e.originator_id, change, e.timestamp)

    @handles(User.AddressUpdated)
    def address_updated(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            for a in d["addresses"]:
                if a["id"] == e.address_id:
                    a.update(spec_fields(e.changes))
            _mark_default(d, e.default_address)

        self._update(view, e.originator_id, change, e.timestamp)

    @handles(User.AddressRemoved)
    def address_removed(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d["addresses"] = [a for a in d["addresses"] if a["id"] != e.address_id]
            _mark_default(d, e.default_address)

        self._update(view, e.originator_id, change, e.timestamp)

    @handles(User.Erased)
    def erased(self, e: Any, view: ViewSession) -> None:
        def change(d: dict[str, Any]) -> None:
            d.update(email=f"erased+{d['id']}@invalid", firstName="Erased", lastName="User",
                     dateOfBirth=None, gender=None, phoneNumber=None, avatar=None,
                     addresses=[], _erased=True)

        self._update(view, e.originator_id, change, e.timestamp)
        key = ids.encode("usr", e.originator_id)
        if view.get("rm_users", key) is not None:
            view.touch("rm_users", key, email="", roles="")

    # -- shop: live stats -----------------------------------------------------------------
    def _stats(self, view: ViewSession, user_uuid: Any, orders: int = 0, spent: int = 0) -> None:
        def change(d: dict[str, Any]) -> None:
            d["stats"]["ordersPlaced"] += orders
            d["_spentCents"] += spent
            d["stats"]["totalSpent"] = to_decimal(d["_spentCents"])

        self._update(view, user_uuid, change)

    @handles(Order.Placed)
    def order_placed(self, e: Any, view: ViewSession) -> None:
        view.add("rm_user_orders", {"id": str(e.originator_id), "user_id": str(e.user_id),
                                    "total": int(e.amounts["total"]), "paid": 0})
        self._stats(view, e.user_id, orders=1)

    def _set_paid(self, view: ViewSession, order_uuid: Any, paid: bool) -> None:
        """Marks an order paid or not; a change moves its total in or out of the spend."""
        key = str(order_uuid)
        row = view.get("rm_user_orders", key)
        if row is None or bool(row["paid"]) == paid:
            return
        view.touch("rm_user_orders", key, paid=int(paid))
        total = int(row["total"])
        self._stats(view, uuid.UUID(str(row["user_id"])), spent=total if paid else -total)

    @handles(Order.Paid)
    def order_paid(self, e: Any, view: ViewSession) -> None:
        self._set_paid(view, e.originator_id, True)

    @handles(Order.Cancelled, Order.Refunded)
    def order_refunded(self, e: Any, view: ViewSession) -> None:
        self._set_paid(view, e.originator_id, False)


    # -- studio: live stats ---------------------------------------------------------------
    @handles(Avatar.ScanRequested, Render.Requested)
    def work_requested(self, e: Any, view: ViewSession) -> None:
        view.add("rm_user_work", {"id": str(e.originator_id), "user_id": str(e.user_id)})

    @handles(Avatar.ScanCompleted, Render.Completed)
    def work_completed(self, e: Any, view: ViewSession) -> None:
        row = view.get("rm_user_work", str(e.originator_id))
        if row is None:
            return
        stat = "avatarScans" if isinstance(e, Avatar.ScanCompleted) else "tryOnsGenerated"

        def change(d: dict[str, Any]) -> None:
            d["stats"][stat] += 1

        self._update(view, uuid.UUID(str(row["user_id"])), change)


def _default_preferences() -> dict[str, Any]:
    return spec_preferences(DEFAULT_PREFERENCES)


def _mark_default(doc: dict[str, Any], default_id: str | None) -> None:
    if default_id is None:
        return
    for a in doc["addresses"]:
        a["isDefault"] = a["id"] == default_id


def public_profile(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not k.startswith("_")}
