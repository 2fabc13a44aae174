"""The calendar (issue 35), rendered from a state built by the lifecycle: no broker.

The IIJ FY2016 interim on XTKS (Asia/Tokyo, UTC+9, no DST), worked by hand as in
test_date_event_times.py: the record date 2016-09-30 is due at 23:59:59 JST =
2016-09-30T14:59:59Z; the payment date 2016-12-06 at 00:00 JST = 2016-12-05T15:00:00Z,
which is still 2016-12-05 in UTC: the calendar files it under the market's day, 12-06.
"""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from typing import Any

import icalendar
import pytest

from corpactions.contracts.topics import Topics
from corpactions.stream.calendar_page import Calendar, render_html, render_ics
from corpactions.stream.calendar_view import (
    BadQuery,
    CalendarQuery,
    Digest,
    local_entries,
    replay_command,
    sort_entries,
)
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.support.kafka import example_resolution, key_of

UTC = dt.UTC
EVENT = "JP3152820001-DVCA-FY2016-INTERIM"
HOSTILE = "<script>alert(1)</script>"


def feed(life: Lifecycle, state: PartitionState, doc: dict[str, Any], now: dt.datetime) -> None:
    raw = json.dumps(doc).encode()
    life.on_resolution(state, raw, Source("in", 0, 0, None, key_of(raw)), now)


def built(now: dt.datetime) -> tuple[Lifecycle, dict[int, PartitionState]]:
    """Two partitions: IIJ on 0; on 1 a Tokyo security with a hostile issuer name."""
    life = Lifecycle(Topics())
    states = {0: PartitionState(), 1: PartitionState()}
    feed(life, states[0], example_resolution(), now)
    evil = example_resolution(
        message_id="evil-1",
        event_id="EVIL-1",
        issuer={"name": HOSTILE},
        security={"local_code": "9999", "mic": "XTKS"},
        other_listings=[],
    )
    feed(life, states[1], evil, now)
    return life, states


async def calendar(states: dict[int, PartitionState], now: dt.datetime, **params: str) -> Calendar:
    query = CalendarQuery.parse(params, now.date())
    entries, overdue = await local_entries(states, query, now)
    return Calendar(query, now, sort_entries(entries), overdue, None, ["http://w1"])


async def test_dates_fall_under_the_markets_day_with_utc_beside() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    _, states = built(now)
    cal = await calendar(states, now, **{"from": "2016-09-28", "to": "2016-12-10"})
    days = cal.days()
    assert sorted(days) == ["2016-09-30", "2016-12-06"]
    [record] = [e for e in days["2016-09-30"] if e["event_id"] == EVENT]
    assert record["kind"] == "record"
    assert record["due_at"] == "2016-09-30T14:59:59+00:00"
    assert record["due_local"] == "2016-09-30T23:59:59+09:00"
    assert record["time_zone"] == "Asia/Tokyo"
    assert (record["issuer"], record["amount"], record["currency"]) == (
        "Internet Initiative Japan Inc.",
        "13.50",
        "JPY",
    )
    assert record["status"] == "pending"
    assert record["links"]["action"] == f"/actions/{EVENT}/"
    [payment] = [e for e in days["2016-12-06"] if e["event_id"] == EVENT]
    assert payment["due_at"] == "2016-12-05T15:00:00+00:00"  # 12-05 in UTC, 12-06 in Tokyo
    assert {e["partition"] for e in cal.entries} == {0, 1}


async def test_the_default_is_today_and_the_next_seven_days() -> None:
    now = dt.datetime(2016, 9, 25, 12, tzinfo=UTC)
    _, states = built(dt.datetime(2016, 9, 1, tzinfo=UTC))
    cal = await calendar(states, now)
    assert (cal.query.start, cal.query.end) == (dt.date(2016, 9, 25), dt.date(2016, 10, 2))
    assert sorted(cal.days()) == ["2016-09-30"]
    later = await calendar(states, dt.datetime(2016, 10, 1, tzinfo=UTC))
    assert later.days() == {}


