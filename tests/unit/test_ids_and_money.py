"""Public ids (prefix + base62 of a UUID) and money (integer cents, at most two decimals)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import ids
from domain.money import percent_of, to_cents, to_decimal

uuids = st.uuids() | st.sampled_from([uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1)])


@given(st.sampled_from(ids.PREFIXES), uuids)
def test_every_id_decodes_back_to_its_uuid(prefix: str, value: uuid.UUID) -> None:
    public = ids.encode(prefix, value)
    assert ids.decode(prefix, public) == value


@given(st.sampled_from(ids.PREFIXES), uuids)
def test_ids_have_the_spec_format(prefix: str, value: uuid.UUID) -> None:
    assert re.fullmatch(rf"{prefix}_[a-zA-Z0-9]{{9,}}", ids.encode(prefix, value))
    assert len(ids.encode(prefix, value)) == len(prefix) + 1 + 22


@given(uuids, uuids)
def test_different_uuids_give_different_ids(a: uuid.UUID, b: uuid.UUID) -> None:
    assert (ids.encode("usr", a) == ids.encode("usr", b)) == (a == b)


def test_new_ids_are_unique_and_well_formed() -> None:
    made = {ids.new("order") for _ in range(200)}
    assert len(made) == 200
    assert all(ids.decode("order", m) is not None for m in made)


GOOD = ids.encode("prod", uuid.UUID("12345678-1234-5678-1234-567812345678"))


@pytest.mark.parametrize("bad", [
    "",
    "prod_",
    GOOD[:-1],                       # too short
    GOOD + "A",                      # too long
    GOOD[:-1] + "-",                 # not base62
    GOOD[:-1] + "é",
    "var" + GOOD[4:],                # another prefix
    "PROD" + GOOD[4:],
    "prod-" + GOOD[5:],
    " " + GOOD,
    GOOD + "\n",
    "prod_" + "z" * 22,              # more than 128 bits
    "prod_../../etc/passwd",
])
def test_malformed_ids_are_rejected(bad: str) -> None:
    assert ids.decode("prod", bad) is None


@pytest.mark.parametrize("bad", [None, 42, b"prod_0000000000000000000001", ["prod_x"]])
def test_ids_that_are_not_strings_are_rejected(bad: object) -> None:
    assert ids.decode("prod", bad) is None  # type: ignore[arg-type]


def test_a_prefix_is_not_confused_with_a_longer_one() -> None:
    item = ids.new("cart_item")
    assert ids.decode("cart", item) is None
    assert ids.decode("cart_item", item) is not None


def test_derived_ids_are_stable_and_depend_on_every_part() -> None:
    assert ids.derived("cart", "a") == ids.derived("cart", "a")
    assert ids.derived("cart", "a") != ids.derived("cart", "b")
    assert ids.derived("a", "bc") != ids.derived("ab", "c")


# -- money ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("amount", "cents"), [
    ("49.99", 4999), ("0", 0), ("0.1", 10), ("1.50", 150), ("1000000.00", 100_000_000),
    (49.99, 4999), (Decimal("75"), 7500), (12, 1200), ("1e2", 10_000), ("-3.25", -325),
])
def test_amounts_with_at_most_two_decimals_convert_exactly(amount: object, cents: int) -> None:
    assert to_cents(amount) == cents  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [
    "49.999", "0.001", "1.005", Decimal("0.125"), 0.001, "1e-3", "12.3456",
])
def test_more_than_two_decimals_is_rejected_not_rounded(amount: object) -> None:
    with pytest.raises(ValueError, match="two decimals"):
        to_cents(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", "-inf", "1,00", float("nan")])
def test_what_is_not_a_finite_amount_is_rejected(amount: object) -> None:
    with pytest.raises(ValueError):
        to_cents(amount)  # type: ignore[arg-type]


@given(st.integers(0, 10**13))
def test_cents_survive_the_trip_through_json_numbers(cents: int) -> None:
    as_json = to_decimal(cents)
    assert to_cents(as_json) == cents
    assert len(repr(as_json).split(".")[1]) <= 2


@given(st.integers(0, 10**9), st.integers(0, 10_000))
def test_a_percentage_is_rounded_half_up_to_the_cent(cents: int, basis_points: int) -> None:
    exact = Decimal(cents) * basis_points / 10_000
    got = percent_of(cents, basis_points)
    assert got - Decimal("0.5") <= exact < got + Decimal("0.5")


@pytest.mark.parametrize(("given", "cents"), [
    (49.99, 4999), (0, 0), (1000000, 100_000_000), (75.5, 7550)])
def test_money_in_requests_becomes_exact_cents(given: object, cents: int) -> None:
    from pydantic import TypeAdapter

    from adapters.http.requests import cents as to_request_cents
    from adapters.http.validation import Money

    assert to_request_cents(TypeAdapter(Money).validate_python(given)) == cents


@pytest.mark.parametrize("given", ["49.99", "1000000", True])
def test_money_given_as_text_or_a_boolean_is_refused(given: object) -> None:
    from pydantic import TypeAdapter, ValidationError

    from adapters.http.validation import Money

    with pytest.raises(ValidationError):
        TypeAdapter(Money).validate_python(given)


@pytest.mark.parametrize("given", ["49.999", 0.001, "1e-3", -1, "NaN", "Infinity", 1_000_000.01])
def test_money_in_requests_with_more_than_two_decimals_or_out_of_range_is_refused(
        given: object) -> None:
    from pydantic import TypeAdapter, ValidationError

    from adapters.http.validation import Money

    with pytest.raises(ValidationError):
        TypeAdapter(Money).validate_python(given)
