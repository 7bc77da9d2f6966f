"""The API spells names in camelCase; the domain names things in its own words (snake_case).

Requests are turned into the domain's names on the way in, and a field the domain refuses is
named as the request spells it on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")

_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")

# Only these are renamed on the way out: other fields in errors (a render spec's own keys, an
# audit cursor) are already the request's.
REQUEST_FIELDS = {
    "first_name": "firstName", "last_name": "lastName", "date_of_birth": "dateOfBirth",
    "phone_number": "phoneNumber", "zip_code": "zipCode", "is_default": "isDefault",
    "current_password": "currentPassword", "product_id": "productId",
}


def domain_name(api_name: str) -> str:
    return _HUMP.sub(lambda m: "_" + m.group(1).lower(), api_name)


def in_domain_words(values: Mapping[str, V]) -> dict[str, V]:
    """A request body's fields under the domain's names."""
    return {domain_name(name): value for name, value in values.items()}


def request_field(domain_field: str) -> str:
    return REQUEST_FIELDS.get(domain_field, domain_field)