async def test_fired_paid_and_cancelled() -> None:
    life, states = built(dt.datetime(2016, 9, 1, tzinfo=UTC))
    life.on_tick(states[0], dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC))
    cancel = example_resolution(
        message_id="evil-2",
        event_id="EVIL-1",
        function="CANC",
        version=2,
        issuer={"name": HOSTILE},
        security={"local_code": "9999", "mic": "XTKS"},
        other_listings=[],
    )
    feed(life, states[1], cancel, dt.datetime(2016, 9, 2, tzinfo=UTC))
    now = dt.datetime(2016, 12, 6, tzinfo=UTC)
    cal = await calendar(states, now, **{"from": "2016-09-01", "to": "2016-12-31"})
    status = {(e["event_id"], e["kind"]): (e["status"], e["fired_at"]) for e in cal.entries}
    assert status[(EVENT, "record")] == ("fired", "2016-09-30T14:59:59+00:00")
    assert status[(EVENT, "payment")] == ("paid", "2016-12-05T15:00:00+00:00")
    assert status[("EVIL-1", "record")] == ("cancelled", None)
    assert cal.overdue == 0
    assert cal.overdue_entries() == []


async def test_overdue_is_the_metrics_figure_and_shows_outside_the_days_asked() -> None:
    _, states = built(dt.datetime(2016, 9, 1, tzinfo=UTC))
    # the worker was stopped: nothing ticked; the clock is now past both record dates
    now = dt.datetime(2016, 10, 3, tzinfo=UTC)
    cal = await calendar(states, now)  # 10-03 .. 10-10: no date falls in these days
    assert cal.days() == {}
    metric = sum(s.overdue(now)[0] for s in states.values())
    assert cal.overdue == metric == 2  # two record dates, one per partition
    # the same instant: by event id
    assert [(e["event_id"], e["kind"]) for e in cal.overdue_entries()] == [
        ("EVIL-1", "record"),
        (EVENT, "record"),
    ]
    page = render_html(cal)
    assert "2 date(s) overdue" in page
    assert page.count('<tr class="overdue">') == 2


async def test_filters() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    _, states = built(now)
    span = {"from": "2016-09-01", "to": "2016-12-31"}

    async def events(**params: str) -> set[tuple[str, str]]:
        cal = await calendar(states, now, **span, **params)
        return {(e["event_id"], e["kind"]) for e in cal.entries}

    both = {(EVENT, "record"), (EVENT, "payment"), ("EVIL-1", "record"), ("EVIL-1", "payment")}
    assert await events() == both
    assert await events(mic="xtks") == both
    assert await events(mic="XNYS") == set()  # a real MIC, no action there
    assert await events(isin="jp3152820001") == {(EVENT, "record"), (EVENT, "payment")}
    assert await events(issuer="initiative JAPAN") == {(EVENT, "record"), (EVENT, "payment")}
    assert await events(type="payment") == {(EVENT, "payment"), ("EVIL-1", "payment")}
    assert await events(type="interim") == both
    assert await events(type="year_end") == set()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "yesterday"}, "from='yesterday' is not an ISO date (YYYY-MM-DD)"),
        ({"to": "2016-13-01"}, "to='2016-13-01' is not an ISO date (YYYY-MM-DD)"),
        ({"from": "2016-10-01", "to": "2016-09-01"}, "to=2016-09-01 is before from=2016-10-01"),
        ({"mic": "ZZZZ"}, "mic='ZZZZ' is not an ISO 10383 market identifier code"),
        ({"isin": "JP31"}, "isin='JP31' is not an ISIN"),
        ({"type": "bonus"}, "type='bonus' is not one of record, payment, interim"),
        ({"form": "2016-01-01"}, "unknown parameter 'form'"),
        ({"from": "2016-01-01", "to": "2017-06-01"}, "spans over 366 days"),
    ],
)
def test_a_bad_parameter_is_one_clear_line(params: dict[str, str], message: str) -> None:
    with pytest.raises(BadQuery) as info:
        CalendarQuery.parse(params, dt.date(2016, 9, 1))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


