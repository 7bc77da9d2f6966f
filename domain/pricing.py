"""Cart and order totals, to the cent.

total = subtotal + tax + shipping - discount, every term rounded half up on its own, so the
spec's example reproduces exactly: 49.99 with WELCOME10, standard shipping -> tax 4.00,
shipping 5.99, discount 5.00, total 54.98.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.money import Cents, Money, Quantity, total

TAX_BASIS_POINTS = 800  # 8 %
SHIPPING_METHODS: dict[str, tuple[Cents, int]] = {
    # method: (price in minor units of the order's currency, business days to deliver)
    "standard": (5_99, 3),
    "express": (14_99, 2),
    "overnight": (29_99, 1),
}


@dataclass(frozen=True)
class Coupon:
    code: str
    basis_points: int
    expires: date | None = None
    min_subtotal: Cents = 0  # minor units of the cart's currency: coupons name no currency

    def usable_on(self, day: date, subtotal: Money) -> bool:
        not_expired = self.expires is None or day <= self.expires
        return not_expired and subtotal >= Money(self.min_subtotal, subtotal.currency)


COUPONS = {
    c.code: c
    for c in (
        Coupon("WELCOME10", 1000),
        Coupon("SAVE20", 2000, min_subtotal=100_00),
        Coupon("SUMMER2024", 1500, expires=date(2024, 9, 1)),
    )
}


@dataclass(frozen=True)
class Totals:
    subtotal: Money
    tax: Money
    shipping: Money
    discount: Money
    item_count: int

    @property
    def total(self) -> Money:
        return self.subtotal + self.tax + self.shipping - self.discount


def shipping_price(shipping_method: str, currency: str) -> Money:
    return Money(SHIPPING_METHODS[shipping_method][0], currency)


def subtotal(lines: Sequence[tuple[Money, Quantity]], currency: str) -> Money:
    """``lines`` are (unit price, quantity), all in ``currency``."""
    return total([unit * quantity for unit, quantity in lines], currency)


def price(
    lines: Sequence[tuple[Money, Quantity]],
    coupon_basis_points: int,
    shipping_method: str,
    free_shipping_threshold: Money | None,
    currency: str,
) -> Totals:
    """``lines`` are (unit price, quantity), all in ``currency``. Shipping is free on standard
    delivery once the subtotal reaches the threshold; an empty cart costs nothing."""
    goods = subtotal(lines, currency)
    count = sum(quantity.units for _, quantity in lines)
    if count == 0:
        nothing = Money.zero(currency)
        return Totals(nothing, nothing, nothing, nothing, 0)
    shipping = shipping_price(shipping_method, currency)
    if (
        shipping_method == "standard"
        and free_shipping_threshold is not None
        and goods >= free_shipping_threshold
    ):
        shipping = Money.zero(currency)
    return Totals(goods, goods.percent(TAX_BASIS_POINTS), shipping,
                  goods.percent(coupon_basis_points), count)


def estimated_delivery(placed: datetime, shipping_method: str) -> str:
    """Business days from the placement date (weekends skipped)."""
    _, days = SHIPPING_METHODS[shipping_method]
    day = placed.date()
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day.isoformat()
