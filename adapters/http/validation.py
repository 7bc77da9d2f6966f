"""Input rules of the spec that more than one request model uses."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

PASSWORD_SPECIALS = "@$!%*?&"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# ISO 3166-1 alpha-2, officially assigned codes.
COUNTRIES = frozenset({
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX",
    "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK",
    "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR",
    "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS",
    "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN",
    "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV",
    "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ",
    "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI",
    "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC",
    "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR",
    "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
})


def _password(value: str) -> str:
    missing = []
    if not re.search(r"[A-Z]", value):
        missing.append("an uppercase letter")
    if not re.search(r"[a-z]", value):
        missing.append("a lowercase letter")
    if not re.search(r"\d", value):
        missing.append("a digit")
    if not any(c in PASSWORD_SPECIALS for c in value):
        missing.append(f"one of {PASSWORD_SPECIALS}")
    if missing:
        raise ValueError("Password must contain " + ", ".join(missing))
    return value


def _phone(value: str) -> str:
    """E.164, written with or without separators: '+1-555-0123' is stored as '+15550123'."""
    compact = re.sub(r"[\s\-().]", "", value)
    if not E164.match(compact):
        raise ValueError("Phone number must be in international E.164 format, e.g. +15550123")
    return compact


def _country(value: str) -> str:
    if value not in COUNTRIES:
        raise ValueError("Country must be an ISO 3166-1 alpha-2 code, e.g. US")
    return value


def _birth_date(value: date) -> date:
    if not date(1900, 1, 1) <= value <= date.today():
        # A well-formed date outside the range: OUT_OF_RANGE, not a format error.
        raise PydanticCustomError("less_than_equal",
                                  "Date of birth must be between 1900-01-01 and today")
    return value


def _json_number(value: object) -> object:
    """Money is a JSON number: strict models refuse the strings and booleans that a lax
    Decimal would take."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    return value


def _whole_number(value: object) -> object:
    """A JSON integer; 2.0 is one too (JSON Schema says so), but "2", true and 2.5 are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_date(value: object) -> object:
    """A date is an ISO 8601 string (a lax date would also take a Unix timestamp)."""
    if not isinstance(value, str | date):
        raise PydanticCustomError("date_type", "Input should be a date string (YYYY-MM-DD)")
    return value


# The schema states the same rule as _password (lookaheads: one of each class).
Password = Annotated[str, Field(min_length=8, max_length=128, json_schema_extra={
    "pattern": r"^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)(?=.*[@$!%*?&])[^\x00]{8,128}$"}),
    AfterValidator(_password)]
# The schema says what the validators enforce (E.164 once separators are dropped; the codes).
_SEP = r"[\s\-().]*"
Phone = Annotated[str, Field(min_length=2, max_length=24,
                             json_schema_extra={"pattern": rf"^{_SEP}\+{_SEP}[1-9](?:{_SEP}\d)"
                                                           rf"{{1,14}}{_SEP}$"}),
                  AfterValidator(_phone)]
Country = Annotated[str, Field(min_length=2, max_length=2,
                               json_schema_extra={"enum": sorted(COUNTRIES)}),
                    AfterValidator(_country)]
# After the constraints in an Annotated[int, Field(...), WholeNumber] (so that the schema keeps
# them as minimum / maximum).
WholeNumber = BeforeValidator(_whole_number)
# Request models are strict (no "2" for 2, no true for 1); dates and money arrive as JSON text
# and numbers, so these two take the conversion they need and nothing else.
BirthDate = Annotated[date, Field(strict=False), BeforeValidator(_json_date),
                      AfterValidator(_birth_date)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Money = Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2, allow_inf_nan=False,
                                 strict=False),
                  BeforeValidator(_json_number),
                  WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1_000_000,
                                  "multipleOf": 0.01})]


def _id_of(prefix: str) -> StringConstraints:
    return StringConstraints(pattern=rf"^{prefix}_[a-zA-Z0-9]{{9,}}$", max_length=64)


ProductId = Annotated[str, _id_of("prod")]
VariantId = Annotated[str, _id_of("var")]
OrderId = Annotated[str, _id_of("order")]
PaymentId = Annotated[str, _id_of("pay")]
AddressId = Annotated[str, _id_of("addr")]
TransactionId = Annotated[str, _id_of("txn")]
