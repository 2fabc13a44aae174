"""Dates, amounts and markets as announcements print them.

The spans are found with the patterns below (what a date or an amount looks like in a
release: "Sept. 18, 2018", "March 31, 2008" glued to its label, "JPY13.50", "¥43,627
million", "8,257 million yen", "$0.46"); what a span *means* is left to maintained
libraries: ``dateparser`` reads the date (abbreviations, ordinals, a year left out,
Japanese forms) and ``price-parser`` reads the number and its currency mark (thousands
separators, "$.39"). Both work offline; this module is imported only by `corpactions
extract`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Final, NamedTuple

import dateparser
from price_parser import Price

from corpactions.domain.currencies import MINOR_UNITS

_MONTH: Final = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Months are matched case-sensitively and without a word boundary in front, so that a
# date glued to its label ("Record dateMarch 31, 2008", "payable onJune 24") is found.
DATE: Final = (
    rf"(?:\d{{1,2}}\s+{_MONTH}\.?,?\s+\d{{4}}"  # 30 September 2016
    rf"|{_MONTH}\.?\s*\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:,?\s*\d{{4}}(?!\d))?"  # Sept. 18, 2018
    r"|\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}"  # 2016-11-04, 2016/11/04
    r"|\d{4}年\s?\d{1,2}月\s?\d{1,2}日)"  # 2016年11月4日
)
_HAS_YEAR: Final = re.compile(r"\d{4}")

_NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SCALE: Final = r"(?:\s?(?:million|billion|thousand)\b)"
_MARK_BEFORE: Final = r"(?:JPY|USD|EUR|GBP|CAD|AUD|CHF|HKD|SGD|US\$|C\$|A\$|\$|¥|€|£)"
_MARK_AFTER: Final = r"(?:\s?(?:yen|Yen|YEN|円|JPY|USD|EUR|cents?\b|dollars?\b))"
MONEY: Final = (
    rf"(?:{_MARK_BEFORE}\s?{_NUMBER}{_SCALE}?{_MARK_AFTER}?"
    rf"|{_NUMBER}{_SCALE}?{_MARK_AFTER})"
)

_SCALES: Final = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# A currency mark -> ISO 4217. "$" alone is taken as USD: the markets this extractor
# knows quote in USD or JPY; "C$", "A$" say otherwise.
_MARKS: Final = {
    "$": "USD",
    "US$": "USD",
    "C$": "CAD",
    "A$": "AUD",
    "¥": "JPY",
    "yen": "JPY",
    "円": "JPY",
    "€": "EUR",
    "£": "GBP",
    "cent": "USD",
    "dollar": "USD",
}


class Amount(NamedTuple):
    """An amount as printed: the figure (in `unit`s of the currency) and its unit."""

    figure: Decimal
    unit: int  # 1, 1000, 1000000, ...
    currency: str | None
    text: str

    @property
    def value(self) -> Decimal:
        return self.figure * self.unit


def read_amount(span: str) -> Amount | None:
    """ "JPY620 million" -> 620 x 1,000,000 JPY; "7 cents" -> 0.07 USD; None if unread."""
    price = Price.fromstring(span, decimal_separator=".")
    if price.amount is None:
        return None
    figure = Decimal(price.amount)
    lowered = span.lower()
    unit = next((u for word, u in _SCALES.items() if word in lowered), 1)
    currency = _currency(price.currency, lowered)
    if re.search(r"\bcents?\b", lowered):
        figure, currency = figure / 100, "USD"
    return Amount(figure, unit, currency, span)


def _currency(mark: str | None, lowered: str) -> str | None:
    for candidate in (mark, *re.findall(r"[a-z]+|円", lowered)):
        if candidate is None:
            continue
        code = str(candidate).strip().upper()
        if code in MINOR_UNITS:
            return code
        named: str | None = _MARKS.get(candidate.strip()) or _MARKS.get(
            candidate.strip().rstrip("s")
        )
        if named:
            return named
    return None


class ReadDate(NamedTuple):
    value: dt.date
    year_printed: bool
    text: str


def read_date(span: str, base: dt.date | None = None) -> ReadDate | None:
    """The date a span names; a span without its year takes the year that puts it nearest
    after ``base`` (``year_printed`` False: the caller says so in the review)."""
    printed = bool(_HAS_YEAR.search(span))
    settings: dict[str, object] = {
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month"],
        "DATE_ORDER": "MDY",
    }
    if not printed and base is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(base, dt.time())
        settings["PREFER_DATES_FROM"] = "future"
    languages = ["ja"] if "年" in span else ["en"]
    parsed = dateparser.parse(span.replace("\n", " "), languages=languages, settings=settings)
    if parsed is None:
        return None
    return ReadDate(parsed.date(), printed, span)


# --- markets ---------------------------------------------------------------------------

_EXCHANGES: Final = (
    (r"NASDAQ|Nasdaq", "XNAS"),
    (r"NYSE\s+American|NYSE\s+MKT|AMEX", "XASE"),
    (r"NYSE", "XNYS"),
    (
        r"TSE\s?1|TSE\s+Prime(?:\s+Market)?|TSE|Tokyo\s+Stock\s+Exchange(?:\s+Prime\s+Market)?",
        "XTKS",
    ),
)
_EXCHANGE: Final = "|".join(f"(?P<x{i}>{p})" for i, (p, _) in enumerate(_EXCHANGES))
# "(NASDAQ:IIJI)", "TSE1: 3774", '(Nasdaq "MSFT" @microsoft)', "NYSE: CFI"
LISTING: Final = re.compile(
    rf"(?<![A-Za-z])(?:{_EXCHANGE})\s*(?::|\s)\s*[\"“]?(?P<code>\d{{4}}|\d{{3}}[A-Z]|[A-Z]{{1,5}}(?:\.[A-Z])?)(?![\w])"
)
# "(Securities code: 7270; Tokyo Stock Exchange Prime Market)", "Stock Exchange Code: 2760"
LOCAL_CODE: Final = re.compile(
    r"(?:Securities|Security|Stock|Stock\s+Exchange)\s+[Cc]ode\s*[:：]?\s*(?P<code>\d{4}|\d{3}[A-Z])\b"
)
TOKYO: Final = re.compile(r"Tokyo\s+Stock\s+Exchange|\bTSE\b")


def mic_of(match: re.Match[str]) -> str:
    for i, (_, mic) in enumerate(_EXCHANGES):
        if match.group(f"x{i}"):
            return mic
    raise AssertionError("LISTING matched no exchange")
