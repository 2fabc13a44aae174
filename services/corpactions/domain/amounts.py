"""Total amounts and what a printed (rounded) total says about the eligible shares.

Japanese releases print the total in millions of yen, truncated (half-up is also
seen), so 'JPY 620 million' pins the eligible share count only to a range. Eligible
shares are shares outstanding less treasury shares on the record date (treasury
shares receive nothing, Companies Act art. 453).

All range arithmetic is in integers (numerator/denominator from
`Decimal.as_integer_ratio`), so it is exact and independent of any decimal context.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from corpactions.domain.inputs import DeclaredTotalLike
from corpactions.domain.money import (
    EXACT,
    MINOR_UNITS,
    Rounding,
    decimals_as_written,
    quantize_to_currency,
)

# The rounding applied when rate x shares is brought to the currency's minor unit.
# Truncate never states more cash than rate x shares. The mode travels with the total in
# the output, so a consumer always sees which one was applied.
TOTAL_ROUNDING = Rounding.TRUNCATE


class Consistency(StrEnum):
    CONSISTENT = "consistent"  # eligible_shares lies inside the declared total's range
    INCONSISTENT = "inconsistent"  # it does not
    NOT_CHECKED = "not_checked"  # eligible_shares or declared_total unknown


class DeclaredTotal(NamedTuple):
    """A total as printed: `amount` x `unit` of currency, after `rounding`."""

    amount: Decimal
    unit: int
    rounding: Rounding


class DeclaredRange(NamedTuple):
    """What a declared total implies, bounds inclusive unless named `_exclusive`."""

    total_min: Decimal  # smallest exact total that prints as the declared amount
    total_max_exclusive: Decimal  # first total that no longer does
    eligible_shares_min: int
    eligible_shares_max: int  # < eligible_shares_min when no share count fits

    @property
    def reachable(self) -> bool:
        return self.eligible_shares_min <= self.eligible_shares_max

    def contains(self, shares: int) -> bool:
        return self.eligible_shares_min <= shares <= self.eligible_shares_max


def total_amount(
    rate: Decimal, shares: int, currency: str, rounding: Rounding = TOTAL_ROUNDING
) -> Decimal:
    """rate x shares, quantized to `currency`'s minor unit with `rounding`."""
    return quantize_to_currency(EXACT.multiply(rate, Decimal(shares)), currency, rounding)


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def declared_range(
    rate: Decimal,
    declared: DeclaredTotalLike,
    currency: str,
    total_rounding: Rounding = TOTAL_ROUNDING,
) -> DeclaredRange:
    """Eligible share counts s for which total_amount(rate, s) prints as `declared`.

    Printed P = round_decl(X / unit) == amount at amount's printed precision (step d,
    1 for "620", 0.1 for "620.5"), X the total in currency. With truncate:
    amount*unit <= X < (amount+d)*unit; with half_up: (amount-d/2)*unit <= X <
    (amount+d/2)*unit. X itself is rate*s quantized to the minor unit m with
    `total_rounding`, which moves the bounds on rate*s to multiples of m (truncate)
    or half-multiples (half_up). Requires rate > 0 and unit a power of ten.
    """
    # The amount as printed: N / 10^k, k its decimals as written ("620" -> 620/1,
    # "620.5" -> 6205/10), so the rounding step is one unit of the last printed digit.
    k = decimals_as_written(declared.amount)
    ap, aq = declared.amount.as_integer_ratio()
    n = ap * (10**k // aq)
    rp, rq = rate.as_integer_ratio()
    scale = 10 ** MINOR_UNITS[currency]  # minor units per currency unit
    u = declared.unit
    # Bounds on X in minor units, as fractions over 2 * 10^k (the 1/2 of half_up).
    if declared.rounding == Rounding.TRUNCATE:
        lo_num, hi_num = 2 * n * u * scale, (2 * n + 2) * u * scale
    else:
        lo_num, hi_num = (2 * n - 1) * u * scale, (2 * n + 1) * u * scale
    den = 2 * 10**k
    lo_m, hi_m = _ceil_div(lo_num, den), _ceil_div(hi_num, den)  # X in [lo_m, hi_m) minor
    # Bounds on rate*s, doubled to stay in integers: truncation keeps X >= lo_m iff
    # rate*s >= lo_m; half_up does iff rate*s >= lo_m - 1/2.
    half = 1 if total_rounding is Rounding.HALF_UP else 0
    x2_lo, x2_hi = 2 * lo_m - half, 2 * hi_m - half
    # s >= (x2_lo/2) / scale / rate = x2_lo * rq / (2 * scale * rp), likewise for hi.
    s_den = 2 * scale * rp
    s_min = max(0, _ceil_div(x2_lo * rq, s_den))
    s_max = _ceil_div(x2_hi * rq, s_den) - 1
    # Report the X bounds in currency units, at the currency's minor unit (exact).
    minor = MINOR_UNITS[currency]
    total_min = Decimal(max(lo_m, 0)).scaleb(-minor, EXACT)
    total_max = Decimal(hi_m).scaleb(-minor, EXACT)
    return DeclaredRange(
        total_min=total_min,
        total_max_exclusive=total_max,
        eligible_shares_min=s_min,
        eligible_shares_max=s_max,
    )
