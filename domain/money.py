"""Money and quantities: the shop's two counted values.

``Money`` is an amount in a currency's minor units (cents): integers inside, so sums are exact;
decimals with at most two places outside (``to_cents`` in, ``as_json`` out). Adding, comparing
or subtracting amounts of two currencies is an error: the shop converts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar

from domain.errors import InvalidInput

Cents = int

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")
DEFAULT_CURRENCY = "USD"


def to_cents(amount: Decimal | float | int | str) -> Cents:
    """Exact conversion; more than two decimals is an error, never a silent rounding."""
    try:
        d = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not d.is_finite():
        raise ValueError("amount must be finite")
    cents = d * 100
    if cents != cents.to_integral_value():
        raise ValueError("amount has more than two decimals")
    return int(cents)


def to_decimal(cents: Cents) -> float:
    """For JSON: a number with at most two decimals (49.99, never 49.989999)."""
    return float(Decimal(cents) / 100)


def percent_of(cents: Cents, basis_points: int) -> Cents:
    """``basis_points`` / 10,000 of ``cents``, rounded half up to the cent: the shop's one
    rounding rule (tax and discounts)."""
    exact = Decimal(cents) * basis_points / 10_000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Money:
    minor_units: Cents
    currency: str

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor_units + other.minor_units, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor_units - other.minor_units, self.currency)

    def __mul__(self, quantity: Quantity) -> Money:
        return Money(self.minor_units * quantity.units, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor_units < other.minor_units

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor_units <= other.minor_units

    def __gt__(self, other: Money) -> bool:
        return other < self

    def __ge__(self, other: Money) -> bool:
        return other <= self

    def percent(self, basis_points: int) -> Money:
        """``basis_points`` / 10,000 of this amount, rounded half up to the minor unit."""
        return Money(percent_of(self.minor_units, basis_points), self.currency)

    def at_face_value_in(self, currency: str) -> Money:
        """The same number of minor units, in ``currency``. Not a conversion: the shop has no
        exchange rates, so an order charges every line at its face value in the order's
        currency, and a product whose currency is revised keeps its numbers."""
        return Money(self.minor_units, currency)

    def as_json(self) -> float:
        return to_decimal(self.minor_units)


def total(amounts: list[Money], currency: str) -> Money:
    """The sum of ``amounts`` (all in ``currency``; nothing is zero in ``currency``)."""
    result = Money.zero(currency)
    for amount in amounts:
        result += amount
    return result


@dataclass(frozen=True, order=True)
class Quantity:
    """How many units of one variant a cart or order line holds: 1 to 99."""

    MAX: ClassVar[int] = 99
    units: int

    def __post_init__(self) -> None:
        if not 1 <= self.units <= self.MAX:
            raise InvalidInput("quantity", f"Quantity must be 1..{self.MAX}", "OUT_OF_RANGE")

    def __add__(self, other: Quantity) -> Quantity:
        return Quantity(self.units + other.units)
