"""Cart and order totals, to the cent.

total = subtotal + tax + shipping - discount, every term rounded half up on its own, so the
spec's example reproduces exactly: 49.99 with WELCOME10, standard shipping -> tax 4.00,
shipping 5.99, discount 5.00, total 54.98.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.money import Cents, percent_of

TAX_BASIS_POINTS = 800  # 8 %
SHIPPING_METHODS: dict[str, tuple[Cents, int]] = {
    # method: (price, business days to deliver)
    "standard": (5_99, 3),
    "express": (14_99, 2),
    "overnight": (29_99, 1),
}


@dataclass(frozen=True)
class Coupon:
    code: str
    basis_points: int
    expires: date | None = None
    min_subtotal: Cents = 0

    def usable_on(self, day: date, subtotal: Cents) -> bool:
        not_expired = self.expires is None or day <= self.expires
        return not_expired and subtotal >= self.min_subtotal


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
    subtotal: Cents
    tax: Cents
    shipping: Cents
    discount: Cents
    item_count: int

    @property
    def total(self) -> Cents:
        return self.subtotal + self.tax + self.shipping - self.discount


def price(
    lines: list[tuple[Cents, int]],
    coupon_basis_points: int,
    shipping_method: str,
    free_shipping_threshold: Cents | None,
) -> Totals:
    """``lines`` are (unit price, quantity). Shipping is free on standard delivery once the
    subtotal reaches the threshold; an empty cart costs nothing."""
    subtotal = sum(unit * qty for unit, qty in lines)
    count = sum(qty for _, qty in lines)
    if count == 0:
        return Totals(0, 0, 0, 0, 0)
    tax = percent_of(subtotal, TAX_BASIS_POINTS)
    discount = percent_of(subtotal, coupon_basis_points)
    shipping, _ = SHIPPING_METHODS[shipping_method]
    if (
        shipping_method == "standard"
        and free_shipping_threshold is not None
        and subtotal >= free_shipping_threshold
    ):
        shipping = 0
    return Totals(subtotal, tax, shipping, discount, count)


def estimated_delivery(placed: datetime, shipping_method: str) -> str:
    """Business days from the placement date (weekends skipped)."""
    _, days = SHIPPING_METHODS[shipping_method]
    day = placed.date()
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day.isoformat()
