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
    # 30 September 2016, 19th March, 2018
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+\d{{4}}"
    rf"|{_MONTH}\.?\s*\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:,?\s*\d{{4}}(?!\d))?"  # Sept. 18, 2018
    r"|\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}"  # 2016-11-04, 2016/11/04
    r"|\d{4}年\s?\d{1,2}月\s?\d{1,2}日)"  # 2016年11月4日
)
_HAS_YEAR: Final = re.compile(r"\d{4}")
# 10/05/2018, 9/4/2024, 15.05.2023: day first or month first, as the text is written
# (``read_date``'s ``day_first``); only the readers of the other markets look for them
NUMERIC_DATE: Final = r"(?<![\d/.])\d{1,2}[./]\d{1,2}[./]\d{4}(?![\d/])"
DATE_WIDE: Final = rf"(?:{DATE}|{NUMERIC_DATE})"
_NUMERIC: Final = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")

_NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_SCALE: Final = r"(?:\s?(?:million|billion|thousand)\b)"
_MARK_BEFORE: Final = r"(?:JPY|USD|EUR|GBP|CAD|AUD|CHF|HKD|SGD|US\$|C\$|A\$|\$|¥|€|£)"
_MARK_AFTER: Final = r"(?:\s?(?:yen|Yen|YEN|円|JPY|USD|EUR|cents?\b|dollars?\b))"
MONEY: Final = (
    rf"(?:{_MARK_BEFORE}\s?{_NUMBER}{_SCALE}?{_MARK_AFTER}?"
    rf"|{_NUMBER}{_SCALE}?{_MARK_AFTER})"
)

# The same, and the marks of the other markets: 12.5p, 2.05 pence, HK$0.07, HK4.5 cents,
# S$0.05, 0.50 Singapore cent, 9.60 euros, CHF 2.95 (read by ``read_amount`` alike)
_MARK_BEFORE_WIDE: Final = (
    r"(?:HK\$|S\$|NZ\$|A\$|C\$|US\$|JPY|USD|EUR|GBP|CAD|AUD|CHF|HKD|SGD|NZD|SFr\."
    r"|\$|¥|€|£|HK(?=\d))"
)
_MARK_AFTER_WIDE: Final = (
    r"(?:\s?(?:(?:Singapore|HK|Hong\s+Kong|Canadian|Australian|Swiss|US)\s+)?cents?\b"
    r"|p\b|\s?pence\b|\s?euros?\b|\s?francs?\b|\s?(?:yen|円|JPY|USD|EUR|CHF|GBP))"
)
# a decimal comma, as Euronext releases print it: EUR 0,08 (not a thousands separator)
_DECIMAL_COMMA: Final = r"\d{1,3},\d{1,2}(?![\d,])"
MONEY_WIDE: Final = (
    rf"(?:{_MARK_BEFORE_WIDE}\s?(?:{_DECIMAL_COMMA}|{_NUMBER}){_SCALE}?{_MARK_AFTER_WIDE}?"
    rf"|(?:{_DECIMAL_COMMA}|{_NUMBER}){_SCALE}?{_MARK_AFTER_WIDE})"
)
# The currency each market quotes in: a bare "$" or "cents" in a release of a Toronto
# issuer is the Canadian dollar's (inferred, and said in the review)
MARKET_CURRENCY: Final = {
    "XTKS": "JPY",
    "XNYS": "USD",
    "XNAS": "USD",
    "XASE": "USD",
    "XLON": "GBP",
    "XTSE": "CAD",
    "XASX": "AUD",
    "XHKG": "HKD",
    "XSES": "SGD",
    "XSWX": "CHF",
    "XPAR": "EUR",
    "XAMS": "EUR",
    "XBRU": "EUR",
    "XLIS": "EUR",
    "XETR": "EUR",
    "XFRA": "EUR",
}
# a mark that names the currency (not a bare "$" or "cents")
NAMED_CURRENCY: Final = re.compile(
    r"US\$|USD|U\.S\.|C\$|A\$|HK|S\$|NZ\$|Singapore|Canadian|Australian|[A-Z]{3}|pence|\dp\b|euro|franc|[¥€£円]|yen"
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
    "HK$": "HKD",
    "S$": "SGD",
    "NZ$": "NZD",
    "euro": "EUR",
    "franc": "CHF",
    "SFr.": "CHF",
}
_CENTS_OF: Final = (
    ("singapore", "SGD"),
    ("hk", "HKD"),
    ("hong kong", "HKD"),
    ("canadian", "CAD"),
    ("australian", "AUD"),
    ("swiss", "CHF"),
)


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
    comma = re.search(r"(?<![\d,])\d{1,3},\d{1,2}(?![\d,])", span)
    price = Price.fromstring(span, decimal_separator="," if comma else ".")
    if price.amount is None:
        return None
    figure = Decimal(price.amount)
    lowered = span.lower()
    unit = next((u for word, u in _SCALES.items() if word in lowered), 1)
    currency = _currency(price.currency, lowered)
    if re.search(r"\bcents?\b", lowered):
        of = next((code for word, code in _CENTS_OF if word in lowered), "USD")
        figure, currency = figure.scaleb(-2), of  # 4.5 cents: 0.045, 1.0 cents: 0.010
    elif re.search(r"\dp\b|\bpence\b", lowered):  # 12.5p: GBP 0.125
        figure, currency = figure.scaleb(-2), "GBP"
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


