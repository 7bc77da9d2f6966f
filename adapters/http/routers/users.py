"""The signed-in user's profile, password and addresses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from adapters.http.deps import Ctr, CurrentUser, IdempotencyKey
from adapters.http.errors import documented
from adapters.http.naming import in_domain_words
from adapters.http.requests import (
    AccountDeletion,
    AddressIn,
    AddressPatch,
    PasswordChange,
    ProfilePatch,
)
from adapters.http.responses import Address, Envelope, UserProfile
from domain import accounts, ids
from domain.errors import NotFound

router = APIRouter(prefix="/v1/users/me", tags=["users"])


def _profile(ctr: Ctr, user: CurrentUser) -> JSONResponse:
    profile = ctr.read.profile(user.public_id)
    if profile is None:
        raise NotFound("User not found")
    return JSONResponse({"success": True, "data": profile})


@router.get("", response_model=Envelope[UserProfile], responses=documented(401, 500))
def me(ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return _profile(ctr, user)


@router.patch("", response_model=Envelope[UserProfile], responses=documented(400, 401, 500))
def update_me(body: ProfilePatch, ctr: Ctr, user: CurrentUser) -> JSONResponse:
    changes: dict[str, Any] = in_domain_words(body.model_dump(
        exclude_unset=True, exclude={"preferences"}, mode="json"))
    preferences = (body.preferences.model_dump(exclude_none=True)
                   if body.preferences is not None else None)
    ctr.wait("accounts", ctr.accounts.update_profile(user.id, changes, preferences))
    return _profile(ctr, user)


@router.post("/password", status_code=204, response_class=Response,
             responses=documented(400, 401, 409, 422, 500))
def change_password(body: PasswordChange, ctr: Ctr, user: CurrentUser,
                    idempotency_key: IdempotencyKey = None) -> Response:
    ctr.wait("accounts", ctr.accounts.change_password(user.id, body.currentPassword,
                                                      body.newPassword))
    return Response(status_code=204)


@router.delete("", status_code=204, response_class=Response,
               responses=documented(400, 401, 500))
def delete_me(body: AccountDeletion, ctr: Ctr, user: CurrentUser) -> Response:
    assert ctr.erasure is not None
    ctr.wait("accounts", ctr.erasure.erase(user.id, body.password))
    return Response(status_code=204)


@router.get("/addresses", response_model=Envelope[list[Address]],
            responses=documented(401, 500))
def addresses(ctr: Ctr, user: CurrentUser) -> JSONResponse:
    return JSONResponse({"success": True, "data": ctr.read.addresses(user.public_id)})


@router.post("/addresses", status_code=201, response_model=Envelope[Address],
             responses=documented(400, 401, 409, 422, 500))
def add_address(body: AddressIn, ctr: Ctr, user: CurrentUser,
                idempotency_key: IdempotencyKey = None) -> JSONResponse:
    address_id = ids.new("addr")
    address = accounts.Address(**in_domain_words(body.model_dump(exclude={"isDefault"},
                                                         exclude_none=True)))
    ctr.wait("accounts", ctr.accounts.add_address(user.id, address_id, address, body.isDefault))
    return JSONResponse({"success": True, "data": ctr.read.address(user.public_id, address_id)},
                        status_code=201)


@router.patch("/addresses/{addressId}", response_model=Envelope[Address],
              responses=documented(400, 401, 404, 500))
def update_address(addressId: str, body: AddressPatch, ctr: Ctr,
                   user: CurrentUser) -> JSONResponse:
    changes = accounts.Address(**in_domain_words(body.model_dump(exclude_none=True,
                                                         exclude={"isDefault"})))
    ctr.wait("accounts", ctr.accounts.update_address(user.id, addressId, changes,
                                                     body.isDefault))
    return JSONResponse({"success": True, "data": ctr.read.address(user.public_id, addressId)})


@router.delete("/addresses/{addressId}", status_code=204, response_class=Response,
               responses=documented(401, 404, 500))
def remove_address(addressId: str, ctr: Ctr, user: CurrentUser) -> Response:
    ctr.wait("accounts", ctr.accounts.remove_address(user.id, addressId))
    return Response(status_code=204)
