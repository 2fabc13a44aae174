"""What an announcement says, field by field, with where each value was read.

Two shapes of text are read:

- **Tables** (Japanese releases, TSE's template): rows "Record date", "Dividend per
  share", "Amount of dividend", "Date of payment"/"Effective date", "Resource/Source of
  dividend", each with one cell per column: the resolved dividend, the latest forecast,
  the same dividend a year earlier. Tables arrive flattened (cells on separate lines,
  separated by ``|``, run together on one line, or glued without spaces), so a row is read
  as its label followed by the cells that the value patterns find, in order, whatever
  separates them. The columns are told apart by what they hold, not by their headers
  (which flattening interleaves): the prior year's record date is earlier; the forecast
  has no total and no payment date; the resolved column has both.
- **Prose** (US releases and filings): "declared a quarterly cash dividend of $0.39 per
  share, payable on ... to shareholders of record at the close of business on ...".
  Each dividend takes the record and payment dates that follow it in its paragraph
  ("Both of these payments will be made on ..." serves two); a dividend without a record
  date in its paragraph (one already paid, or a plan) is not a resolution.

Every value carries the text it came from; a value inferred rather than read carries
the reason, which becomes a review item.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Generic, TypeVar

from corpactions.announcements.values import (
    DATE,
    LISTING,
    LOCAL_CODE,
    MONEY,
    TOKYO,
    Amount,
    mic_of,
    read_amount,
    read_date,
)
from corpactions.domain import DividendType, SourceOfFunds

T = TypeVar("T")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A value and the text it was read from; ``inferred`` says why it was not read."""

    value: T
    text: str
    inferred: str | None = None


@dataclass
class Dividend:
    """One dividend the text resolves (or declares)."""

    dividend_type: Found[DividendType]
    amount: Found[Amount]
    record_date: Found[dt.date]
    payment_date: Found[dt.date] | None = None
    declared_total: Found[Amount] | None = None
    source_of_funds: Found[SourceOfFunds] | None = None
    forecast: tuple[Decimal, Found[dt.date]] | None = None
    resolved_on: Found[dt.date] | None = None
    position: int = 0
    # read by the other markets' readers (releases.py)
    book_closure: tuple[Found[dt.date], Found[dt.date]] | None = None
    stated_ex_date: Found[dt.date] | None = None
    stated_last_cum_date: Found[dt.date] | None = None
    fiscal_hint: Found[dt.date] | None = None  # a year end derived, not printed
    notes: list[tuple[str, str, object, str]] = field(default_factory=list)  # review items


@dataclass(frozen=True)
class ForecastReading:
    dividend_type: DividendType
    amount: Amount
    record_date: dt.date | None
    text: str


@dataclass(frozen=True)
class Listing:
    mic: str
    code: str
    text: str


@dataclass(frozen=True)
class Conflict:
    field: str
    values: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass
class Reading:
    dividends: list[Dividend] = field(default_factory=list)
    forecasts: list[ForecastReading] = field(default_factory=list)
    resolved_on: Found[dt.date] | None = None
    issuer: Found[str] | None = None
    listings: list[Listing] = field(default_factory=list)
    fiscal_year_ends: list[Found[dt.date]] = field(default_factory=list)
    subject_to_approval: Found[bool] | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    year_hint: int | None = None
    isin: Found[str] | None = None


# --- the text ----------------------------------------------------------------------------


def normalize(text: str) -> str:
    """NFKC (full-width digits, ￥ and － become their ASCII forms), spaces collapsed per
    line, curly quotes kept."""
    text = unicodedata.normalize("NFKC", text.lstrip("\ufeff"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))