def read_date(span: str, base: dt.date | None = None, day_first: bool = True) -> ReadDate | None:
    """The date a span names; a span without its year takes the year that puts it nearest
    after ``base`` (``year_printed`` False: the caller says so in the review). A numeric
    date (10/05/2018) is read day first unless ``day_first`` is False."""
    if m := _NUMERIC.fullmatch(span.strip()):
        a, b, year = (int(g) for g in m.groups())
        day, month = (a, b) if day_first else (b, a)
        try:
            return ReadDate(dt.date(year, month, day), True, span)
        except ValueError:
            return None
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


# --- the other markets' listings ---------------------------------------------------------

_MORE_EXCHANGES: Final = (
    (r"LSE|London\s+Stock\s+Exchange|AIM", "XLON"),
    (r"TSX|Toronto\s+Stock\s+Exchange", "XTSE"),
    (r"ASX", "XASX"),
    (r"HKEX|SEHK|HKSE", "XHKG"),
    (r"SGX(?:-ST)?", "XSES"),
    (r"SIX(?:\s+Swiss\s+Exchange)?", "XSWX"),
    (r"Euronext\s+Paris", "XPAR"),
    (r"Euronext\s+Amsterdam", "XAMS"),
    (r"Euronext\s+Brussels", "XBRU"),
    (r"Euronext\s+Lisbon", "XLIS"),
    (r"Xetra|XETRA|Frankfurt\s+Stock\s+Exchange", "XETR"),
)
_MORE: Final = "|".join(f"(?P<y{i}>{p})" for i, (p, _) in enumerate(_MORE_EXCHANGES))
# "(LSE: WPP)", "(TSX-X)", "(TSX:X)", "(SIX: FI-N)", "(Euronext Brussels: FLUX)", "Xetra: CON"
MORE_LISTING: Final = re.compile(
    rf"(?<![A-Za-z])(?:{_MORE})\s*(?::|-|\s)\s*[\"“]?(?P<code>[A-Z0-9]{{1,6}}(?:[.-][A-Z0-9]{{1,2}})?)(?![\w])"
)
# Hong Kong: "(Stock Code: 327)" in a text that is Hong Kong's
HK_CODE: Final = re.compile(
    r"\((?:Stock\s+)?[Cc]ode\s*[:：]?\s*(?P<code>\d{1,5})\)|Stock\s+Code\s*[:：]\s*(?P<code2>\d{1,5})\b"
)
HONG_KONG: Final = re.compile(r"HK\$|HK\d|Hong\s+Kong|HKEX|Stock\s+Exchange\s+of\s+Hong\s+Kong")
# ASX's forms: "ASX issuer code\nBKW"
ASX_CODE: Final = re.compile(r"ASX\s+issuer\s+code\s*[:|]?\s*\n?\s*(?P<code>[A-Z0-9]{3,6})\b")
ISIN: Final = re.compile(r"\bISIN(?:\s+[Cc]ode)?\s*[:：]?\s*(?P<isin>[A-Z]{2}[A-Z0-9]{9}\d)\b")


def more_mic_of(match: re.Match[str]) -> str:
    for i, (_, mic) in enumerate(_MORE_EXCHANGES):
        if match.group(f"y{i}"):
            return mic
    raise AssertionError("MORE_LISTING matched no exchange")
