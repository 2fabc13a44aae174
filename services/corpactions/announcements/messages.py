"""From what the text says to the messages the service consumes, and what a person must
confirm (the review).

A review item is one of:

- ``inferred``: the value was not printed; it was derived (a year left out, a fiscal
  year end, the source of funds of a US dividend, the rounding of a printed total);
- ``conflict``: the text gives the value twice and the two disagree;
- ``overridden``: an option replaced what the text says;
- ``ignored``: the text says something this extractor does not turn into a field (a
  second listing whose ratio it does not state, an ASX dividend's franking);
- ``check``: a person must check something the text says: a stated ex-date or last cum
  day the computed schedule disagrees with, a rule the service would reject the
  resolution by, an election offered (scrip, DRP), only a net amount printed, a notice
  that supersedes an earlier one;
- ``missing``: a required value the text does not give (the issuer's name, the
  listing), with the option that supplies it; the draft resolution is still printed.

Conflicts, missing values and rules the service would reject by make the extraction
unusable as it is (exit 1, nothing produced); the other kinds leave it usable.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from corpactions.announcements.reading import Dividend, Found, Reading
from corpactions.announcements.values import MARKET_CURRENCY, NAMED_CURRENCY
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.forecast import FORECAST_MESSAGE_TYPE, DividendForecast
from corpactions.domain import DividendType, SourceOfFunds


@dataclass(frozen=True)
class OtherListingOption:
    mic: str
    symbol: str
    shares_per_unit: str


@dataclass(frozen=True)
class Overrides:
    """What the options supply: each wins over the text, with a review note when the text
    said otherwise."""

    mic: str | None = None
    isin: str | None = None
    local_code: str | None = None
    issuer: str | None = None
    resolved_on: dt.date | None = None
    fiscal_year_end: dt.date | None = None
    other_listings: tuple[OtherListingOption, ...] = ()
    event_ids: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()


@dataclass
class Extraction:
    resolutions: list[dict[str, Any]] = field(default_factory=list)
    forecasts: list[dict[str, Any]] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resolution_keys: list[str] = field(default_factory=list)  # the Kafka key of each
    forecast_keys: list[str] = field(default_factory=list)

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        """(key, message) in the order to send them: the forecasts first, so that the
        resolution's fiscal roll-up counts the forecast the same text states."""
        return list(zip(self.forecast_keys, self.forecasts, strict=True)) + list(
            zip(self.resolution_keys, self.resolutions, strict=True)
        )

    @property
    def usable(self) -> bool:
        return bool(self.resolutions) and not self.errors

    def document(self) -> dict[str, Any]:
        return {"resolutions": self.resolutions, "forecasts": self.forecasts, "review": self.review}


class _Review:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, kind: str, where: str, value: Any, reason: str) -> None:
        item = {"field": where, "kind": kind, "value": _plain(value), "reason": reason}
        if item not in self.items:
            self.items.append(item)

    def found(self, where: str, found: Found[Any] | None) -> None:
        if found is not None and found.inferred:
            self.add("inferred", where, found.value, found.inferred)


def _fresh_id() -> str:
    """A new id of 35 characters: ISO 20022 notifications carry an event id of at most 35
    (Max35Text), so a longer one would dead-letter the service's seev.031."""
    return f"ex-{uuid.uuid4().hex}"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def build(reading: Reading, options: Overrides) -> Extraction:
    """The messages and the review: a dividend, ids one per dividend and no conflict;
    then each dividend's resolution; then the forecasts the text states."""
    out = Extraction()
    review = _Review()
    if not reading.dividends:
        out.errors.append("no dividend with a per-share amount and a record date found in the text")
        return out
    out.errors = _ids_not_one_per_dividend(reading, options)
    if out.errors:
        return out
    out.errors = _conflicts(reading, review)
    issuer = _issuer(reading, options, review)
    security, others = _security(reading, options, review, reading.dividends[0])
    if issuer is None:
        out.errors.append("the text does not name the issuer: give --issuer")
        review.add(
            "missing", "issuer.name", None, "the text does not name the issuer: give --issuer NAME"
        )
    if security is None:
        out.errors.append(
            "the text names no listing (e.g. 'TSE1: 3774', 'NASDAQ: IIJI'): give --mic and "
            "--local-code (or --isin)"
        )
        review.add(
            "missing",
            "security",
            None,
            "the text names no listing: give --mic and --local-code (or --isin)",
        )
    for i, dividend in enumerate(reading.dividends):
        where = f"resolutions[{i}]"
        resolved_on = _resolved_on(dividend, reading, options, review, where)
        if resolved_on is None:
            out.errors.append(
                f"{where}: the text does not say when the dividend was resolved or "
                "released: give --resolved-on"
            )
            review.add(
                "missing",
                f"{where}.resolved_on",
                None,
                "the text does not say when the dividend was resolved or released: give "
                "--resolved-on YYYY-MM-DD",
            )
        fiscal_year_end = _fiscal_year_end(dividend, reading, options, review, where)
        message = _resolution(
            dividend,
            i,
            resolved_on,
            fiscal_year_end,
            issuer,
            security,
            others,
            reading,
            options,
            review,
        )
        if issuer is None or security is None or resolved_on is None:  # a draft, unsendable
            out.resolutions.append(message)
            out.resolution_keys.append("")
            continue
        try:
            model = BoardResolution.model_validate(message)
        except ValidationError as exc:
            out.errors.extend(f"{where}: {e['loc']}: {e['msg']}" for e in exc.errors())
            continue
        out.errors.extend(_check_dates(model, dividend, review, where))
        out.resolutions.append(model.model_dump(mode="json", exclude_none=True))
        out.resolution_keys.append(model.security_key)
    if out.resolutions and security is not None and issuer is not None:
        _forecasts(reading, out, issuer, security, review)
    out.review = review.items
    return out