def paragraphs(text: str) -> list[tuple[int, str]]:
    """Paragraphs with their offsets: lines, with hard-wrapped lines joined (a line that
    does not end a sentence, followed by one that starts in lower case)."""
    out: list[tuple[int, str]] = []
    start = 0
    current = ""
    pos = 0
    for line in text.split("\n"):
        if current and not re.search(r"[.!?:)\"”|]$", current) and re.match(r"[a-z$]", line):
            current += " " + line
        else:
            if current:
                out.append((start, current))
            start, current = pos, line
        pos += len(line) + 1
    if current:
        out.append((start, current))
    return [(s, p) for s, p in out if p.strip()]


# --- patterns ----------------------------------------------------------------------------

_DATE: Final = re.compile(DATE)
_MONEY: Final = re.compile(MONEY)
_TYPES: Final = (  # the first that a window names wins
    (re.compile(r"(?i:special|extra(?:ordinary)?|one-time|commemorative)"), DividendType.SPECIAL),
    (re.compile(r"(?i:quarterly)"), DividendType.QUARTERLY),
    (
        re.compile(r"(?i:interim|end\s+of\s+(?:the\s+)?(?:2nd|second)\s+quarter)"),
        DividendType.INTERIM,
    ),
    (re.compile(r"(?i:year[-\s]end(?!ing|ed)|final\s+dividend)"), DividendType.YEAR_END),
    (re.compile(r"(?i:regular)"), DividendType.REGULAR),
)
_ANY_TYPE: Final = re.compile(
    r"(?i:special|quarterly|interim|year[-\s]end(?!ing|ed)|final\s+dividend)"
)
_SOURCES: Final = (
    (
        re.compile(r"(?i:retained\s+earnings|earned\s+surplus|利益剰余金)"),
        SourceOfFunds.RETAINED_EARNINGS,
    ),
    (
        re.compile(
            r"(?i:(?:other\s+)?capital\s+(?:surplus|reserve)|資本剰余金|return\s+of\s+capital)"
        ),
        SourceOfFunds.CAPITAL_SURPLUS,
    ),
)
_SOURCE: Final = "|".join(f"(?:{p.pattern})" for p, _ in _SOURCES)

_LABELS: Final = {
    "record": r"record\s*date|date\s+of\s+record",
    "rate": r"dividends?\s+per\s+(?:common\s+)?shar(?:e\b)?",
    "total": r"total\s+amount\s+of\s+dividends?|total\s+dividends?\s+(?:amount|paid)|"
    r"total\s+dividends?|amount\s+of\s+dividends?",
    "payment": r"date\s+of\s+payment|effective\s+date|payment\s+(?:start\s+)?date|date\s+payable",
    "source": r"resource\s+of\s+dividends?|source\s+of\s+dividends?(?:\s+payment)?|"
    r"dividend\s+resource|dividend\s+payment\s+fund|source\s+of\s+funds?",
}
_LABEL: Final = re.compile(
    "|".join(f"(?P<{name}>(?i:{pattern}))" for name, pattern in _LABELS.items())
)
_CELL: Final = re.compile(
    rf"(?P<date>{DATE})|(?P<money>{MONEY})|(?P<same>(?i:same\s+as\s+(?:on\s+the\s+)?left))"
    rf"|(?P<source>{_SOURCE})|(?P<empty>-{{1,2}}|―|—|–)"
)

