"""The signed-in user's profile, password and addresses."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from adapters.http.deps import (
    AccountsService,
    CurrentUser,
    ErasureService,
    IdempotencyKey,
    Projections,
    ShopReads,
)
from adapters.http.errors import documented
from adapters.http.naming import in_domain_words
from adapters.http.requests import (
    AccountDeletion,
    AddressIn,
    AddressPatch,
    PasswordChange,
    ProfilePatch,
    postal_address,
)
from adapters.http.responses import Address, Envelope, UserProfile
from adapters.http.routing import api_router
from domain import ids
from domain.errors import NotFound
from projections.queries import ReadModels

router = api_router("profile", prefix="/v1/users/me", tags=["users"])


def _profile(read: ReadModels, user: CurrentUser) -> Envelope[UserProfile]:
    profile = read.profile(user.public_id)
    if profile is None:
        raise NotFound("User not found")
    return Envelope[UserProfile].of(profile)


@router.get("", name="get", responses=documented(401, 500))
def me(read: ShopReads, user: CurrentUser) -> Envelope[UserProfile]:
    return _profile(read, user)


@router.patch("", name="update", responses=documented(400, 401, 500))
def update_me(body: ProfilePatch, accounts: AccountsService, projections: Projections,
              read: ShopReads, user: CurrentUser) -> Envelope[UserProfile]:
    changes: dict[str, Any] = in_domain_words(body.model_dump(
        exclude_unset=True, exclude={"preferences"}, mode="json"))
    preferences = None if body.preferences is None else {
        group: in_domain_words(settings)
        for group, settings in body.preferences.model_dump(exclude_none=True).items()}
    projections.wait_for("accounts", accounts.update_profile(user.id, changes, preferences))
    return _profile(read, user)


@router.post("/password", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 422, 500))
def change_password(body: PasswordChange, accounts: AccountsService, projections: Projections,
                    user: CurrentUser, idempotency_key: IdempotencyKey = None) -> Response:
    projections.wait_for("accounts", accounts.change_password(user.id, body.currentPassword,
                                                              body.newPassword))
    return Response(status_code=204)


@router.delete("", name="delete", status_code=204, response_class=Response,
               responses=documented(400, 401, 500))
def delete_me(body: AccountDeletion, erasure: ErasureService, projections: Projections,
              user: CurrentUser) -> Response:
    projections.wait_for("accounts", erasure.erase(user.id, body.password))
    return Response(status_code=204)


@router.get("/addresses", name="list_addresses", responses=documented(401, 500))
def addresses(read: ShopReads, user: CurrentUser) -> Envelope[list[Address]]:
    return Envelope[list[Address]].of(read.addresses(user.public_id))


@router.post("/addresses", status_code=201, responses=documented(400, 401, 409, 422, 500))
def add_address(body: AddressIn, accounts: AccountsService, projections: Projections,
                read: ShopReads, user: CurrentUser,
                idempotency_key: IdempotencyKey = None) -> Envelope[Address]:
    address_id = ids.new("addr")
    projections.wait_for("accounts", accounts.add_address(user.id, address_id,
                                                          postal_address(body), body.isDefault))
    return Envelope[Address].of(read.address(user.public_id, address_id))


@router.patch("/addresses/{addressId}", responses=documented(400, 401, 404, 500))
def update_address(addressId: str, body: AddressPatch, accounts: AccountsService,
                   projections: Projections, read: ShopReads,
                   user: CurrentUser) -> Envelope[Address]:
    projections.wait_for("accounts", accounts.update_address(user.id, addressId,
                                                             postal_address(body),
                                                             body.isDefault))
    return Envelope[Address].of(read.address(user.public_id, addressId))


@router.delete("/addresses/{addressId}", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def remove_address(addressId: str, accounts: AccountsService, projections: Projections,
                   user: CurrentUser) -> Response:
    projections.wait_for("accounts", accounts.remove_address(user.id, addressId))
    return Response(status_code=204)
