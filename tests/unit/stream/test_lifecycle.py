"""The lifecycle without Kafka: schedule, dates on the day, replacements, cancellations."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle, Outcome
from corpactions.stream.state import PartitionState
from tests.support.kafka import example_resolution, key_of

TOPICS = Topics(prefix="")
# Tokyo is UTC+9 all year (no DST). The record date is reached at its end, 23:59:59 JST =
# 14:59:59 UTC the same day; the payment date at its start, 00:00 JST = 15:00 UTC the day
# before (issue 15: the record date used to fire at its start, 2016-09-29T15:00:00Z).
RECORD_DUE = dt.datetime(2016, 9, 30, 14, 59, 59, tzinfo=dt.UTC)  # 2016-09-30 23:59:59 JST
PAYMENT_DUE = dt.datetime(2016, 12, 5, 15, 0, tzinfo=dt.UTC)  # 2016-12-06 00:00 JST
ANNOUNCED = dt.datetime(2016, 11, 4, 6, 0, tzinfo=dt.UTC)  # IIJ's release day


def msg(offset: int, **changes: Any) -> tuple[bytes, Source]:
    raw = json.dumps(example_resolution(**changes)).encode()
    return raw, Source(TOPICS.resolutions, 0, offset, 1478239200000, key_of(raw))


def events(outcome: Outcome) -> list[dict[str, Any]]:
    """The JSON events (the ISO 20022 documents beside them: tests/unit/test_notifications.py)."""
    return [json.loads(o.value) for o in outcome.outputs if o.topic != TOPICS.notifications]


@pytest.fixture
def life() -> Lifecycle:
    return Lifecycle(TOPICS)


def test_new_resolution_is_scheduled_and_its_past_record_date_fires_at_once(
    life: Lifecycle,
) -> None:
    state = PartitionState()
    out = life.on_resolution(state, *msg(0), ANNOUNCED)
    assert out.verdict is Verdict.SCHEDULED
    [scheduled] = events(out)
    assert scheduled["type"] == "DividendScheduled"
    assert out.outputs[0].topic == TOPICS.schedules
    assert out.outputs[0].key == b"JP3152820001"
    # resolved 2016-11-04, five weeks after the 2016-09-30 record date: due already
    fired = life.on_tick(state, ANNOUNCED)
    [record] = events(fired)
    assert record["type"] == "RecordDateReached"
    assert record["record_date"] == "2016-09-30"
    assert record["due_at"].startswith("2016-09-30T14:59:59")
    assert fired.outputs[0].topic == TOPICS.record_dates
    assert life.on_tick(state, ANNOUNCED).outputs == ()  # once only


def test_payment_fires_when_the_clock_reaches_the_payment_date_in_tokyo(
    life: Lifecycle,
) -> None:
    state = PartitionState()
    life.on_resolution(state, *msg(0), ANNOUNCED)
    life.on_tick(state, ANNOUNCED)
    assert life.on_tick(state, PAYMENT_DUE - dt.timedelta(seconds=1)).outputs == ()
    [payment] = events(life.on_tick(state, PAYMENT_DUE))
    assert payment["type"] == "PaymentDateReached"
    assert payment["payment_date"] == "2016-12-06"
    assert life.on_tick(state, PAYMENT_DUE + dt.timedelta(days=30)).outputs == ()


def test_replacement_moves_the_payment_timer_and_does_not_refire_the_record_date(
    life: Lifecycle,
) -> None:
    state = PartitionState()
    life.on_resolution(state, *msg(0), ANNOUNCED)
    life.on_tick(state, ANNOUNCED)  # record date fired
    out = life.on_resolution(
        state,
        *msg(1, message_id="m2", function="REPL", version=2, payment_date="2016-12-09"),
        ANNOUNCED,
    )
    assert out.verdict is Verdict.REPLACED
    [replaced] = events(out)
    assert replaced["type"] == "DividendScheduleReplaced"
    assert replaced["previous_version"] == 1
    assert life.on_tick(state, ANNOUNCED).outputs == ()  # record date did not move
    assert life.on_tick(state, PAYMENT_DUE).outputs == ()  # the old payment date is gone
    moved = dt.datetime(2016, 12, 8, 15, 0, tzinfo=dt.UTC)  # 2016-12-09 00:00 JST
    [payment] = events(life.on_tick(state, moved))
    assert payment["payment_date"] == "2016-12-09"
    assert payment["version"] == 2


def test_cancellation_before_payment_stops_the_payment_event(life: Lifecycle) -> None:
    state = PartitionState()
    life.on_resolution(state, *msg(0), ANNOUNCED)
    out = life.on_resolution(state, *msg(1, message_id="m2", function="CANC", version=2), ANNOUNCED)
    assert out.verdict is Verdict.CANCELLED
    [cancelled] = events(out)
    assert cancelled["type"] == "DividendCancelled"
    assert cancelled["function"] == "CANC"
    assert cancelled["schedule"]["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"
    assert life.on_tick(state, PAYMENT_DUE + dt.timedelta(days=1)).outputs == ()
    # a later replacement of a cancelled action is dead-lettered, not revived
    late = life.on_resolution(
        state, *msg(2, message_id="m3", function="REPL", version=3), ANNOUNCED
    )
    assert late.reason == "event_cancelled"


def test_duplicate_message_and_older_version_change_nothing(life: Lifecycle) -> None:
    state = PartitionState()
    life.on_resolution(state, *msg(0), ANNOUNCED)
    life.on_resolution(state, *msg(1, message_id="m2", function="REPL", version=3), ANNOUNCED)
    dup = life.on_resolution(state, *msg(2, message_id="m2", function="REPL", version=3), ANNOUNCED)
    assert dup == Outcome(Verdict.DUPLICATE)
    old = life.on_resolution(
        state, *msg(3, message_id="m1b", function="REPL", version=2), ANNOUNCED
    )
    assert old == Outcome(Verdict.STALE)
    assert state.actions["JP3152820001-DVCA-FY2016-INTERIM"].version == 3


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe\x00", "undecodable"),
        (b'{"message_id": "x"', "undecodable"),
        (json.dumps(example_resolution(gross_amount_per_share=13.5)).encode(), "schema_violation"),
        (json.dumps(example_resolution(currency="XXQ")).encode(), "domain_rule"),
        (
            json.dumps(example_resolution(payment_date="2016-09-01")).encode(),
            "domain_rule",
        ),
        (b"[" * 300_000, "payload_too_large"),
    ],
)
def test_bad_input_becomes_one_dead_letter_with_a_reason(
    life: Lifecycle, raw: bytes, code: str
) -> None:
    state = PartitionState()
    out = life.on_resolution(state, raw, Source("in", 2, 41, key=key_of(raw)), ANNOUNCED)
    assert out.verdict is Verdict.DEAD_LETTER
    assert out.reason == code
    [letter] = events(out)
    assert letter["reason"]["code"] == code
    assert letter["source_partition"] == 2
    assert letter["source_offset"] == 41
    assert out.outputs[0].topic == TOPICS.dead_letters
    assert state.actions == {}


def test_state_restored_from_its_changelog_keeps_pending_and_fired_dates(
    life: Lifecycle,
) -> None:
    state = PartitionState()
    changes = list(life.on_resolution(state, *msg(0), ANNOUNCED).changes)
    changes += life.on_tick(state, ANNOUNCED).changes
    changes.append(state.put_next_offset(1))
    restored = PartitionState()
    for key, value in changes:
        restored.apply_changelog(key, value)
    restored.rebuild_timers()
    assert restored.actions == state.actions
    assert restored.history == state.history
    assert restored.next_offset == 1  # where the next owner resumes
    assert life.on_tick(restored, ANNOUNCED).outputs == ()  # record date fired before
    [payment] = events(life.on_tick(restored, PAYMENT_DUE))
    assert payment["type"] == "PaymentDateReached"


def test_output_ids_are_deterministic(life: Lifecycle) -> None:
    a = life.on_resolution(PartitionState(), *msg(0), ANNOUNCED)
    b = life.on_resolution(PartitionState(), *msg(0), ANNOUNCED + dt.timedelta(hours=1))
    assert events(a)[0]["id"] == events(b)[0]["id"]
    assert dict(a.outputs[0].headers)["ce_id"].decode() == events(a)[0]["id"]


def test_history_rolls_interim_and_year_end_into_the_annual_total(life: Lifecycle) -> None:
    """DOMAIN.md, IIJ: FY2015 11.00 + 11.00 = 22.00; FY2016 interim 13.50 vs 11.00 = +2.50."""
    state = PartitionState()
    fy2015 = {"fiscal_year_end": "2016-03-31", "forecast_per_share": None}
    life.on_resolution(
        state,
        *msg(0, message_id="a", event_id="FY2015-INTERIM", record_date="2015-09-30",
             payment_date="2015-12-07", resolved_on="2015-11-05", gross_amount_per_share="11.00",
             eligible_shares=None, declared_total=None, **fy2015),
        ANNOUNCED,
    )  # fmt: skip
    out = life.on_resolution(
        state,
        *msg(1, message_id="b", event_id="FY2015-YEAR-END", dividend_type="year_end",
             record_date="2016-03-31", payment_date="2016-06-01", resolved_on="2016-05-13",
             gross_amount_per_share="11.00", eligible_shares=None, declared_total=None,
             **fy2015),
        ANNOUNCED,
    )  # fmt: skip
    fiscal = events(out)[0]["schedule"]["fiscal"]
    assert fiscal["this_year"]["annual_total"] == "22.00"  # 11.00 + 11.00
    out = life.on_resolution(state, *msg(2), ANNOUNCED)
    fiscal = events(out)[0]["schedule"]["fiscal"]
    assert fiscal["vs_prior_year_same_period"]["change"] == "2.50"  # 13.50 - 11.00
    assert fiscal["prior_year"]["annual_total"] == "22.00"


@pytest.mark.parametrize(
    "key",
    [None, b"", b"3774", b"XTKS:3774", b"JP3152820001-DVCA-FY2016-INTERIM", b"jp3152820001"],
)
def test_a_record_not_keyed_by_its_security_is_dead_lettered_not_processed(
    life: Lifecycle, key: bytes | None
) -> None:
    """IIJ has an ISIN, so its key is the ISIN: its local code, MIC:code, the event id or
    a null key would put its versions and its security's history in other partitions."""
    state = PartitionState()
    raw = json.dumps(example_resolution()).encode()
    out = life.on_resolution(state, raw, Source("in", 0, 7, key=key), ANNOUNCED)
    assert out.verdict is Verdict.DEAD_LETTER
    assert out.reason == "wrong_key"
    [letter] = events(out)
    assert letter["reason"]["errors"][0]["code"] == "wrong_key"
    assert "JP3152820001" in letter["reason"]["message"]
    kept = letter["source_key_base64"]  # the record whole: key too, for a replay
    assert (None if kept is None else base64.b64decode(kept)) == key
    assert state.actions == {}
    # the same bytes under the right key are scheduled
    good = life.on_resolution(state, raw, Source("in", 0, 8, key=b"JP3152820001"), ANNOUNCED)
    assert good.verdict is Verdict.SCHEDULED


def test_a_dead_letter_keeps_the_record_whole_key_headers_and_value(life: Lifecycle) -> None:
    raw = b'{"message_id": "trunc'
    headers = (("traceparent", b"00-4bf92f3577b34da6-00f067aa0ba902b7-01"), ("empty", None))
    source = Source("in", 1, 9, 1478239200000, b"JP3152820001", headers)
    [letter] = events(life.on_resolution(PartitionState(), raw, source, ANNOUNCED))
    assert base64.b64decode(letter["payload_base64"]) == raw
    assert base64.b64decode(letter["source_key_base64"]) == b"JP3152820001"
    assert letter["source_headers"] == [
        {"name": "traceparent", "value_base64": base64.b64encode(headers[0][1] or b"").decode()},
        {"name": "empty", "value_base64": None},
    ]
