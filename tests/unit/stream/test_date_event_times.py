"""When the date events fire (issue 15): the record date at the end of its settlement day,
the payment date at its start, each in the primary market's time zone, each event saying
which instant it stands for; and what became of CORPACTIONS_DATE_EVENT_TIME.

IIJ FY2016 interim on XTKS (Tokyo, UTC+9 all year, no DST), worked by hand:
record date 2016-09-30 23:59:59 JST = 2016-09-30T14:59:59Z; payment date 2016-12-06
00:00 JST = 2016-12-05T15:00:00Z. A US example on XNAS (America/New_York, EST = UTC-5 in
December): record date 2016-12-14 23:59:59 EST = 2016-12-15T04:59:59Z.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from corpactions.contracts.topics import Topics
from corpactions.settings import Settings, SettingsError
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle, Outcome
from corpactions.stream.state import ACTION_PREFIX, Action, PartitionState
from tests.support.kafka import example_resolution, key_of

UTC = dt.UTC
EVENT = "JP3152820001-DVCA-FY2016-INTERIM"
ANNOUNCED = dt.datetime(2016, 11, 4, 6, tzinfo=UTC)


def events(outcome: Outcome) -> list[dict[str, Any]]:
    return [json.loads(o.value) for o in outcome.outputs]


def feed(life: Lifecycle, state: PartitionState, doc: dict[str, Any], now: dt.datetime) -> None:
    raw = json.dumps(doc).encode()
    life.on_resolution(state, raw, Source("in", 0, 0, None, key_of(raw)), now)


def test_defaults_are_the_end_of_the_record_date_and_the_start_of_the_payment_date() -> None:
    s = Settings.from_env({})
    assert s.record_date_event_time == dt.time(23, 59, 59)
    assert s.payment_date_event_time == dt.time(0, 0)


def test_the_two_times_are_set_separately() -> None:
    s = Settings.from_env(
        {
            "CORPACTIONS_RECORD_DATE_EVENT_TIME": "18:30",
            "CORPACTIONS_PAYMENT_DATE_EVENT_TIME": "09:00:00",
        }
    )
    assert (s.record_date_event_time, s.payment_date_event_time) == (
        dt.time(18, 30),
        dt.time(9, 0),
    )


@pytest.mark.parametrize("raw", ["25:00", "noon", "23:59:59+09:00"])
def test_a_bad_time_is_refused_naming_its_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="CORPACTIONS_RECORD_DATE_EVENT_TIME"):
        Settings.from_env({"CORPACTIONS_RECORD_DATE_EVENT_TIME": raw})


def test_the_old_variable_is_refused_with_what_replaces_it() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"CORPACTIONS_DATE_EVENT_TIME": "00:00"})
    message = str(info.value)
    assert "CORPACTIONS_RECORD_DATE_EVENT_TIME" in message
    assert "CORPACTIONS_PAYMENT_DATE_EVENT_TIME" in message


def test_iij_dates_fire_at_the_record_dates_end_and_the_payment_dates_start() -> None:
    life, state = Lifecycle(Topics()), PartitionState()
    feed(life, state, example_resolution(), dt.datetime(2016, 9, 1, tzinfo=UTC))
    end_of_record = dt.datetime(2016, 9, 30, 14, 59, 59, tzinfo=UTC)
    assert life.on_tick(state, end_of_record - dt.timedelta(seconds=1)).outputs == ()
    [record] = events(life.on_tick(state, end_of_record))
    assert record["record_date"] == "2016-09-30"
    assert record["as_of"] == record["due_at"] == "2016-09-30T14:59:59Z"
    assert record["as_of_local"] == "2016-09-30T23:59:59+09:00"
    assert record["time_zone"] == "Asia/Tokyo"
    start_of_payment = dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC)
    assert life.on_tick(state, start_of_payment - dt.timedelta(seconds=1)).outputs == ()
    [payment] = events(life.on_tick(state, start_of_payment))
    assert payment["as_of"] == "2016-12-05T15:00:00Z"
    assert payment["as_of_local"] == "2016-12-06T00:00:00+09:00"


def test_a_us_record_date_ends_in_new_york() -> None:
    life, state = Lifecycle(Topics()), PartitionState()
    doc = example_resolution(
        event_id="US-1",
        security={"isin": "US0378331005", "mic": "XNAS"},
        other_listings=[],
        currency="USD",
        gross_amount_per_share="0.57",
        record_date="2016-12-14",
        payment_date="2016-12-22",
        fiscal_year_end="2017-09-30",
        eligible_shares=None,
        declared_total=None,
        forecast_per_share=None,
        dividend_type="quarterly",
    )
    feed(life, state, doc, dt.datetime(2016, 12, 1, tzinfo=UTC))
    assert life.on_tick(state, dt.datetime(2016, 12, 15, 4, 59, 58, tzinfo=UTC)).outputs == ()
    [record] = events(life.on_tick(state, dt.datetime(2016, 12, 15, 4, 59, 59, tzinfo=UTC)))
    assert record["as_of_local"] == "2016-12-14T23:59:59-05:00"
    assert record["time_zone"] == "America/New_York"


def test_configured_times_are_used() -> None:
    life, state = Lifecycle(Topics(), dt.time(18, 0), dt.time(9, 0)), PartitionState()
    feed(life, state, example_resolution(), dt.datetime(2016, 9, 1, tzinfo=UTC))
    [record] = events(life.on_tick(state, dt.datetime(2016, 9, 30, 9, 0, tzinfo=UTC)))
    assert record["as_of_local"] == "2016-09-30T18:00:00+09:00"
    [payment] = events(life.on_tick(state, dt.datetime(2016, 12, 6, 0, 0, tzinfo=UTC)))
    assert payment["as_of_local"] == "2016-12-06T09:00:00+09:00"


def _old_version_record(action: Action) -> bytes:
    """The changelog value the version before issue 15 wrote: 10 header fields (no MIC)."""
    header = json.loads(action.encode().partition(b"\n")[0])[:10]
    return json.dumps(header).encode() + b"\n" + (action.resolution_json or b"")


def test_a_state_written_by_the_old_version_restores_and_moves_its_pending_dates() -> None:
    life, state = Lifecycle(Topics()), PartitionState()
    feed(life, state, example_resolution(), dt.datetime(2016, 9, 1, tzinfo=UTC))
    now_action = state.actions[EVENT]
    # as the old version scheduled it: both dates at 00:00 JST
    old = Action(
        *now_action.row()[:6],
        dt.datetime(2016, 9, 29, 15, 0, tzinfo=UTC),  # 2016-09-30 00:00 JST
        dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC),
        None,
        None,
    )
    restored = PartitionState()
    restored.apply_changelog((ACTION_PREFIX + EVENT).encode(), _old_version_record(old))
    assert restored.actions[EVENT].mic is None
    restored.rebuild_timers(life.redue)
    assert restored.actions[EVENT].mic == "XTKS"
    # not at the record date's start any more: at its end
    assert life.on_tick(restored, dt.datetime(2016, 9, 30, 14, 59, 58, tzinfo=UTC)).outputs == ()
    [record] = events(life.on_tick(restored, dt.datetime(2016, 9, 30, 14, 59, 59, tzinfo=UTC)))
    assert record["as_of_local"] == "2016-09-30T23:59:59+09:00"
    [payment] = events(life.on_tick(restored, dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC)))
    assert payment["payment_date"] == "2016-12-06"


def test_a_date_the_old_version_fired_is_not_fired_again() -> None:
    life, state = Lifecycle(Topics()), PartitionState()
    feed(life, state, example_resolution(), ANNOUNCED)
    old_record_due = dt.datetime(2016, 9, 29, 15, 0, tzinfo=UTC)
    fired = Action(
        *state.actions[EVENT].row()[:6],
        old_record_due,
        dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC),
        old_record_due,  # its RecordDateReached went out at 00:00 JST
        None,
    )
    restored = PartitionState()
    restored.apply_changelog((ACTION_PREFIX + EVENT).encode(), _old_version_record(fired))
    restored.rebuild_timers(life.redue)
    assert life.on_tick(restored, ANNOUNCED).outputs == ()
