"""The release styles of the other markets the service schedules: London RNS, Euronext
and Xetra releases in English, SIX, Toronto, ASX (prose and the Appendix 3A.1 form),
Hong Kong (register of members closed from ... to ..., clarification notices) and
Singapore (books closure notices and the corporate action form).

``reading.read`` calls ``read_release`` when neither the tables nor the US prose found
a dividend, so Japanese tables and US prose read exactly as before. What is read here:

- the amount: "an interim dividend of 12.5p per ordinary share", "HK$0.07 per ordinary
  share", "HK4.5 cents per share", "eighty-five cents (85 cents) per fully paid common
  share", "EUR0.66/share", "CHF 2.95 gross per share", a form's "amount per +security"
  or "Gross Rate (Per Share)". A figure in brackets after it ("(2019: 22.7p)") is the
  prior period's. A net amount (after withholding tax) is never read as the gross: when
  the text states only a net amount, the net is given with a review item;
- the dates: labelled ("Record date: 16.05.2023", "Ex Date | 08/05/2018", "Record day
  for dividend payment: April 30, 2024", "05/07/2020 Ex-dividend quotation") or in prose
  ("on the register at the close of business on", "of record", "up to 5.00 p.m. on",
  "payable as from", "marked ex dividend on", "the last trading day with entitlement");
  numeric dates day first unless the text writes its dates month first;
- the register of members closed "from ... to ..." (a book closure; its last day is the
  record date when no other is printed);
- a record date the text does not print, from the ex-date it states (the settlement day
  of a trade on the day before it, on the market's calendar: inferred, in the review);
- what needs a person: an election (scrip, DRP, currency), a notice that supersedes an
  earlier one, the franking of an ASX dividend (not a contract field).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Final

from corpactions.announcements.reading import (
    _PAST,
    _TYPES,
    HALF_YEAR,
    Conflict,
    Dividend,
    Found,
    Listing,
    Reading,
    _date,
    _sentence,
)
from corpactions.announcements.values import (
    ASX_CODE,
    DATE,
    DATE_WIDE,
    HK_CODE,
    HONG_KONG,
    ISIN,
    MONEY_WIDE,
    MORE_LISTING,
    NUMERIC_DATE,
    Amount,
    more_mic_of,
    read_amount,
    read_date,
)
from corpactions.domain import DividendType, SourceOfFunds

# a date span (and the date a span without its year is nearest after) -> the date
When = Callable[[str, dt.date | None], Found[dt.date] | None]

_MONEY_WIDE: Final = re.compile(MONEY_WIDE)
_DATE_WIDE: Final = re.compile(DATE_WIDE)
_NUMERIC: Final = re.compile(NUMERIC_DATE)
_SPELLED_MDY: Final = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
)

_PER_SHARE: Final = (
    r"(?:gross\s+|net\s+)?(?:per|on\s+each|a|/)\s*(?:fully\s+paid\s+)?"
    r"(?:ordinary\s+|common\s+|registered\s+|bearer\s+)?(?:share|unit|security|ADS)"
)
_DIVIDEND: Final = re.compile(
    rf"(?i:dividends?|distribution)(?:\s+payments?)?[^.\n]{{0,80}}?"
    rf"(?:\b(?i:of|at)|[-–:])\s+(?:[a-z-]+\s+cents?\s+\()?(?P<amount>{MONEY_WIDE})\)?"
    rf"(?:\s+\([^)]*\))?\s*{_PER_SHARE}"
    rf"|(?P<amount2>{MONEY_WIDE})\s+(?:gross\s+|net\s+)?per\s+(?:ordinary\s+|common\s+)?share\s+"
    rf"(?:[\w-]+\s+){{0,2}}?(?:cash\s+)?(?i:dividend)"
)
_WIDE_TYPES: Final = (
    *_TYPES[:3],
    (re.compile(r"(?i:\bfinal\b|year[-\s]end(?!ing|ed))"), DividendType.YEAR_END),
)


def _label(pattern: str) -> re.Pattern[str]:
    """A label, a few words of its own ("for interim dividend entitlement"), a separator
    and the value: on the same line or the next."""
    return re.compile(
        rf"(?i:{pattern})[^\n|:\d.]{{0,45}}?\s*[|:]?[ \t]*(?:\n\s*)?(?P<v>[^\n]*)",
    )


_RECORD_LABEL: Final = _label(r"\+?record\s+(?:date|day)(?:\s+and\s+time)?")
_EX_LABEL: Final = _label(
    r"ex[-\s]?(?:dividend\s+)?(?:date|day|quotation)"
    r"|(?:shares\s+will\s+be\s+)?(?:traded|marked|quoted)\s+ex[-\s]?dividend(?:\s+as\s+of|\s+on|\s+from)?"
    r"|go(?:es)?\s+ex[-\s]?dividend\s+on"
)
_LAST_CUM_LABEL: Final = _label(
    r"last\s+(?:trading\s+)?day\s+(?:with\s+entitlement|to\s+trade\s+cum)"
)
_PAYMENT_LABEL: Final = _label(
    r"payment\s+date|pay\s+date|date\s+paid/payable|(?m:^)payment(?=\s*[:|])|dividend\s+pay-?out"
    r"|payable\s+(?:on\s+and\s+after|as\s+from|from|on)|paid\s+(?:out\s+)?(?:on|as\s+from)"
    r"|the\s+payment\s+will\s+be\s+on"
)
# a timetable row with its date first: "05/07/2020 Ex-dividend quotation"
_DATE_FIRST: Final = re.compile(
    rf"^(?P<v>{DATE_WIDE})[ \t]+(?P<what>(?i:ex[-\s]?dividend|dividend\s+pay-?out|payment|record))",
    re.M,
)
_AMOUNT_LABEL: Final = _label(
    r"amount\s+per\s+\+?security|gross\s+rate\s*\(per\s+share\)"
    r"|declared\s+dividend/\s*distribution\s+rate|distribution\s+amount"
)
_TYPE_LABEL: Final = re.compile(
    r"(?i:dividend/\s*distribution\s+type|dividend\s+type)\s*[|:]\s*(?P<v>[A-Za-z]+)"
)
_FYE_LABEL: Final = _label(r"financial\s+year\s+end")
_PERIOD_END: Final = re.compile(
    rf"(?i:period\s+ending\s+ended/ending\s*\(date\))\s*\n?\s*(?P<v>{DATE_WIDE})"
)
_PERIOD_OF: Final = re.compile(r"(?i:relates\s+to\s+a\s+period\s+of\s+(?P<n>six|twelve)\s+months)")
_ANNOUNCED_LABEL: Final = _label(
    r"date\s+of\s+this\s+announcement|date\s*&\s*time\s+of\s+broadcast"
)
_ISSUER_LABEL: Final = re.compile(
    r"(?i:issuer/\s*manager|entity\s+name|name\s+of\s+\+?entity)\s*[|:]?[ \t]*\n?\s*(?P<v>[^\n|]+)"
)
_ISSUER_SUFFIXED: Final = re.compile(
    r"(?P<name>[A-Z][\w&'’.-]*(?:[ ,]+(?:\([A-Z][\w]*\)|[A-Z][\w&'’.-]*)){0,6}?,?\s+"
    r"(?:S\.A\.|SA|AG|SE|N\.V\.|NV|Ltd\.?|LTD\.?|Limited|LIMITED|plc|PLC|Inc\.|Corp\.))(?![\w])"
)
_ISSUER_WIRE: Final = re.compile(
    r"/(?:CNW|PRNewswire|Newswire)/\s*[-–—]+\s*"
    r"(?P<name>[A-Z][\w&'’.-]*(?:[ -][A-Z][\w&'’.-]*){0,5})\s+"
    r"(?:\([^)]*\)\s+)*(?:today\s+)?announce[sd]?\b"
)
_RECORD_PROSE: Final = re.compile(
    rf"of\s+record\b[^.;]{{0,60}}?(?P<d>{DATE_WIDE})"
    rf"|on\s+the\s+register\b[^.;]{{0,90}}?(?P<d2>{DATE_WIDE})"
    rf"|registered\s+on\s+(?P<d3>{DATE_WIDE})"
    rf"|(?:up\s+to|as\s+at|closed\s+at)\s+5(?:[.:]00)?\s*p\.?\s?m\.?\s+on\s+(?P<d4>{DATE_WIDE})"
)
_CLOSURE: Final = re.compile(
    rf"(?i:register\s+of\s+members|book\s+close\s+dates?|books?\s+closure)[^.\n]{{0,160}}?"
    rf"(?i:from\s+)?(?P<a>{DATE}|\d{{1,2}}(?:st|nd|rd|th)?)\s*(?:\([A-Za-z]+\)\s*)?"
    rf"(?i:to|until|-|–)\s*(?P<b>{DATE})"
)
_MEETING: Final = re.compile(
    rf"(?i:general\s+meeting|meeting\s+of\s+(?:the\s+)?shareholders|shareholders['’]?\s+meeting)"
    rf"(?:\s+of\s+shareholders)?\s+(?i:held\s+)?(?i:on|of)\s+(?P<d>{DATE})"
    rf"|(?i:at\s+the\s+meeting\s+held\s+on)\s+(?P<d2>{DATE})"
)
_SIGNED: Final = re.compile(rf"^(?:[A-Z][A-Za-z ]{{1,30}},\s*)?(?P<d>{DATE})\s*$", re.M)
_SUPERSEDES: Final = re.compile(
    r"(?i:should\s+be\s+replaced\s+by\s+the\s+following|replaced\s+by\s+the\s+following"
    r"|should\s+read|\bclarif(?:y|ication)\b|\bsupersed)"
)
_REPLACEMENT: Final = re.compile(r"(?i:replaced\s+by\s+the\s+following[^\n]*|should\s+read[^\n]*)")
_ELECTION: Final = re.compile(
    r"(?i:scrip\s+dividend|dividend\s+reinvestment\s+plan|\bDRP\b|\bDRIP\b"
    r"|form\s+of\s+election|elect(?:ion)?\s+to\s+receive|currency\s+election"
    r"|in\s+cash\s+or\s+in\s+(?:new\s+)?shares|payment\s+in\s+(?:new\s+)?shares"
    r"|cash\s+option|in\s+lieu\s+of\s+receiving\s+their\s+dividends\s+in\s+cash)"
)
_NOT_OFFERED: Final = re.compile(
    r"(?i:will\s+not\s+operate|not\s+(?:be\s+)?(?:offered|available|apply)|suspended)"
)
_FRANKED: Final = re.compile(
    r"(?i:(?P<full>fully\s+franked|unfranked)|(?P<pct>\d+(?:\.\d+)?)\s*%\s*franked"
    r"|percentage\s+of\s+[^\n]*franked\s*\n\s*(?P<pct2>\d+(?:\.\d+)?)\s*%)"
)
_CAPITAL: Final = re.compile(
    r"(?i:capital\s+contribution\s+reserves?|reserves?\s+from\s+capital\s+contributions"
    r"|return\s+of\s+capital|par\s+value\s+(?:reduction|repayment))"
)
_RETAINED: Final = re.compile(r"(?i:(?:out\s+of|from)\s+retained\s+earnings)")
_APPROVAL: Final = re.compile(
    r"(?i:subject\s+to\s+(?:the\s+)?(?:shareholders['’]?\s+)?approval"
    r"|if\s+approved\s+by\s+(?:the\s+)?shareholders)"
)
_NAMED_YEAR: Final = re.compile(
    r"(?i:financial\s+year|fiscal\s+year|fiscal|\bFY)\s?(?P<y>(?:19|20)\d{2})\b"
)


def read_release(text: str, reading: Reading, base: dt.date | None) -> None:
    day_first = _day_first(text)
    more_listings(text, reading)
    if reading.issuer is None:
        reading.issuer = _issuer(text)
    elif (m := _ISSUER_SUFFIXED.search(text[:1500])) and m.group("name").startswith(
        reading.issuer.value + " "
    ):  # "Total announces" names "Total S.A."
        reading.issuer = Found(m.group("name").strip(" ,"), m.group(0))
    if reading.subject_to_approval is None and (m := _APPROVAL.search(text)):
        reading.subject_to_approval = Found(True, m.group(0))
    if reading.isin is None and (m := ISIN.search(text)):
        reading.isin = Found(m.group("isin"), m.group(0))
    region_start = 0
    superseded = _SUPERSEDES.search(text)
    if superseded and (replacement := _REPLACEMENT.search(text)):
        region_start = replacement.end()
    region = text[region_start:]

    def when(span: str, anchor: dt.date | None = None) -> Found[dt.date] | None:
        if _NUMERIC.fullmatch(span.strip()):
            got = read_date(span, day_first=day_first)
            return Found(got.value, span) if got else None
        return _date(span, anchor or base, text, reading.year_hint)

    candidates = _amounts(region, text)
    amount = _amount(candidates)
    if amount is None:
        return
    found, where, net_only = amount
    resolved = _resolved_on(text, reading, when)
    anchor = resolved.value if resolved else base

    record = _labelled(_RECORD_LABEL, region, when, anchor, "record")
    ex = _labelled(_EX_LABEL, region, when, anchor, "ex")
    last_cum = _labelled(_LAST_CUM_LABEL, region, when, anchor)
    payment = _payment(region, where - region_start, when, anchor)
    closure = _closure(region, when, anchor)
    prose_record = _prose_record(region, when, anchor)
    records = [r for r in (record, prose_record) if r is not None]
    if len({r.value for r in records}) > 1:
        reading.conflicts.append(
            Conflict(
                "record_date",
                tuple(r.value.isoformat() for r in records),
                tuple(r.text for r in records),
            )
        )
    chosen = records[0] if records else None
    if chosen is None and closure is not None:
        chosen = Found(
            closure[1].value,
            closure[1].text,
            "no record date printed: the last day the register of members is closed is taken",
        )
    if chosen is None:
        chosen = _record_from(reading, ex, last_cum)
    if chosen is None:
        return
    dividend = Dividend(
        dividend_type=_kind(text, region, where - region_start),
        amount=found,
        record_date=chosen,
        resolved_on=resolved,
        position=where,
    )
    dividend.payment_date = payment
    dividend.stated_ex_date = ex
    dividend.stated_last_cum_date = last_cum
    dividend.book_closure = closure
    dividend.source_of_funds = _source(text)
    dividend.fiscal_hint = _fiscal_hint(text, dividend.dividend_type.value, when)
    if net_only:
        dividend.notes.append(
            (
                "check",
                "gross_amount_per_share",
                str(found.value.figure),
                f"the text states only a net amount ({found.text!r}, after withholding "
                "tax): it is given as printed; find the gross amount before sending",
            )
        )
    _notes(text, dividend, superseded)
    reading.dividends.append(dividend)
    reading.dividends.extend(_others(candidates, dividend, region, region_start, text))


def stated_dates(text: str, reading: Reading, base: dt.date | None) -> None:
    """The ex-date (or last cum day) a text read by the tables or US prose states ("The
    ex-dividend date will be Aug. 16, 2023"), when it resolves one dividend."""
    if len(reading.dividends) != 1:
        return
    day_first = _day_first(text)

    def when(span: str, anchor: dt.date | None = None) -> Found[dt.date] | None:
        if _NUMERIC.fullmatch(span.strip()):
            got = read_date(span, day_first=day_first)
            return Found(got.value, span) if got else None
        return _date(span, anchor or base, text, reading.year_hint)

    dividend = reading.dividends[0]
    anchor = dividend.resolved_on.value if dividend.resolved_on else base
    dividend.stated_ex_date = _labelled(_EX_LABEL, text, when, anchor, "ex")
    dividend.stated_last_cum_date = _labelled(_LAST_CUM_LABEL, text, when, anchor)


def _day_first(text: str) -> bool:
    """Numeric dates day first (10/05/2018) unless the text shows them month first: a
    numeric date whose second part is over 12, or dates spelled month first (May 6,
    2020) and none whose first part is over 12."""
    firsts, seconds = [], []
    for m in _NUMERIC.finditer(text):
        a, b = re.split(r"[./]", m.group(0))[:2]
        firsts.append(int(a))
        seconds.append(int(b))
    if any(a > 12 for a in firsts):
        return True
    if any(b > 12 for b in seconds):
        return False
    return not _SPELLED_MDY.search(text)


def more_listings(text: str, reading: Reading) -> None:
    for m in MORE_LISTING.finditer(text):
        listing = Listing(more_mic_of(m), m.group("code"), m.group(0))
        if all((x.mic, x.code) != (listing.mic, listing.code) for x in reading.listings):
            reading.listings.append(listing)
    asx = ASX_CODE.search(text)
    if asx and all(x.mic != "XASX" for x in reading.listings):
        reading.listings.append(Listing("XASX", asx.group("code"), asx.group(0).strip()))
    hk = HK_CODE.search(text)
    if hk and HONG_KONG.search(text) and all(x.mic != "XHKG" for x in reading.listings):
        reading.listings.append(Listing("XHKG", hk.group("code") or hk.group("code2"), hk.group(0)))


def _issuer(text: str) -> Found[str] | None:
    if m := _ISSUER_LABEL.search(text):
        return Found(m.group("v").strip(), m.group(0).strip())
    head = text[:1500]
    for pattern in (_ISSUER_SUFFIXED, _ISSUER_WIRE):
        for m in pattern.finditer(head):
            if not _NOT_ISSUER.search(m.group("name")):
                return Found(m.group("name").strip(" ,"), m.group(0).strip())
    return None


# companies a notice names that are not its issuer: depositories, registrars, exchanges
_NOT_ISSUER: Final = re.compile(
    r"(?i:depository|registrar|registration|exchange|clearing|trust\s+company|tricor"
    r"|boardroom|computershare|link\s+market)"
)


def _in_brackets(text: str, at: int) -> bool:
    line_start = text.rfind("\n", 0, at) + 1
    before = text[line_start:at]
    return before.count("(") > before.count(")")


def _gross_or_net(text: str, m: re.Match[str], group: str) -> str:
    """'gross', 'net' or '' (not said) for the amount in ``m``."""
    after = text[m.end(group) : m.end(group) + 14].lower()
    before = text[max(0, m.start() - 40) : m.start(group)].lower()
    if re.match(r"\s*gross\b", after) or "gross" in before:
        return "gross"
    if re.match(r"\s*net\b", after) or re.search(r"\bnet\s+(?:dividend|amount)\b", before):
        return "net"
    return ""


def _amounts(region: str, text: str) -> list[tuple[str, Found[Amount], int]]:
    """Every dividend amount the text prints, with 'gross', 'net' or '' (not said) and its
    offset; not a prior period's (in brackets) nor a dividend already paid. A form's
    amount when the prose has none."""
    offset = len(text) - len(region)
    candidates: list[tuple[str, Found[Amount], int]] = []
    for m in _DIVIDEND.finditer(region):
        group = "amount" if m.group("amount") else "amount2"
        if _in_brackets(region, m.start()):
            continue
        if _PAST.search(_sentence(region, m.start(group))):
            continue
        amount = read_amount(m.group(group))
        if amount is None:
            continue
        candidates.append(
            (_gross_or_net(region, m, group), Found(amount, m.group(0)), offset + m.start())
        )
    if not candidates:
        for m in _AMOUNT_LABEL.finditer(region):
            money = _MONEY_WIDE.search(m.group("v"))
            if money and (amount := read_amount(money.group(0))) is not None:
                candidates.append(("", Found(amount, m.group(0).strip()), offset + m.start()))
                break
    return candidates


def _amount(
    candidates: list[tuple[str, Found[Amount], int]],
) -> tuple[Found[Amount], int, bool] | None:
    """The dividend's amount: a gross (or unlabelled) one before a net one."""
    for kind, found, at in candidates:
        if kind != "net":
            return found, at, False
    if candidates:
        _, found, at = candidates[0]
        return found, at, True
    return None


_CANCELLED: Final = re.compile(r"(?i:suspend|cancel|withdr[ae]w|previous|prior\s+year|last\s+year)")


def _others(
    candidates: list[tuple[str, Found[Amount], int]],
    first: Dividend,
    region: str,
    region_start: int,
    text: str,
) -> list[Dividend]:
    """The other dividends the text declares with the same dates ("a final dividend of
    20p and a special dividend of 10p"): one of another kind in the same paragraph is a
    dividend of its own; any other amount (a component: "comprising a cash dividend of
    HK$0.01"; one suspended or cancelled) is listed in the review, not read."""
    out: list[Dividend] = []
    kinds = {first.dividend_type.value}
    for gross, found, at in candidates:
        if gross == "net" or at == first.position:
            continue
        kind = _kind(text, region, at - region_start)
        same_paragraph = "\n\n" not in text[min(at, first.position) : max(at, first.position)]
        cancelled = _CANCELLED.search(_sentence(text, at))
        if kind.value not in kinds and kind.inferred is None and same_paragraph and not cancelled:
            kinds.add(kind.value)
            other = Dividend(
                dividend_type=kind,
                amount=found,
                record_date=first.record_date,
                payment_date=first.payment_date,
                resolved_on=first.resolved_on,
                position=at,
                book_closure=first.book_closure,
                stated_ex_date=first.stated_ex_date,
                stated_last_cum_date=first.stated_last_cum_date,
                fiscal_hint=first.fiscal_hint,
                source_of_funds=first.source_of_funds,
            )
            out.append(other)
        elif found.value.figure != first.amount.value.figure:
            first.notes.append(
                (
                    "ignored",
                    "gross_amount_per_share",
                    str(found.value.figure),
                    f"the text also prints {found.text!r}: not read as a dividend of its "
                    f"own (a part of the {first.dividend_type.value.value} dividend, the "
                    "same one, or one this text does not declare); check",
                )
            )
    return out


def _labelled(
    label: re.Pattern[str],
    region: str,
    when: When,
    anchor: dt.date | None,
    date_first: str | None = None,
) -> Found[dt.date] | None:
    read = when
    if date_first and (got := _date_first(region, read, anchor, date_first)):
        return got
    for m in label.finditer(region):
        if _DATE_FIRST.match(region, region.rfind("\n", 0, m.start()) + 1):
            continue  # the label of a row whose date comes first
        d = _DATE_WIDE.search(m.group("v"))
        if d and _near(m.group("v")[: d.start()]) and (got := read(d.group(0), anchor)):
            return Found(got.value, m.group(0).strip(), got.inferred)
    return None


def _near(gap: str) -> bool:
    """The words between a label and its date: a few, no figure but a year ("record date
    dividend 2012: 23 May 2013"), no sentence's end."""
    return len(gap) <= 45 and _GAP.fullmatch(gap) is not None


_GAP: Final = re.compile(r"[^\d.]*(?:\b(?:19|20)\d{2}\b[^\d.]*)?")


def _date_first(
    region: str, read: When, anchor: dt.date | None, date_first: str
) -> Found[dt.date] | None:
    for m in _DATE_FIRST.finditer(region):
        if m.group("what").lower().startswith(date_first) and (got := read(m.group("v"), anchor)):
            return Found(got.value, m.group(0).strip(), got.inferred)
    return None


def _payment(region: str, at: int, when: When, anchor: dt.date | None) -> Found[dt.date] | None:
    read = when
    best: Found[dt.date] | None = None
    for m in _PAYMENT_LABEL.finditer(region):
        if _PAST.search(_sentence(region, m.start())):
            continue
        d = _DATE_WIDE.search(m.group("v"))
        if d and _near(m.group("v")[: d.start()]) and (got := read(d.group(0), anchor)):
            found = Found(got.value, m.group(0).strip(), got.inferred)
            if m.start() >= at:
                return found
            best = best or found
    if best is None:
        for m in _DATE_FIRST.finditer(region):
            what = m.group("what").lower()
            if "pay" in what and (got := read(m.group("v"), anchor)):
                return Found(got.value, m.group(0).strip(), got.inferred)
    return best


def _prose_record(region: str, when: When, anchor: dt.date | None) -> Found[dt.date] | None:
    read = when
    for m in _RECORD_PROSE.finditer(region):
        span = m.group("d") or m.group("d2") or m.group("d3") or m.group("d4")
        if got := read(span, anchor):
            return Found(got.value, m.group(0), got.inferred)
    return None


def _closure(
    region: str, when: When, anchor: dt.date | None
) -> tuple[Found[dt.date], Found[dt.date]] | None:
    read = when
    m = _CLOSURE.search(region)
    if m is None:
        return None
    last = read(m.group("b"), anchor)
    if last is None:
        return None
    first_text = m.group("a")
    if re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", first_text):
        day = int(re.match(r"\d+", first_text).group(0))  # type: ignore[union-attr]
        try:
            first = Found(last.value.replace(day=day), m.group(0))
        except ValueError:
            return None
    else:
        got = read(first_text, anchor)
        if got is None:
            return None
        first = Found(got.value, m.group(0))
    if first.value > last.value:
        return None
    return first, Found(last.value, m.group(0))


def _record_from(
    reading: Reading, ex: Found[dt.date] | None, last_cum: Found[dt.date] | None
) -> Found[dt.date] | None:
    """The record date the text does not print, from the ex-date (or the last cum day)
    it states: the day a trade on the last cum day settles, on the listing's market."""
    if not reading.listings or (ex is None and last_cum is None):
        return None
    from corpactions.announcements.schedules import settles

    mic = reading.listings[0].mic
    stated = last_cum if last_cum is not None else ex
    assert stated is not None
    got = settles(mic, stated.value, last_cum is not None)
    if got is None:
        return None
    cum_day, record = got
    return Found(
        record,
        stated.text,
        f"no record date printed: {stated.text!r} makes {cum_day} the last cum day, whose "
        f"trades settle on {record} on {mic}'s calendar",
    )


def _resolved_on(text: str, reading: Reading, when: When) -> Found[dt.date] | None:
    """The general meeting or board meeting that resolved it; else what the text says
    (reading.resolved_on); else the form's announcement date, or the date the notice is
    signed with (inferred)."""
    read = when
    if m := _MEETING.search(text):
        got = read(m.group("d") or m.group("d2"), None)
        if got is not None:
            return Found(got.value, m.group(0), got.inferred)
    said = reading.resolved_on
    if said is not None:
        weekday = re.search(r"(?i:\bon\s+[a-z]+day)$", said.text)
        released = re.search(r"(?i:\btoday\b|\bon\s+[a-z]+day\s+(?:announce|declare))", text)
        if said.inferred is None and " ... " in said.text and weekday and not released:
            # "held on Tuesday 17 April": a day of the week that is not the release's
            return Found(
                said.value,
                said.text,
                f"the text does not say when the board resolved: its date {said.value} is taken",
            )
        return said
    for m in _ANNOUNCED_LABEL.finditer(text):
        d = _DATE_WIDE.search(m.group("v"))
        if d and (got := read(d.group(0), None)):
            return Found(
                got.value,
                m.group(0).strip(),
                f"the announcement's date {got.value} is taken as the day it was resolved",
            )
    for m in _SIGNED.finditer(text[-400:]):
        if got := read(m.group("d"), None):
            return Found(
                got.value,
                m.group(0).strip(),
                f"the notice is dated {got.value}: taken as the day it was resolved",
            )
    return None


def _kind(text: str, region: str, at: int) -> Found[DividendType]:
    if m := _TYPE_LABEL.search(text):
        for pattern, kind in _WIDE_TYPES:
            if pattern.search(m.group("v")):
                return Found(kind, m.group(0))
    windows = (
        region[max(0, at - 40) : at + 12],  # "... a special dividend"
        region[max(0, at - 60) : at + 90],
        _sentence(region, at),
        region,
    )
    for window in windows:
        for pattern, kind in _WIDE_TYPES:
            if hit := pattern.search(window):
                return Found(kind, hit.group(0))
    return Found(DividendType.REGULAR, "", "the text does not name the kind of dividend: regular")


def _source(text: str) -> Found[SourceOfFunds] | None:
    if m := _CAPITAL.search(text):
        return Found(SourceOfFunds.CAPITAL_SURPLUS, m.group(0))
    if m := _RETAINED.search(text):
        return Found(SourceOfFunds.RETAINED_EARNINGS, m.group(0))
    return None


def _fiscal_hint(text: str, kind: DividendType, when: When) -> Found[dt.date] | None:
    """A fiscal year end the text implies: a half year's end plus six months, a period
    of twelve months' end, a year named alone ("financial year 2022") on 31 December."""
    read = when
    m = HALF_YEAR.search(text)
    if m and (got := read(m.group("d"), None)):
        end = _month_end(got.value, 6)
        return Found(end, m.group(0), f"{m.group(0)!r} is a half year: the fiscal year ends {end}")
    period = _PERIOD_END.search(text)
    if period and (got := read(period.group("v"), None)):
        months = _PERIOD_OF.search(text)
        if months and months.group("n").lower() == "twelve":
            return Found(
                got.value, period.group(0), "the form's period end is taken as the year end"
            )
        end = _month_end(got.value, 6)
        return Found(
            end,
            period.group(0),
            f"the dividend relates to six months ended {got.value}: taken as a half year, "
            f"the fiscal year ending {end}",
        )
    if (m := _FYE_FORM.search(text)) and (got := read(m.group("v"), None)):
        return Found(got.value, m.group(0))
    if m := _NAMED_YEAR.search(text):
        year = int(m.group("y"))
        return Found(
            dt.date(year, 12, 31),
            m.group(0),
            f"{m.group(0)!r} names the year alone: taken to end on 31 December {year}",
        )
    return None


_FYE_FORM: Final = re.compile(rf"(?i:financial\s+year\s+end)\s*[|:]\s*(?P<v>{DATE_WIDE})")


def _month_end(day: dt.date, months: int) -> dt.date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _notes(text: str, dividend: Dividend, superseded: re.Match[str] | None) -> None:
    for m in _ELECTION.finditer(text):
        if _NOT_OFFERED.search(_sentence(text, m.start())):
            continue
        dividend.notes.append(
            (
                "check",
                "options",
                m.group(0),
                f"the announcement offers a choice ({m.group(0)!r}): the contract has no "
                "option fields yet, so this is sent as a plain cash dividend; confirm the "
                "options (currencies, scrip or reinvestment, deadline, price) before sending",
            )
        )
        break
    if superseded is not None:
        dividend.notes.append(
            (
                "check",
                "superseded",
                superseded.group(0),
                "this notice corrects an earlier announcement: the dates are read from its "
                "replacement text; send it as a replacement (REPL) of the earlier event",
            )
        )
    if franked := _FRANKED.search(text):
        pct = franked.group("pct") or franked.group("pct2")
        said = f"{pct}% franked" if pct else franked.group("full")
        dividend.notes.append(
            (
                "ignored",
                "franking",
                said,
                "the franking (Australian imputation credit) is not a field of the contract: "
                "the amount is the cash dividend",
            )
        )
