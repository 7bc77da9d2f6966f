"""Cart and order totals: every term to the cent, rounded half up on its own."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import pricing
from domain.errors import InvalidInput
from domain.money import Money, Quantity
from domain.pricing import COUPONS, SHIPPING_METHODS, TAX_BASIS_POINTS, Totals

lines = st.lists(st.tuples(st.integers(1, 100_000), st.integers(1, 99)), min_size=1, max_size=8)
coupon_basis_points = st.sampled_from([0, *(c.basis_points for c in COUPONS.values())])
methods = st.sampled_from(sorted(SHIPPING_METHODS))
thresholds = st.none() | st.integers(0, 10_000_000)


def price(cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None,
          currency: str = "EUR") -> Totals:
    """``pricing.price`` of (cents, units) lines in ``currency``."""
    return pricing.price([(Money(unit, currency), Quantity(units)) for unit, units in cart], bp,
                         method, None if threshold is None else Money(threshold, currency),
                         currency)


def half_up(cents: int, basis_points: int) -> int:
    """An independent reference: basis_points / 10,000 of cents, .5 rounded up, in integers."""
    return (cents * basis_points * 2 + 10_000) // 20_000


@given(lines, coupon_basis_points, methods, thresholds)
def test_the_total_is_subtotal_plus_tax_plus_shipping_minus_discount_to_the_cent(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    assert t.total.currency == "EUR"
    assert t.total.minor_units == (t.subtotal.minor_units + t.tax.minor_units
                                   + t.shipping.minor_units - t.discount.minor_units)


@given(lines, coupon_basis_points, methods, thresholds)
def test_every_term_is_computed_on_its_own_and_rounded_half_up(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    subtotal = sum(unit * qty for unit, qty in cart)
    free = method == "standard" and threshold is not None and subtotal >= threshold
    assert t.subtotal == Money(subtotal, "EUR")
    assert t.tax == Money(half_up(subtotal, TAX_BASIS_POINTS), "EUR")
    assert t.discount == Money(half_up(subtotal, bp), "EUR")
    assert t.shipping == Money(0 if free else SHIPPING_METHODS[method][0], "EUR")
    assert t.item_count == sum(qty for _, qty in cart)
    assert t.total.minor_units == (subtotal + half_up(subtotal, TAX_BASIS_POINTS)
                                   + t.shipping.minor_units - t.discount.minor_units)


@given(lines, coupon_basis_points, methods, thresholds)
def test_no_term_and_no_total_is_ever_negative(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    assert min(t.subtotal, t.tax, t.shipping, t.discount, t.total) >= Money.zero("EUR")
    assert t.discount <= t.subtotal


def test_the_spec_example_gives_400_599_500_and_5498() -> None:
    t = price([(49_99, 1)], COUPONS["WELCOME10"].basis_points, "standard", 75_00, "USD")
    assert (t.subtotal, t.tax, t.shipping, t.discount, t.total) == tuple(
        Money(cents, "USD") for cents in (49_99, 4_00, 5_99, 5_00, 54_98))


def test_half_a_cent_rounds_up_not_to_even() -> None:
    # 10 % of 25 cents is 2.5 cents: half up gives 3 (banker's rounding would give 2).
    assert price([(25, 1)], 1000, "express", None).discount.minor_units == 3
    assert price([(5, 1)], 1000, "express", None).discount.minor_units == 1
    # 15 % of 10 cents is 1.5 cents.
    assert price([(10, 1)], 1500, "express", None).discount.minor_units == 2


def test_standard_shipping_is_free_from_the_threshold_and_only_standard() -> None:
    assert price([(75_00, 1)], 0, "standard", 75_00).shipping.minor_units == 0
    assert price([(74_99, 1)], 0, "standard", 75_00).shipping.minor_units == 5_99
    assert price([(75_00, 1)], 0, "express", 75_00).shipping.minor_units == 14_99
    assert price([(75_00, 1)], 0, "overnight", 75_00).shipping.minor_units == 29_99


def test_an_empty_cart_costs_nothing() -> None:
    t = price([], 1000, "overnight", None)
    assert (t.subtotal, t.tax, t.shipping, t.discount, t.total) == (Money.zero("EUR"),) * 5
    assert t.item_count == 0


def test_delivery_estimates_skip_weekends() -> None:
    friday = datetime(2024, 5, 3, 12)
    assert pricing.estimated_delivery(friday, "overnight") == "2024-05-06"
    assert pricing.estimated_delivery(friday, "standard") == "2024-05-08"


def test_money_of_two_currencies_does_not_mix() -> None:
    with pytest.raises(ValueError):
        Money(1_00, "USD") + Money(1_00, "EUR")
    with pytest.raises(ValueError):
        assert Money(1_00, "USD") < Money(2_00, "EUR")
    with pytest.raises(ValueError):
        pricing.price([(Money(1_00, "USD"), Quantity(1))], 0, "standard", None, "EUR")
    assert Money(1_00, "USD").at_face_value_in("EUR") + Money(1_00, "EUR") == Money(2_00, "EUR")


@given(st.integers(-5, 200))
def test_a_quantity_is_one_to_ninety_nine(units: int) -> None:
    if 1 <= units <= 99:
        assert Quantity(units).units == units
    else:
        with pytest.raises(InvalidInput):
            Quantity(units)


def test_a_coupon_minimum_is_read_in_the_carts_currency() -> None:
    save20 = COUPONS["SAVE20"]
    day = datetime(2024, 5, 3).date()
    assert save20.usable_on(day, Money(100_00, "GBP"))
    assert not save20.usable_on(day, Money(99_99, "GBP"))
