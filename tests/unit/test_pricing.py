"""Cart and order totals: every term to the cent, rounded half up on its own."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from domain import pricing
from domain.pricing import COUPONS, SHIPPING_METHODS, TAX_BASIS_POINTS, price

lines = st.lists(st.tuples(st.integers(1, 100_000), st.integers(1, 99)), min_size=1, max_size=8)
coupon_basis_points = st.sampled_from([0, *(c.basis_points for c in COUPONS.values())])
methods = st.sampled_from(sorted(SHIPPING_METHODS))
thresholds = st.none() | st.integers(0, 10_000_000)


def half_up(cents: int, basis_points: int) -> int:
    """An independent reference: basis_points / 10,000 of cents, .5 rounded up, in integers."""
    return (cents * basis_points * 2 + 10_000) // 20_000


@given(lines, coupon_basis_points, methods, thresholds)
def test_the_total_is_subtotal_plus_tax_plus_shipping_minus_discount_to_the_cent(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    assert isinstance(t.total, int)
    assert t.total == t.subtotal + t.tax + t.shipping - t.discount


@given(lines, coupon_basis_points, methods, thresholds)
def test_every_term_is_computed_on_its_own_and_rounded_half_up(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    subtotal = sum(unit * qty for unit, qty in cart)
    free = method == "standard" and threshold is not None and subtotal >= threshold
    assert t.subtotal == subtotal
    assert t.tax == half_up(subtotal, TAX_BASIS_POINTS)
    assert t.discount == half_up(subtotal, bp)
    assert t.shipping == (0 if free else SHIPPING_METHODS[method][0])
    assert t.item_count == sum(qty for _, qty in cart)
    assert t.total == subtotal + half_up(subtotal, TAX_BASIS_POINTS) + t.shipping - t.discount


@given(lines, coupon_basis_points, methods, thresholds)
def test_no_term_and_no_total_is_ever_negative(
        cart: list[tuple[int, int]], bp: int, method: str, threshold: int | None) -> None:
    t = price(cart, bp, method, threshold)
    assert min(t.subtotal, t.tax, t.shipping, t.discount, t.total) >= 0
    assert t.discount <= t.subtotal


def test_the_spec_example_gives_400_599_500_and_5498() -> None:
    t = price([(49_99, 1)], COUPONS["WELCOME10"].basis_points, "standard", 75_00)
    assert (t.subtotal, t.tax, t.shipping, t.discount, t.total) == (49_99, 4_00, 5_99, 5_00,
                                                                      54_98)


def test_half_a_cent_rounds_up_not_to_even() -> None:
    # 10 % of 25 cents is 2.5 cents: half up gives 3 (banker's rounding would give 2).
    assert price([(25, 1)], 1000, "express", None).discount == 3
    assert price([(5, 1)], 1000, "express", None).discount == 1
    # 15 % of 10 cents is 1.5 cents.
    assert price([(10, 1)], 1500, "express", None).discount == 2


def test_standard_shipping_is_free_from_the_threshold_and_only_standard() -> None:
    assert price([(75_00, 1)], 0, "standard", 75_00).shipping == 0
    assert price([(74_99, 1)], 0, "standard", 75_00).shipping == 5_99
    assert price([(75_00, 1)], 0, "express", 75_00).shipping == 14_99
    assert price([(75_00, 1)], 0, "overnight", 75_00).shipping == 29_99


def test_an_empty_cart_costs_nothing() -> None:
    t = price([], 1000, "overnight", None)
    assert (t.subtotal, t.tax, t.shipping, t.discount, t.total, t.item_count) == (0,) * 6


def test_delivery_estimates_skip_weekends() -> None:
    friday = datetime(2024, 5, 3, 12)
    assert pricing.estimated_delivery(friday, "overnight") == "2024-05-06"
    assert pricing.estimated_delivery(friday, "standard") == "2024-05-08"