def _check_dates(
    model: BoardResolution, dividend: Dividend, review: _Review, where: str
) -> list[str]:
    """The dates the text states that the schedule disagrees with (review), and the rules
    the service would reject the resolution by (review and an error)."""
    from corpactions.announcements.schedules import check

    stated = {
        name: (found.value, found.text)
        for name, found in (
            ("ex_date", dividend.stated_ex_date),
            ("last_cum_date", dividend.stated_last_cum_date),
        )
        if found is not None and not found.inferred
    }
    errors = []
    for item in check(model, stated):
        review.add("check", f"{where}.{item['field']}", item["value"], item["reason"])
        if item.get("reject"):
            errors.append(f"{where}: the service would reject it: {item['reason']}")
    return errors


def _ids_not_one_per_dividend(reading: Reading, options: Overrides) -> list[str]:
    return [
        f"{len(given)} {flag} given for {len(reading.dividends)} dividends"
        for flag, given in (
            ("--event-id", options.event_ids),
            ("--message-id", options.message_ids),
        )
        if given and len(given) != len(reading.dividends)
    ]


def _conflicts(reading: Reading, review: _Review) -> list[str]:
    """A value the text prints twice, disagreeing: in the review, and an error (the
    extraction is not usable as it is)."""
    errors = []
    for conflict in reading.conflicts:
        review.add(
            "conflict",
            f"resolutions[*].{conflict.field}",
            list(conflict.values),
            "the text gives different values: " + " / ".join(repr(t) for t in conflict.texts),
        )
        errors.append(
            f"the text gives {conflict.field} twice and they disagree: {', '.join(conflict.values)}"
        )
    return errors


def _forecasts(
    reading: Reading, out: Extraction, issuer: str, security: dict[str, str], review: _Review
) -> None:
    """One forecast message per forecast the text states, disclosed with the resolution.
    A forecast of a later fiscal year (its record date after the resolution's year end)
    belongs to the year end the text prints after it, else its record date's."""
    first = out.resolutions[0]
    fye = dt.date.fromisoformat(first["fiscal_year_end"])
    for j, forecast in enumerate(reading.forecasts):
        year_end = fye
        if forecast.record_date is not None and forecast.record_date > fye:
            later = sorted(
                f.value for f in reading.fiscal_year_ends if f.value >= forecast.record_date
            )
            year_end = later[0] if later else forecast.record_date
            if not later:
                review.add(
                    "inferred",
                    f"forecasts[{j}].fiscal_year_end",
                    year_end,
                    "the forecast's record date is taken as its fiscal year end",
                )
        dividend: dict[str, Any] = {
            "dividend_type": forecast.dividend_type.value,
            "amount_per_share": str(forecast.amount.figure),
        }
        if forecast.record_date is not None:
            dividend["record_date"] = forecast.record_date.isoformat()
        message = {
            "message_type": FORECAST_MESSAGE_TYPE,
            "message_id": _fresh_id(),
            "disclosed_on": first["resolved_on"],
            "issuer": {"name": issuer},
            "security": security,
            "fiscal_year_end": year_end.isoformat(),
            "currency": forecast.amount.currency or first["currency"],
            "dividends": [dividend],
        }
        try:
            model = DividendForecast.model_validate(message)
        except ValidationError as exc:
            out.errors.extend(f"forecasts[{j}]: {e['loc']}: {e['msg']}" for e in exc.errors())
            continue
        out.forecasts.append(model.model_dump(mode="json", exclude_none=True))
        out.forecast_keys.append(model.security_key)


