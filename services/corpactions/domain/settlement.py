"""Settlement cycles per market and the dates they changed.

A cycle applies by *trade date*: a trade on T settles n sessions later, n being the
cycle in force on T. Markets are keyed by the MIC the resolution names.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Final

# (first trade date the cycle applies to, cycle in sessions), oldest first. The first
# row's date is a floor below the calendar's start, meaning "before any later switch".
Cycles = tuple[tuple[dt.date, int], ...]

_FLOOR: Final = dt.date(1990, 1, 1)

# Japan Exchange Group / JASDEC: equities moved from T+3 to T+2 for trades from
# Tuesday 2019-07-16 (2019-07-15 was Marine Day); the last T+3 trades were on 2019-07-12.
TOKYO: Final[Cycles] = ((_FLOOR, 3), (dt.date(2019, 7, 16), 2))

# SEC Rule 15c6-1: T+3 until trades of 2017-09-01; T+2 from 2017-09-05 (2017 amendment,
# 2017-09-04 was Labor Day); T+1 from 2024-05-28 (2023 amendment, 2024-05-27 was
# Memorial Day). All US exchanges switched together.
UNITED_STATES: Final[Cycles] = (
    (_FLOOR, 3),
    (dt.date(2017, 9, 5), 2),
    (dt.date(2024, 5, 28), 1),
)

# MIC (ISO 10383) -> cycles. A MIC that exchange_calendars knows but that is missing
# here is `unsupported_mic`: the core will not guess a market's settlement history.
# XASE (NYSE American), ARCX (NYSE Arca) and BATS (Cboe BZX) trade on the NYSE calendar
# (exchange_calendars aliases them to XNYS) and settle under the same SEC rule.
CYCLES_BY_MIC: Final = MappingProxyType(
    {
        "XTKS": TOKYO,
        "XNYS": UNITED_STATES,
        "XNAS": UNITED_STATES,
        "XASE": UNITED_STATES,
        "ARCX": UNITED_STATES,
        "BATS": UNITED_STATES,
    }
)


# FINRA Rule 11140(b)(2) (and the exchanges' matching rules): a distribution of 25% or
# more of the security's value goes ex on the first business day after the payable date,
# not by the settlement cycle; trades between the record date and then carry due bills.
# The markets it governs: the US MICs above.
LARGE_DISTRIBUTION_SHARE: Final = 4  # 25%: rate x 4 >= price
EX_AFTER_PAYMENT_WHEN_LARGE: Final = frozenset(
    mic for mic, cycles in CYCLES_BY_MIC.items() if cycles is UNITED_STATES
)


def cycle_on(cycles: Cycles, trade_date: dt.date) -> int:
    """Settlement cycle (sessions) in force for a trade on `trade_date`."""
    current = cycles[0][1]
    for starts, days in cycles:
        if trade_date < starts:
            break
        current = days
    return current
