"""Money: integer cents inside, decimals with at most two places outside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Cents = int

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")


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
    """``basis_points`` / 10,000 of ``cents``, rounded half up to the cent."""
    exact = Decimal(cents) * basis_points / 10_000
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