def _issuer(reading: Reading, options: Overrides, review: _Review) -> str | None:
    read = reading.issuer.value if reading.issuer else None
    if options.issuer is not None:
        if read is not None and read != options.issuer:
            review.add("overridden", "issuer.name", options.issuer, f"the text names {read!r}")
        return options.issuer
    return read


def _security(
    reading: Reading, options: Overrides, review: _Review, first: Dividend
) -> tuple[dict[str, str] | None, list[dict[str, str]]]:
    """The primary listing: the one whose market quotes in the dividend's currency (a
    JPY dividend is paid on the Tokyo listing, not on the NASDAQ ADSs)."""
    currency = first.amount.value.currency
    home = {"JPY": {"XTKS"}, "USD": {"XNAS", "XNYS", "XASE"}}.get(currency or "", set())
    home |= {m for m, c in MARKET_CURRENCY.items() if c == currency and c not in ("JPY", "USD")}
    listings = sorted(reading.listings, key=lambda x: x.mic not in home)
    primary = listings[0] if listings else None
    mic = primary.mic if primary else None
    code = primary.code if primary else None
    said = primary.text if primary else ""
    if options.mic is not None:
        if mic is not None and mic != options.mic:
            review.add("overridden", "security.mic", options.mic, f"the text says {said!r}")
        mic = options.mic
    if options.local_code is not None:
        if code is not None and code != options.local_code:
            review.add(
                "overridden",
                "security.local_code",
                options.local_code,
                f"the text says {said!r}",
            )
        code = options.local_code
    others: list[dict[str, str]] = []
    given = {(o.mic, o.symbol): o for o in options.other_listings}
    for listing in listings[1:]:
        if (listing.mic, listing.code) in given:
            continue
        review.add(
            "ignored",
            "other_listings",
            f"{listing.mic}:{listing.code}",
            f"the text names {listing.text!r}, but not how many shares one unit there "
            f"represents: give --other-listing {listing.mic}:{listing.code}:SHARES_PER_UNIT",
        )
    others = [
        {"mic": o.mic, "symbol": o.symbol, "shares_per_unit": o.shares_per_unit}
        for o in options.other_listings
    ]
    isin = options.isin or (reading.isin.value if reading.isin else None)
    if mic is None or (code is None and isin is None):
        return None, others
    security = {"mic": mic}
    if isin:
        security["isin"] = isin
    if code:
        security["local_code"] = code
    return security, others


def _resolved_on(
    dividend: Dividend, reading: Reading, options: Overrides, review: _Review, where: str
) -> dt.date | None:
    found = dividend.resolved_on or reading.resolved_on
    if options.resolved_on is not None:
        if found is not None and found.value != options.resolved_on:
            review.add(
                "overridden",
                f"{where}.resolved_on",
                options.resolved_on,
                f"the text says {found.text!r}",
            )
        return options.resolved_on
    if found is None:
        return None
    review.found(f"{where}.resolved_on", found)
    return found.value


def _fiscal_year_end(
    dividend: Dividend, reading: Reading, options: Overrides, review: _Review, where: str
) -> dt.date:
    """The fiscal year the dividend belongs to: the first year end the text prints on or
    after the record date (within a year), else derived from the kind of dividend."""
    record = dividend.record_date.value
    printed = sorted(
        f.value
        for f in reading.fiscal_year_ends
        if record <= f.value <= record + dt.timedelta(days=366)
    )
    if options.fiscal_year_end is not None:
        if printed and printed[0] != options.fiscal_year_end:
            review.add(
                "overridden",
                f"{where}.fiscal_year_end",
                options.fiscal_year_end,
                f"the text says {printed[0]}",
            )
        return options.fiscal_year_end
    if printed:
        return printed[0]
    kind = dividend.dividend_type.value
    if kind is DividendType.YEAR_END:  # a final dividend is paid after its year ends
        before = sorted(
            f.value
            for f in reading.fiscal_year_ends
            if record - dt.timedelta(days=366) <= f.value < record
        )
        if before:
            return before[-1]
    if dividend.fiscal_hint is not None:
        review.found(f"{where}.fiscal_year_end", dividend.fiscal_hint)
        return dividend.fiscal_hint.value
    if kind is DividendType.YEAR_END:
        value, why = record, "a year-end dividend's record date is taken as the fiscal year end"
    elif kind is DividendType.INTERIM:
        value = _month_end(record, 6)
        why = (
            "six months after the interim dividend's record date (the text prints no "
            "fiscal year end after it)"
        )
    else:
        value = dt.date(record.year, 12, 31)
        why = (
            "the text does not say when the fiscal year ends: a calendar year is assumed; "
            "give --fiscal-year-end"
        )
    review.add("inferred", f"{where}.fiscal_year_end", value, why)
    return value