class _Tags(HTMLParser):
    """Every start tag and attribute, and the text, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_the_page_escapes_a_hostile_issuer_and_needs_no_script() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    _, states = built(now)
    cal = await calendar(
        states, now, **{"from": "2016-09-28", "to": "2016-10-05", "issuer": HOSTILE}
    )
    page = render_html(cal)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = _Tags()
    parsed.feed(page)
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags
    hrefs = [a.get("href") or "" for t, a in parsed.tags if t == "a"]
    assert hrefs
    assert not any(h.startswith("javascript") for h in hrefs)
    assert HOSTILE in "".join(parsed.text)  # shown as text, as written
    [refresh] = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "refresh"]
    assert refresh["content"] == "60"
    forms = [a for t, a in parsed.tags if t == "form"]
    assert forms == [{"method": "get", "action": "/calendar"}]  # no write action


async def test_the_page_lists_each_day_with_its_entries() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    _, states = built(now)
    cal = await calendar(states, now, **{"from": "2016-09-28", "to": "2016-12-10"})
    page = render_html(cal)
    sections = page.split('<section id="day-')[1:]
    assert [s[:10] for s in sections] == ["2016-09-30", "2016-12-06"]
    assert "JP3152820001" in sections[0]
    assert "13.50 JPY" in sections[0]
    assert "2016-09-30 23:59 Asia/Tokyo" in sections[0]
    assert "(2016-09-30 14:59 UTC)" in sections[0]
    assert "ISO 20022: no view" in sections[0]


async def test_dead_letters_by_reason_with_their_replay_commands() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    since = now - dt.timedelta(hours=24)
    letter = {
        "partition": 0,
        "offset": 41,
        "reason": "invalid_payload",
        "message": HOSTILE,
        "source": "in/0/7",
        "rejected_at": "2016-08-31T23:00:00+00:00",
        "replay": replay_command("invalid_payload", partition=0, offset=41),
    }
    digest = Digest(now, since, {"invalid_payload": [letter]}, {"invalid_payload": 1})
    cal = Calendar(CalendarQuery.parse({}, now.date()), now, [], 0, digest, ["http://w1"])
    page = render_html(cal)
    assert "invalid_payload: 1" in page
    assert (
        "corpactions dlq replay --reason invalid_payload --partition 0 --since 41 --until 42"
        in page
    )
    assert "corpactions dlq replay --reason invalid_payload --since 2016-08-31T00:00:00Z" in page
    assert HOSTILE not in page
    body = cal.as_json()["dead_letters"]
    assert body["reasons"][0]["count"] == 1


async def test_the_ics_reads_back_in_a_real_icalendar_parser() -> None:
    now = dt.datetime(2016, 9, 1, tzinfo=UTC)
    life, states = built(now)
    odd = example_resolution(
        message_id="odd-1",
        event_id="ODD-1",
        issuer={"name": "Smith, Jones; & Co. \\ 株式会社 " + "long name " * 10},
        security={"local_code": "8888", "mic": "XTKS"},
        other_listings=[],
    )
    feed(life, states[1], odd, now)
    cal = await calendar(states, now, **{"from": "2016-09-28", "to": "2016-12-10"})
    text = render_ics(cal, "http://w1:6066")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = icalendar.Calendar.from_ical(text)
    events = parsed.walk("VEVENT")
    assert len(events) == 6  # three actions, a record and a payment date each
    by_uid = {str(e["UID"]): e for e in events}
    record = by_uid[f"{EVENT}-record@corpactions"]
    assert record.decoded("DTSTART") == dt.date(2016, 9, 30)
    assert by_uid[f"{EVENT}-payment@corpactions"].decoded("DTSTART") == dt.date(2016, 12, 6)
    assert "Internet Initiative Japan Inc." in str(record["SUMMARY"])
    assert str(record["URL"]) == f"http://w1:6066/actions/{EVENT}/"
    odd_summary = str(by_uid["ODD-1-record@corpactions"]["SUMMARY"])
    assert odd_summary.startswith("Record date: Smith, Jones; & Co. \\ 株式会社 long name")
    assert HOSTILE in str(by_uid["EVIL-1-record@corpactions"]["SUMMARY"])  # text, not HTML
