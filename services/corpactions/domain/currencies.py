"""ISO 4217 currencies and their minor units, from the maintenance agency's own list.

Source: ISO 4217 "List One: Currency, fund and precious metal codes", as published by
its maintenance agency (SIX Group) in XML, shipped unchanged by the `iso4217` package
(`iso4217/table.xml`, its `Pblshd` date is `PUBLISHED` below; the package is re-released
when the list changes). Every code of List One whose minor unit is a number is accepted:
currencies (ISK 0, JPY 0, USD 2, KWD 3, ...) and fund codes (CLF 4, UYW 4, ...). Codes
whose minor unit is "N.A." (gold XAU, the SDR XDR, the test code XTS, "no currency"
XXX, ...) cannot carry an amount in minor units and are not accepted.

pycountry also ships ISO 4217, but without the minor units, so it cannot serve here.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Final

import iso4217


def _minor_units() -> dict[str, int]:
    table: dict[str, int] = {}
    for code, entry in iso4217.raw_table.items():
        minor = entry.get("CcyMnrUnts")
        if code and isinstance(minor, str) and minor.isdigit():
            table[code] = int(minor)
    return dict(sorted(table.items()))


# Alphabetic code -> minor units (decimal places of the currency).
MINOR_UNITS: Final = MappingProxyType(_minor_units())
PUBLISHED: Final[dt.date] = iso4217.__published__
MAX_MINOR_UNITS: Final = max(MINOR_UNITS.values())