def _month_end(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _resolution(
    dividend: Dividend,
    i: int,
    resolved_on: dt.date | None,
    fiscal_year_end: dt.date,
    issuer: str | None,
    security: dict[str, str] | None,
    others: list[dict[str, str]],
    reading: Reading,
    options: Overrides,
    review: _Review,
) -> dict[str, Any]:
    where = f"resolutions[{i}]"
    amount = dividend.amount.value
    currency = amount.currency
    mic = security["mic"] if security else None
    if currency is None:
        currency = {"XTKS": "JPY"}.get(mic or "", "USD")
        if mic in MARKET_CURRENCY:
            currency = MARKET_CURRENCY[mic]
        review.add(
            "inferred",
            f"{where}.currency",
            currency,
            f"{dividend.amount.text!r} prints no currency: the market's is taken",
        )
    elif (
        currency == "USD"
        and MARKET_CURRENCY.get(mic or "", "USD") != "USD"
        and not NAMED_CURRENCY.search(amount.text)
    ):  # "$0.40" or "42 cents" from a Toronto or Sydney issuer: its market's dollar
        currency = MARKET_CURRENCY[mic or ""]
        review.add(
            "inferred",
            f"{where}.currency",
            currency,
            f"{amount.text!r} does not name its currency: the currency of the listing's "
            f"market ({mic}) is taken",
        )
    message: dict[str, Any] = {
        "message_id": options.message_ids[i] if options.message_ids else _fresh_id(),
        "event_id": options.event_ids[i] if options.event_ids else _fresh_id(),
        "function": "NEWM",
        "version": 1,
        "resolved_on": resolved_on.isoformat() if resolved_on else None,
        "issuer": {"name": issuer},
        "security": security,
        "dividend_type": dividend.dividend_type.value.value,
        "fiscal_year_end": fiscal_year_end.isoformat(),
        "currency": currency,
        "gross_amount_per_share": str(amount.figure * amount.unit),
        "record_date": dividend.record_date.value.isoformat(),
        "subject_to_approval": reading.subject_to_approval is not None,
    }
    if others:
        message["other_listings"] = others
    review.found(f"{where}.dividend_type", dividend.dividend_type)
    review.found(f"{where}.record_date", dividend.record_date)
    if dividend.payment_date is not None:
        message["payment_date"] = dividend.payment_date.value.isoformat()
        review.found(f"{where}.payment_date", dividend.payment_date)
    if dividend.declared_total is not None:
        total = dividend.declared_total.value
        message["declared_total"] = {
            "amount": str(total.figure),
            "unit": total.unit,
            "rounding": "truncate",
        }
        review.add(
            "inferred",
            f"{where}.declared_total.rounding",
            "truncate",
            f"{total.text!r} does not say how it was rounded: truncation below the unit "
            "(Japanese practice) is assumed",
        )
    if dividend.source_of_funds is not None:
        message["source_of_funds"] = dividend.source_of_funds.value.value
    else:
        message["source_of_funds"] = SourceOfFunds.RETAINED_EARNINGS.value
        review.add(
            "inferred",
            f"{where}.source_of_funds",
            "retained_earnings",
            "the text does not say where the cash comes from: an ordinary dividend out of "
            "retained earnings is assumed",
        )
    if dividend.book_closure is not None:
        first, last = dividend.book_closure
        message["book_closure"] = {
            "first_day": first.value.isoformat(),
            "last_day": last.value.isoformat(),
        }
    if dividend.source_of_funds is not None:
        review.found(f"{where}.source_of_funds", dividend.source_of_funds)
    for kind, name, value, reason in dividend.notes:
        review.add(kind, f"{where}.{name}", value, reason)
    if dividend.forecast is not None:
        figure, disclosed = dividend.forecast
        message["forecast_per_share"] = {
            "amount": str(figure),
            "disclosed_on": disclosed.value.isoformat(),
        }
        review.found(f"{where}.forecast_per_share.disclosed_on", disclosed)
    return message