# a dividend already paid ("which was paid on", "we paid", "the pre-split quarterly
# dividend of $0.60 per share paid in the preceding quarter") is history, not a resolution
_PAST: Final = re.compile(
    r"(?i:\b(?:was|were|been|we)\s+paid\b|already\s+paid|per\s+share\s+paid\b"
    r"|paid\s+in\s+the\s+(?:preceding|previous|prior|last)\b)"
)
_PROSE_DIVIDEND: Final = re.compile(
    rf"(?:dividends?|distribution)(?:\s+payments?)?\s+(?:of|in\s+the\s+amount\s+of)\s+"
    rf"(?P<amount>{MONEY})\s+(?:per|a)\s+(?:common\s+)?(?:share|ADS)"
    rf"|(?P<amount2>{MONEY})\s+per\s+(?:common\s+)?share\s+(?:[\w-]+\s+){{0,2}}?(?:cash\s+)?dividend"
    rf"|\bpay\s+(?:a\s+)?(?P<amount3>{MONEY})\s+per\s+(?:common\s+)?share\s+as\s+"
)
_RECORD: Final = re.compile(
    rf"of\s+record\b[^.;]{{0,60}}?(?P<d>{DATE})|(?i:record\s+date)\s+(?:of\s+|is\s+|will\s+be\s+|:\s*)?(?P<d2>{DATE})"
)
_PAYMENT: Final = re.compile(
    rf"(?i:payable|to\s+be\s+paid|will\s+be\s+paid|be\s+made|paid)\s+(?:on\s*)?(?P<about>(?i:or\s+about\s+))?(?P<d>{DATE})"
    rf"|(?i:payment\s+date)\s+(?:of\s+|is\s+|will\s+be\s+|:\s*)?(?P<d2>{DATE})"
)
# the board's meeting, not the general meeting's: "Board of Directors meeting held on",
# "at a meeting held on", "meeting of the Board of Directors held on"
_HELD_ON: Final = re.compile(
    rf"(?i:board\s+of\s+directors(?:'s)?\s+meeting|at\s+a\s+meeting|the\s+board\s+of\s+directors)"
    rf"\s+(?i:held\s+on)\s+(?P<d>{DATE})"
)
_ON_DATE: Final = re.compile(
    rf"\b[Oo]n\s+(?P<d>{DATE}),?\s+(?:we|our|its|the\s+[Cc]ompany|the\s+[Bb]oard|[Tt]he\s+[A-Z]\w+)\b"
)
# the release's own date: on a line of its own or after the city ("TOKYO, Nov. 04, 2016",
# "REDMOND, Wash., June 13, 2023 /PRNewswire/"), not any date near the top (a payment date)
_DATELINE: Final = re.compile(
    rf"^(?:[A-Z][A-Za-z.' ]{{0,30}},\s*(?:[A-Z][A-Za-z.]{{0,10}},\s*)?)?(?P<d>{DATE})"
    rf"(?=\s*(?:$|,\s*\d|\(|/|--|-\s))",
    re.M,
)
_TODAY: Final = re.compile(
    r"(?i:\btoday\b|\bon\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)"
)
_FISCAL_END: Final = re.compile(
    rf"(?<![Hh]alf\s)(?<![Hh]alf-)(?i:year)\s+(?i:ending|ended|end)\s+(?:on\s+)?(?P<d>{DATE})"
    rf"|(?i:fiscal\s+year)\s*\(?(?P<d2>{DATE})"
)
_DISCLOSED: Final = re.compile(
    rf"(?i:disclosed|released|announced)\s*(?:(?i:on))?\s*:?\s*\(?\s*(?P<d>{DATE})"
)
_APPROVAL: Final = re.compile(
    r"(?i:subject\s+to\s+(?:the\s+)?approval\s+(?:of|by|at)\s+[^.]{0,100}?"
    r"(?:general\s+meeting|shareholders|AGM)"
    r"|(?:submitted|proposed|put|resolved)\s+(?:to|at)\s+[^.]{0,80}?general\s+meeting"
    r"|submit\s+a\s+proposal\s+to\s+[^.]{0,80}?general\s+meeting)"
)
_COMPANY_NAME: Final = re.compile(
    r"Company\s+name\s*[:：]\s*(?P<name>[^\n]+?)\s*(?:Representative|$)", re.M
)
_SUFFIXED: Final = re.compile(
    r"(?P<name>[A-Z][\w&'’.-]*(?:[ ,]+[A-Z][\w&'’.-]*){0,6}?,?\s+"
    r"(?:Inc\.|Incorporated|Corp\.|Corporation|Co\.,\s?Ltd\.|Ltd\.|Limited|LIMITED|plc|PLC))"
)
_ANNOUNCER: Final = re.compile(
    r"^(?:.*--\s+)?(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,5})\s+"
    r"(?:\([^)]*\)\s+)*(?:today\s+|on\s+\w+day\s+)?announce[sd]?\b",
    re.M,
)
_YEAR_HINT: Final = re.compile(
    r"(?i:quarter\s+(?:of\s+)?(?:fiscal\s+)?)(?P<y>(?:19|20)\d{2})\b|\b(?P<y2>(?:19|20)\d{2})\b"
)
HALF_YEAR: Final = re.compile(
    rf"(?i:six\s+months|half[-\s]year|first\s+half)\s+(?i:ended|ending|to)\s+(?P<d>{DATE})"
)
_TARGET_ROW: Final = re.compile(
    r"(?i:(?<!previous\s)(?<!latest\s)(?<!recent\s)(?:dividend\s+target|revised\s+forecast|forecast))"
)


