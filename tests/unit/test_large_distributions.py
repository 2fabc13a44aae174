"""US distributions of 25% or more of the share's value: ex the business day after payment.

Rule: FINRA Rule 11140(b)(2) (with the exchanges' matching rules): when a cash
distribution is 25% or more of the value of the security, the ex-date is the first
business day after the payable date, and trades until then carry due bills. Tokyo has no
such rule. Every expected date below is worked by hand beside it from the exchanges'
published holiday lists; none comes from the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from corpactions.domain import DomainRejected, configured_horizon, schedule_dividend
from corpactions.domain.fiscal import DividendType
from corpactions.domain.inputs import DividendInput, Price, SecurityRef
from corpactions.domain.reasons import ReasonCode

from .resolutions import iij

D = dt.date.fromisoformat


def nortonlifelock(**changes: Any) -> Any:
    """NortonLifeLock's special dividend of USD 12.00 (Nasdaq: NLOK), paid Fri 2020-01-31
    through DTC's due-bill process (Gen Digital investor relations, "Special Dividend"
    page). The record date, 2020-01-21, is as the company announced it, not from that page;
    under this rule the ex-date does not depend on it. The reference price is
    illustrative: any close up to USD 48.00 makes 12.00 at least 25% of it."""
    data: dict[str, Any] = {
        "message_id": "nlok-special-1",
        "event_id": "US6687711084-DVCA-2020-SPECIAL",
        "resolved_on": "2019-12-05",
        "issuer": {"name": "NortonLifeLock Inc."},
        "security": {"isin": "US6687711084", "local_code": "NLOK", "mic": "XNAS"},
        "other_listings": [],
        "dividend_type": "special",
        "fiscal_year_end": "2020-04-03",
        "currency": "USD",
        "gross_amount_per_share": "12.00",
        "record_date": "2020-01-21",
        "payment_date": "2020-01-31",
        "eligible_shares": None,
        "declared_total": None,
        "forecast_per_share": None,
        "reference_price": {"amount": "25.50", "priced_on": "2019-12-05"},
    }
    data.update(changes)
    return iij(**data)


def dates(listing: Any) -> tuple[str, str, str, str | None]:
    d = listing.dates
    settles = d.ex_date_settles_on.isoformat() if d.ex_date_settles_on else None
    return (d.last_cum_date.isoformat(), d.ex_date.isoformat(), d.last_cum_settles_on.isoformat(),
            settles)  # fmt: skip


def codes(schedule: Any) -> list[str]:
    return [w.code.value for w in schedule.warnings]


def test_nortonlifelock_special_goes_ex_the_monday_after_its_friday_payment() -> None:
    s = schedule_dividend(nortonlifelock())
    # Paid Fri 2020-01-31 -> first business day after: Mon 02-03 (no Nasdaq holiday).
    # Last cum day Fri 01-31, T+2 (2020) -> Mon 02-03, Tue 02-04: settles 02-04, after the
    # record date (due bills). Ex Mon 02-03, T+2 -> 02-04, 02-05.
    assert dates(s.primary) == ("2020-01-31", "2020-02-03", "2020-02-04", "2020-02-05")
    assert s.primary.dates.settlement_cycle == 2
    assert codes(s) == ["ex_date_after_payment"]
    assert "XNAS" in s.warnings[0].message
    assert "2020-01-31" in s.warnings[0].message


def test_without_a_reference_price_the_general_rule_applies() -> None:
    s = schedule_dividend(nortonlifelock(reference_price=None))
    # Record Tue 2020-01-21; Mon 01-20 was Martin Luther King Jr. Day (closed).
    # T+2 from Thu 01-16 -> Fri 01-17, Tue 01-21 <= record; Fri 01-17 -> 01-21, 01-22: too
    # late. Last cum 01-16, ex Fri 01-17 (T+2 -> 01-21, 01-22).
    assert dates(s.primary) == ("2020-01-16", "2020-01-17", "2020-01-21", "2020-01-22")
    assert codes(s) == []


@pytest.mark.parametrize(
    ("price", "large"),
    [
        ("48.00", True),  # 12.00 x 4 = 48.00: exactly 25% counts ("25% or greater")
        ("48.01", False),  # 24.99...%
        ("12.00", True),  # 100%
    ],
)
def test_the_threshold_is_25_percent_inclusive(price: str, large: bool) -> None:
    s = schedule_dividend(
        nortonlifelock(reference_price={"amount": price, "priced_on": "2019-12-05"})
    )
    assert (s.primary.dates.ex_date == D("2020-02-03")) is large
    assert (codes(s) == ["ex_date_after_payment"]) is large


def test_payment_on_a_holiday_goes_ex_the_next_session() -> None:
    # Payment Fri 2025-07-04, Independence Day (NYSE closed): first business day after is
    # Mon 07-07. Last cum Thu 07-03 (an early-close session), T+1 -> Mon 07-07. Ex 07-07,
    # T+1 -> Tue 07-08.
    s = schedule_dividend(nortonlifelock(record_date="2025-06-27", payment_date="2025-07-04",
                                         fiscal_year_end="2026-03-31",
                                         resolved_on="2025-06-02"))  # fmt: skip
    assert dates(s.primary) == ("2025-07-03", "2025-07-07", "2025-07-07", "2025-07-08")
    assert sorted(codes(s)) == ["ex_date_after_payment", "payment_date_not_a_session"]


def test_across_a_cycle_switch_each_day_settles_under_its_own_cycle() -> None:
    # Payment Fri 2024-05-24; Mon 05-27 Memorial Day; T+1 from trades of Tue 05-28.
    # Ex Tue 05-28 (T+1 -> Wed 05-29). Last cum Fri 05-24, still T+2 -> 05-28, 05-29.
    s = schedule_dividend(nortonlifelock(record_date="2024-05-20", payment_date="2024-05-24",
                                         fiscal_year_end="2025-03-31",
                                         resolved_on="2024-05-01"))  # fmt: skip
    assert dates(s.primary) == ("2024-05-24", "2024-05-28", "2024-05-29", "2024-05-29")
    assert (s.primary.dates.settlement_cycle, s.primary.dates.ex_date_cycle) == (2, 1)


def test_tokyo_keeps_the_record_date_rule_while_its_us_ads_goes_ex_after_payment() -> None:
    # IIJ's FY2016 interim (JPY 13.50; XTKS primary, XNAS ADS = 0.5 share) with an
    # illustrative price of JPY 50: 13.50 x 4 = 54 >= 50.
    s = schedule_dividend(iij(reference_price={"amount": "50", "priced_on": "2016-11-04"}))
    # XTKS as published (DOMAIN.md): last cum Tue 09-27, ex Wed 09-28; T+3 from 09-27 ->
    # 09-28, 09-29, 09-30; from 09-28 -> 09-29, 09-30, 10-03.
    assert dates(s.primary) == ("2016-09-27", "2016-09-28", "2016-09-30", "2016-10-03")
    # XNAS: paid Tue 2016-12-06 -> ex Wed 12-07; last cum 12-06, T+3 (2016) -> 12-07,
    # 12-08, Fri 12-09; ex 12-07 -> 12-08, 12-09, Mon 12-12.
    assert dates(s.other_listings[0]) == ("2016-12-06", "2016-12-07", "2016-12-09", "2016-12-12")
    assert codes(s) == ["ex_date_after_payment"]
    assert "on XNAS" in s.warnings[0].message


def test_tokyo_alone_has_no_such_rule() -> None:
    s = schedule_dividend(
        iij(other_listings=[], reference_price={"amount": "50", "priced_on": "2016-11-04"})
    )
    assert s.primary.dates.ex_date == D("2016-09-28")
    assert codes(s) == []


def reasons_of(res: Any) -> set[tuple[str, str]]:
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(res)
    return {(r.code.value, r.field) for r in info.value.reasons}


def test_a_large_us_distribution_needs_its_payment_date() -> None:
    assert reasons_of(nortonlifelock(payment_date=None)) == {
        ("large_distribution_without_payment_date", "payment_date")
    }


def test_a_payment_past_the_calendar_is_out_of_range_not_guessed() -> None:
    # Record date 12 days before the horizon, payment 6 days after it.
    horizon = configured_horizon()
    late = nortonlifelock(
        record_date=(horizon - dt.timedelta(days=12)).isoformat(),
        payment_date=(horizon + dt.timedelta(days=6)).isoformat(),
        fiscal_year_end=(horizon + dt.timedelta(days=90)).isoformat(),
        resolved_on=(horizon - dt.timedelta(days=30)).isoformat(),
    )
    with pytest.raises(DomainRejected) as info:
        schedule_dividend(late)
    (reason,) = info.value.reasons
    assert (reason.code.value, reason.field) == (
        "payment_date_out_of_calendar_range",
        "payment_date",
    )
    assert horizon.isoformat() in reason.message


def test_the_core_checks_the_price_itself_for_callers_without_the_contract() -> None:
    res = DividendInput(
        event_id="E1",
        resolved_on=D("2020-01-02"),
        security=SecurityRef("XNAS", "NLOK"),
        dividend_type=DividendType.SPECIAL,
        fiscal_year_end=D("2020-04-03"),
        currency="USD",
        gross_amount_per_share=Decimal("12.00"),
        record_date=D("2020-01-21"),
        payment_date=D("2020-01-31"),
        reference_price=Price(Decimal("-1"), D("2019-12-05")),
    )
    assert reasons_of(res) == {(ReasonCode.NON_POSITIVE_AMOUNT.value, "reference_price.amount")}
