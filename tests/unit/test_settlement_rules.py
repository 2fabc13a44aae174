"""Settlement rules as data, on a made-up market whose every weekday is a session.

The market, its sessions and its rules are invented here to pin the mechanism that the
real markets' data (data/markets.toml) use: settlement holidays (sessions on which
nothing settles) and record-date deferrals (Tokyo's 5th-day settlement). Every expected
date is counted by hand beside it.
"""

from __future__ import annotations

import bisect
import datetime as dt

from corpactions.domain.calendars import BEYOND, CalendarIndex, build_sessions
from corpactions.domain.markets import MARKETS, load_markets

D = dt.date.fromisoformat

_RULES = """
[markets.x]
calendar = "XNYS"
operating_mics = ["ZZZA"]
[[markets.x.cycles]]
from = 2001-01-01
sessions = {cycle}
source = "made up for this test"
{extra}
"""


def weekdays(first: str, last: str) -> list[dt.date]:
    day, end, out = D(first), D(last), []
    while day <= end:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def market(cycle: int, extra: str = "") -> CalendarIndex:
    (m,) = load_markets(_RULES.format(cycle=cycle, extra=extra))
    return build_sessions(m, weekdays("2001-09-03", "2001-10-31"), dt.UTC, D("2001-09-10"),
                          D("2001-10-19"))  # fmt: skip


def last_cum(s: CalendarIndex, record: str) -> dt.date:
    return s.sessions[s.last_cum_index(D(record))]


HOLIDAY = """
[[markets.x.settlement_holidays]]
date = 2001-10-08
source = "made up: a bank holiday on which the exchange trades"
"""


def test_a_settlement_holiday_is_a_trade_date_but_not_a_settlement_day() -> None:
    s = market(2, HOLIDAY)
    # Thu 10-04, T+2 over settlement days: Fri 10-05, (Mon 10-08 skipped), Tue 10-09.
    assert s.settles[s.index_on_or_before(D("2001-10-04"))] == D("2001-10-09").toordinal()
    # A trade on the holiday itself: Tue 10-09, Wed 10-10.
    assert s.settles[s.index_on_or_before(D("2001-10-08"))] == D("2001-10-10").toordinal()
    # Record Mon 10-08: the register is struck on Fri 10-05. Wed 10-03 -> 10-04, 10-05:
    # in time; Thu 10-04 -> 10-09: late.
    assert last_cum(s, "2001-10-08") == D("2001-10-03")
    # Record Tue 10-09: Thu 10-04 -> 10-09 in time; Fri 10-05 -> 10-09, 10-10: late.
    assert last_cum(s, "2001-10-09") == D("2001-10-04")


DEFERRAL = """
[[markets.x.record_date_deferrals]]
from = 2001-01-01
until = 2001-10-15
sessions = 1
source = "made up: Tokyo's 5th-day settlement, shape only"
"""


def test_a_record_date_deferral_moves_only_the_trade_settling_on_the_record_date() -> None:
    s = market(3, DEFERRAL)
    # Record Fri 10-12. Tue 10-09 -> 10-10, 10-11, 10-12 = the record date: deferred to
    # Mon 10-15, late. Mon 10-08 -> 10-09, 10-10, 10-11: in time.
    assert last_cum(s, "2001-10-12") == D("2001-10-08")
    i = s.index_on_or_before(D("2001-10-09"))
    assert s.settlement(i, D("2001-10-12").toordinal()) == D("2001-10-15").toordinal()
    assert s.settlement(i, D("2001-10-15").toordinal()) == D("2001-10-12").toordinal()
    # Trades from Mon 10-15 are not deferred: record Fri 10-19, Tue 10-16 -> 10-17,
    # 10-18, 10-19 in time.
    assert last_cum(s, "2001-10-19") == D("2001-10-16")


def test_a_settlement_past_the_built_sessions_is_beyond_any_date() -> None:
    s = market(3)
    # Tue 10-30 -> Wed 10-31, then nothing built.
    assert s.settles[s.index_on_or_before(D("2001-10-30"))] == BEYOND


def test_every_session_of_every_market_gets_the_cycle_and_deferral_in_force_on_its_day() -> None:
    """The index looks the rules up once per span between rule changes: each session's
    settlement is still the one its own day's cycle and deferral give."""
    days = weekdays("1999-06-01", "2031-12-31")
    for m in MARKETS:
        index = build_sessions(m, days, dt.UTC, D("2000-01-01"), D("2031-06-30"))
        settling = [d.toordinal() for d in days if d not in m.settlement_holidays]
        for i, day in enumerate(days):
            k = bisect.bisect_right(settling, day.toordinal()) + m.cycle_on(day) - 1
            deferred = k + m.deferral_on(day)
            assert index.cycles[i] == m.cycle_on(day), (m.key, day)
            assert index.settles[i] == (settling[k] if k < len(settling) else BEYOND)
            assert index.settles_on_record[i] == (
                settling[deferred] if deferred < len(settling) else BEYOND
            ), (m.key, day)