# --- reading -----------------------------------------------------------------------------


def read(text: str) -> Reading:
    text = normalize(text)
    reading = Reading()
    reading.year_hint = _year_hint(text)
    reading.resolved_on = _resolved_on(text, reading.year_hint)
    base = reading.resolved_on.value if reading.resolved_on else None
    reading.issuer = _issuer(text)
    reading.listings = _listings(text)
    reading.fiscal_year_ends = [
        Found(d.value, m.group(0))
        for m in _FISCAL_END.finditer(text)
        if (d := read_date(m.group("d") or m.group("d2"), base)) and d.year_printed
    ]
    if m := _APPROVAL.search(text):
        reading.subject_to_approval = Found(True, m.group(0))
    tables = list(_tables(text))
    for table in tables:
        _read_table(text, table, reading, base)
    if not reading.dividends:
        _read_prose(text, reading, base)
    else:
        _cross_check(text, reading, base)
    _annual_targets(text, reading)
    from corpactions.announcements import releases

    if not reading.listings:  # "(LSE: WPP)", "(TSX: X)", "(Stock Code: 327)", ...
        releases.more_listings(text, reading)
    if not reading.dividends:  # the styles of the other markets (London, Toronto, ...)
        releases.read_release(text, reading, base)
    else:  # the ex-date or last cum day a table or US prose states, to check
        releases.stated_dates(text, reading, base)
    _half_year(text, reading)
    return reading


def _half_year(text: str, reading: Reading) -> None:
    """An interim dividend "for the six months ended 30 September 2023": its fiscal year
    ends six months after that (31 March 2024), not six months after its record date."""
    m = HALF_YEAR.search(text)
    if m is None:
        return
    ended = _date(m.group("d"), None, text, reading.year_hint)
    if ended is None:
        return
    month = ended.value.month + 5
    year, month = ended.value.year + month // 12, month % 12 + 1
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    for dividend in reading.dividends:
        if dividend.fiscal_hint is None and dividend.dividend_type.value is DividendType.INTERIM:
            dividend.fiscal_hint = Found(
                end, m.group(0), f"{m.group(0)!r} is a half year: the fiscal year ends {end}"
            )


def _year_hint(text: str) -> int | None:
    """A year the text names, for dates printed without one ("For fourth quarter 2019 ...
    payable on Dec. 30")."""
    for m in _YEAR_HINT.finditer(text):
        return int(m.group("y") or m.group("y2"))
    return None


def _date(
    span: str, base: dt.date | None, text: str, year_hint: int | None = None
) -> Found[dt.date] | None:
    """A date found in the text; a year left out is taken from the same day printed
    whole elsewhere in the text, else the nearest such day after ``base`` (inferred)."""
    if base is None and year_hint is not None:
        base = dt.date(year_hint, 1, 1)
    got = read_date(span, base)
    if got is None:
        return None
    if got.year_printed:
        return Found(got.value, span)
    same_day = {
        d.value
        for m in _DATE.finditer(text)
        if (d := read_date(m.group(0))) is not None
        and d.year_printed
        and (d.value.month, d.value.day) == (got.value.month, got.value.day)
    }
    if len(same_day) == 1:
        return Found(same_day.pop(), span)
    return Found(
        got.value, span, f"the year is not printed with {span!r}: taken as {got.value.year}"
    )


