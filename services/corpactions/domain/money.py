"""Money: ISO 4217 minor units, named rounding modes, exact decimal arithmetic.

A float never touches an amount. Nothing here reads the ambient `decimal` context:
arithmetic goes through `EXACT` (which raises rather than round) and every quantize
names its rounding mode.
"""

from __future__ import annotations

from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
)
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from corpactions.domain import currencies

# Minor units (decimal places of the currency): ISO 4217 List One as its maintenance
# agency publishes it, every code with a numeric minor unit (currencies.py says where
# the list comes from). JPY, KRW and ISK have 0, the Gulf dinars 3, CLF and UYW 4.
MINOR_UNITS: Final = currencies.MINOR_UNITS

# A per-share rate may carry more decimals than its currency (JPY 13.50, USD 0.2875).
# Bound: ISO 20022 `ActiveCurrencyAnd13DecimalAmount` (fractionDigits 13, totalDigits
# 18), the amount type of corporate-action rates in seev.031. Counted as written, so
# "13.50" has 2 decimals: the printed digits are what the issuer published.
MAX_RATE_DECIMALS: Final = 13
MAX_TOTAL_DIGITS: Final = 18

# Exact arithmetic: 2 x 18 digits plus headroom; Inexact/Rounded trap, so a result that
# would need rounding raises instead of being silently rounded.
EXACT: Final = Context(
    prec=80,
    rounding=ROUND_HALF_UP,
    traps=[Inexact, Rounded, InvalidOperation, Overflow],
    Emax=999,
    Emin=-999,
)

# quantize() needs a context for its precision limit only; the rounding mode is always
# passed explicitly, so this context's own mode is never used. Every quantize in the
# core shares this one.
QUANTIZE: Final = Context(prec=80, traps=[InvalidOperation, Overflow], Emax=999, Emin=-999)


class Rounding(StrEnum):
    """How a total is brought to a coarser unit. Only modes issuers actually print."""

    TRUNCATE = "truncate"  # towards zero: ROUND_DOWN
    HALF_UP = "half_up"  # ties away from zero: ROUND_HALF_UP (commercial rounding)

    @property
    def decimal_mode(self) -> str:
        return _DECIMAL_MODES[self]


_DECIMAL_MODES: Final = MappingProxyType(
    {Rounding.TRUNCATE: ROUND_DOWN, Rounding.HALF_UP: ROUND_HALF_UP}
)
_MINOR_QUANTUM: Final = MappingProxyType(
    {n: Decimal(1).scaleb(-n, EXACT) for n in range(currencies.MAX_MINOR_UNITS + 1)}
)


def quantize_to_currency(amount: Decimal, currency: str, rounding: Rounding) -> Decimal:
    """`amount` brought to `currency`'s minor unit with the named rounding mode."""
    return amount.quantize(
        _MINOR_QUANTUM[MINOR_UNITS[currency]], rounding=rounding.decimal_mode, context=QUANTIZE
    )


def decimals_as_written(value: Decimal) -> int:
    """Decimal places as written: "13.50" -> 2, "1500" -> 0, "1E+3" -> 0."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "callers reject NaN and infinity before this"
    return -exponent if exponent < 0 else 0


def plain(value: Decimal) -> str:
    """Fixed-point text, never exponent notation: Decimal("1E+3") -> "1000".

    `str` gives the same text unless it uses an exponent (an exponent above zero, or a
    value below 1E-6), and is about three times as fast as `format(value, "f")`; a
    schedule writes a dozen amounts."""
    text = str(value)
    # the exponent's letter is "E" or "e", as the ambient context's `capitals` says
    return format(value, "f") if "E" in text or "e" in text else text