def _resolved_on(text: str, year_hint: int | None) -> Found[dt.date] | None:
    """The board's date: "meeting held on DATE", "On DATE, the board ...", else the
    release's date when the text says "today" (or the day of the week)."""
    for pattern in (_HELD_ON, _ON_DATE):
        if m := pattern.search(text):
            found = _date(m.group("d"), None, text, year_hint)
            if found:
                return Found(found.value, m.group(0), found.inferred)
    dateline = next(
        (
            d
            for m in _DATELINE.finditer(text[:1500])
            if (d := read_date(m.group("d"))) and d.year_printed
        ),
        None,
    )
    if dateline is None:
        return None
    if m := _TODAY.search(text):
        return Found(dateline.value, f"{dateline.text} ... {m.group(0)}")
    return Found(
        dateline.value,
        dateline.text,
        "the text does not say when the board resolved: the release date "
        f"{dateline.value} is taken",
    )


def _issuer(text: str) -> Found[str] | None:
    head = text[:1500]
    for pattern in (_COMPANY_NAME, _SUFFIXED, _ANNOUNCER):
        if m := pattern.search(head):
            name = m.group("name").strip(" ,")
            return Found(name, m.group(0).strip())
    return None


def _listings(text: str) -> list[Listing]:
    out: list[Listing] = []
    for m in LISTING.finditer(text):
        listing = Listing(mic_of(m), m.group("code"), m.group(0))
        if listing not in out and all((x.mic, x.code) != (listing.mic, listing.code) for x in out):
            out.append(listing)
    code = LOCAL_CODE.search(text)
    if code and TOKYO.search(text) and all(x.code != code.group("code") for x in out):
        out.append(Listing("XTKS", code.group("code"), code.group(0)))
    return out


# --- tables ------------------------------------------------------------------------------


@dataclass
class _Cell:
    kind: str  # date, money, same, source, empty
    text: str


@dataclass
class _Table:
    start: int
    rows: dict[str, list[_Cell]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def _tables(text: str) -> Iterator[_Table]:
    """Row labels in order; a label seen again starts the next table. A table must hold a
    record-date row and a per-share row with amounts."""
    matches = list(_LABEL.finditer(text))
    table: _Table | None = None
    for i, m in enumerate(matches):
        name = m.lastgroup
        assert name is not None
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        if table is None or name in table.rows:
            if table is not None and _is_table(table):
                yield table
            table = _Table(m.start())
        region = text[m.end() : end]
        table.rows[name] = [_Cell(c.lastgroup or "", c.group(0)) for c in _CELL.finditer(region)]
        table.texts[name] = (m.group(0) + region)[:300]
    if table is not None and _is_table(table):
        yield table


def _is_table(table: _Table) -> bool:
    record = table.rows.get("record", [])
    rate = table.rows.get("rate", [])
    return bool(record) and record[0].kind == "date" and bool(rate) and rate[0].kind == "money"


def _read_table(text: str, table: _Table, reading: Reading, base: dt.date | None) -> None:
    ncols = len([c for c in table.rows["record"] if c.kind in ("date", "same")][:3]) or 1
    rows = {name: cells[:ncols] for name, cells in table.rows.items()}
    dates = _column_dates(rows["record"], base, text)
    before = text[max(0, table.start - 700) : table.start]
    kinds = list(_ANY_TYPE.finditer(before))
    kind = _type_of(kinds[-1].group(0)) if kinds else None
    has_details = any(name in rows for name in ("total", "payment", "source"))
    if not has_details:  # a forecast table: the first column is the new forecast
        amount = _cell_amount(rows["rate"], 0)
        if amount is not None and dates and dates[0] is not None:
            reading.forecasts.append(
                ForecastReading(
                    kind or DividendType.YEAR_END, amount, dates[0].value, table.texts["rate"]
                )
            )
        return
    col = _resolved_column(rows, dates, ncols)
    record = dates[col] if col < len(dates) else None
    amount = _cell_amount(rows["rate"], col)
    if record is None or amount is None:
        return
    dividend_type = (
        Found(kind, kinds[-1].group(0))
        if kind is not None
        else _type_elsewhere(text, record.value, reading)
    )
    dividend = Dividend(
        dividend_type=dividend_type,
        amount=Found(amount, table.texts["rate"]),
        record_date=Found(record.value, table.texts["record"], record.inferred),
        position=table.start,
    )
    if (pay := _cell(rows.get("payment"), col)) and pay.kind == "date":
        dividend.payment_date = _date(pay.text, record.value, text)
    if (total := _cell(rows.get("total"), col)) and total.kind == "money":
        got = read_amount(total.text)
        if got is not None:
            dividend.declared_total = Found(got, table.texts["total"])
    if (source := _cell(rows.get("source"), col)) and source.kind == "source":
        dividend.source_of_funds = Found(_source_of(source.text), table.texts["source"])
    dividend.forecast = _forecast_column(text, rows, dates, col, ncols, reading)
    reading.dividends.append(dividend)


def _cell(cells: list[_Cell] | None, col: int) -> _Cell | None:
    return cells[col] if cells is not None and col < len(cells) else None


def _cell_amount(cells: list[_Cell], col: int) -> Amount | None:
    cell = _cell(cells, col)
    return read_amount(cell.text) if cell is not None and cell.kind == "money" else None


def _column_dates(
    cells: list[_Cell], base: dt.date | None, text: str
) -> list[Found[dt.date] | None]:
    out: list[Found[dt.date] | None] = []
    for cell in cells:
        if cell.kind == "same" and out:
            out.append(out[-1])
        elif cell.kind == "date":
            out.append(_date(cell.text, base, text))
        else:
            out.append(None)
    return out


def _resolved_column(
    rows: dict[str, list[_Cell]], dates: list[Found[dt.date] | None], ncols: int
) -> int:
    """The column of the resolved dividend: the latest record date, with a payment date or
    a total (the forecast column has neither; the prior year's record date is earlier)."""
    latest = max((d.value for d in dates if d is not None), default=None)
    for col in range(ncols):
        if col >= len(dates) or dates[col] is None or dates[col].value != latest:  # type: ignore[union-attr]
            continue
        detail = [_cell(rows.get(name), col) for name in ("payment", "total")]
        if any(c is not None and c.kind in ("date", "money") for c in detail):
            return col
    return 0


def _forecast_column(
    text: str,
    rows: dict[str, list[_Cell]],
    dates: list[Found[dt.date] | None],
    col: int,
    ncols: int,
    reading: Reading,
) -> tuple[Decimal, Found[dt.date]] | None:
    """The latest forecast's column (same record date, no payment date, no total) and the
    date it was disclosed ("(disclosed on May 13, 2016)")."""
    for other in range(ncols):
        if other == col or other >= len(dates) or dates[other] is None:
            continue
        if dates[other].value != dates[col].value:  # type: ignore[union-attr]
            continue
        amount = _cell_amount(rows["rate"], other)
        if amount is None:
            continue
        disclosed = _disclosed_on(text, reading)
        if disclosed is None:
            return None
        return amount.figure, disclosed
    return None


def _disclosed_on(text: str, reading: Reading) -> Found[dt.date] | None:
    """When the latest forecast was disclosed: the latest "disclosed/released/announced
    on DATE" before the resolution that is no record date or fiscal year end (flattened
    headers interleave "(Announced on" with the prior year's "March 31, 2023)")."""
    resolved = reading.resolved_on.value if reading.resolved_on else None
    period_ends = {f.value for f in reading.fiscal_year_ends}
    for table in _tables(text):
        for cell in table.rows["record"][:3]:
            if cell.kind == "date" and (d := read_date(cell.text)):
                period_ends.add(d.value)
    best: Found[dt.date] | None = None
    for m in _DISCLOSED.finditer(text):
        found = _date(m.group("d"), None, text, reading.year_hint)
        if found is None or found.value in period_ends:
            continue
        if resolved is not None and found.value >= resolved:
            continue
        if best is None or found.value > best.value:
            best = Found(found.value, m.group(0), found.inferred)
    return best


def _type_of(word: str) -> DividendType | None:
    for pattern, kind in _TYPES:
        if pattern.search(word):
            return kind
    return None


def _type_elsewhere(text: str, record: dt.date, reading: Reading) -> Found[DividendType]:
    """No type above the table: the fiscal year end the text prints (a record date on it is
    the year-end dividend's), else the type the text names most."""
    for fye in reading.fiscal_year_ends:
        if fye.value == record:
            return Found(DividendType.YEAR_END, fye.text)
    named = [k for m in _ANY_TYPE.finditer(text) if (k := _type_of(m.group(0)))]
    if named:
        top = max(set(named), key=named.count)
        return Found(top, f"the text names it {named.count(top)} time(s)")
    return Found(DividendType.REGULAR, "", "the text does not name the kind of dividend: regular")


def _source_of(phrase: str) -> SourceOfFunds:
    for pattern, source in _SOURCES:
        if pattern.search(phrase):
            return source
    raise AssertionError(phrase)


def _annual_targets(text: str, reading: Reading) -> None:
    """The annual table's target row ("Dividend target | - | JPY13.50 | JPY27.00" under
    "Interim | Year-end | Annual"): a forecast for each period this text does not resolve."""
    header = re.search(
        r"(?i:interim\s+dividend|end\s+of\s+(?:2nd|second)\s+quarter)[\s|]+(?i:year[-\s]end\s+dividend|end\s+of\s+year)[\s|]+(?i:annual|total)",
        text,
    )
    if header is None:
        return
    tail = text[header.end() :]
    row = _TARGET_ROW.search(tail[:400])
    if row is None:
        return
    cells = [
        c
        for c in _CELL.finditer(tail[row.end() : row.end() + 200])
        if c.lastgroup in ("money", "empty")
    ][:3]
    resolved = {d.dividend_type.value for d in reading.dividends}
    for kind, cell in zip((DividendType.INTERIM, DividendType.YEAR_END), cells, strict=False):
        if cell.lastgroup == "money" and kind not in resolved:
            amount = read_amount(cell.group(0))
            if amount is not None:
                reading.forecasts.append(ForecastReading(kind, amount, None, row.group(0)))


def _cross_check(text: str, reading: Reading, base: dt.date | None) -> None:
    """Values the text gives twice must agree: the per-share amount in the reason ("pay
    JPY13.50 per common share as interim dividend") and the record date in the lead."""
    for dividend in reading.dividends:
        for m in _PROSE_DIVIDEND.finditer(text):
            span = m.group("amount") or m.group("amount2") or m.group("amount3")
            window = text[max(0, m.start() - 40) : m.end() + 40]
            kinds = {_type_of(k.group(0)) for k in _ANY_TYPE.finditer(window)}
            if kinds != {dividend.dividend_type.value}:
                continue
            other = read_amount(span)
            if other is not None and other.figure != dividend.amount.value.figure:
                reading.conflicts.append(
                    Conflict(
                        "gross_amount_per_share",
                        (str(dividend.amount.value.figure), str(other.figure)),
                        (dividend.amount.text, m.group(0)),
                    )
                )
        for m in _RECORD.finditer(text):
            if m.start() >= dividend.position:
                break
            found = _date(m.group("d") or m.group("d2"), base, text)
            if found is not None and found.value != dividend.record_date.value:
                reading.conflicts.append(
                    Conflict(
                        "record_date",
                        (dividend.record_date.value.isoformat(), found.value.isoformat()),
                        (dividend.record_date.text, m.group(0)),
                    )
                )


# --- prose -------------------------------------------------------------------------------


def _read_prose(text: str, reading: Reading, base: dt.date | None) -> None:
    for start, para in paragraphs(text):
        mentions = [
            m
            for m in _PROSE_DIVIDEND.finditer(para)
            if not _PAST.search(_sentence(para, m.start()))
        ]
        if not mentions:
            continue
        records = list(_RECORD.finditer(para))
        if not records:
            continue
        payments = list(_PAYMENT.finditer(para))
        for m in mentions:
            _prose_dividend(text, para, start, m, records, payments, reading, base)


def _sentence(para: str, at: int) -> str:
    begin = max((m.end() for m in re.finditer(r"[.!?]\s+(?=[A-Z“\"(])", para[:at])), default=0)
    end = re.search(r"[.!?](?:\s+(?=[A-Z“\"(])|$)", para[at:])
    return para[begin : at + (end.end() if end else len(para) - at)]


def _after(matches: list[re.Match[str]], at: int) -> re.Match[str] | None:
    later = [m for m in matches if m.start() > at]
    return later[0] if later else (matches[-1] if matches else None)


def _prose_dividend(
    text: str,
    para: str,
    offset: int,
    m: re.Match[str],
    records: list[re.Match[str]],
    payments: list[re.Match[str]],
    reading: Reading,
    base: dt.date | None,
) -> None:
    span = m.group("amount") or m.group("amount2") or m.group("amount3")
    amount = read_amount(span)
    if amount is None:
        return
    on = [o for o in _ON_DATE.finditer(para) if o.start() <= m.start()]
    resolved = reading.resolved_on
    if on:
        got = _date(on[-1].group("d"), None, text, reading.year_hint)
        if got is not None:
            resolved = Found(got.value, on[-1].group(0), got.inferred)
    anchor = resolved.value if resolved else base
    record_m = _after(records, m.start())
    assert record_m is not None
    record = _date(record_m.group("d") or record_m.group("d2"), anchor, text, reading.year_hint)
    if record is None:
        return
    dividend = Dividend(
        dividend_type=_prose_type(para, m),
        amount=Found(amount, m.group(0)),
        record_date=Found(record.value, record_m.group(0), record.inferred),
        resolved_on=resolved,
        position=offset + m.start(),
    )
    if (pay_m := _after(payments, m.start())) is not None:
        pay = _date(pay_m.group("d") or pay_m.group("d2"), record.value, text, reading.year_hint)
        if pay is not None:
            why = pay.inferred
            if pay_m.group("about"):
                why = f"printed as {pay_m.group(0)!r}: the date given is approximate"
            dividend.payment_date = Found(pay.value, pay_m.group(0), why)
    for other in reading.dividends:
        if (other.dividend_type.value, other.record_date.value) == (
            dividend.dividend_type.value,
            dividend.record_date.value,
        ):
            if other.amount.value.figure != amount.figure:
                reading.conflicts.append(
                    Conflict(
                        "gross_amount_per_share",
                        (str(other.amount.value.figure), str(amount.figure)),
                        (other.amount.text, m.group(0)),
                    )
                )
            return  # the same dividend named twice
    reading.dividends.append(dividend)


def _prose_type(para: str, m: re.Match[str]) -> Found[DividendType]:
    """The kind named next to the amount, else in its sentence, else in its paragraph."""
    for window in (para[max(0, m.start() - 60) : m.end() + 30], _sentence(para, m.start()), para):
        for pattern, kind in _TYPES:
            if hit := pattern.search(window):
                return Found(kind, hit.group(0))
    return Found(
        DividendType.REGULAR, m.group(0), "the text does not name the kind of dividend: regular"
    )
