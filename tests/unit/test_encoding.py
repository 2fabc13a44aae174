"""The hot path's hand-built JSON and ids equal what the pydantic contracts and uuid5 give.

The service emits events without building models (`schedule_json`, `event_json`);
these tests hold it to the models: each emitted value, parsed by its contract model and
dumped again, is the same bytes; the schedule JSON equals `to_view(...)`'s dump; the ids
equal `uuid.uuid5`; the state record round-trips.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import (
    ID_NAMESPACE,
    DeadLetter,
    DividendCancelled,
    DividendScheduled,
    DividendScheduleReplaced,
    PaymentDateReached,
    RecordDateReached,
    deterministic_id,
)
from corpactions.contracts.schedule import schedule_json, to_view
from corpactions.contracts.topics import Topics
from corpactions.domain import DividendHistory, schedule_dividend
from corpactions.stream.agent import Outgoing
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier, NotifierState
from corpactions.stream.state import Action, PartitionState, pack, unpack
from tests.bench.bench_core import synthetic
from tests.support.kafka import key_of
from tests.unit.resolutions import iij_dict

MODELS: dict[str, type[BaseModel]] = {
    m.model_fields["type"].default: m
    for m in (
        DividendScheduled,
        DividendScheduleReplaced,
        DividendCancelled,
        RecordDateReached,
        PaymentDateReached,
        DeadLetter,
    )
}
LATER = dt.datetime(2040, 1, 1, 9, 30, 15, 250_000, tzinfo=dt.UTC)  # every date has fired
ANNOUNCED = dt.datetime(2016, 11, 4, 6, 0, 0, 125_000, tzinfo=dt.UTC)


def iij_sequence() -> list[bytes]:
    """One security over two fiscal years, so roll-ups, comparisons and forecasts are
    filled in; then a replacement and a cancellation."""
    fy2015 = {"fiscal_year_end": "2016-03-31", "forecast_per_share": None}
    docs = [
        iij_dict(message_id="a", event_id="FY2015-INTERIM", record_date="2015-09-30",
                 payment_date="2015-12-07", resolved_on="2015-11-05",
                 gross_amount_per_share="11.00", **fy2015),
        iij_dict(message_id="b", event_id="FY2015-YEAR-END", dividend_type="year_end",
                 record_date="2016-03-31", payment_date="2016-06-01", resolved_on="2016-05-13",
                 gross_amount_per_share="11.00", eligible_shares=None, declared_total=None,
                 **fy2015),
        iij_dict(),
        iij_dict(message_id="c", function="REPL", version=2, payment_date="2016-12-07",
                 issuer={"name": "インターネットイニシアティブ \"IIJ\"\n"}),
        iij_dict(message_id="d", function="CANC", version=3),
        iij_dict(message_id="e", event_id="FY2015-INTERIM", function="WITH", version=2),
    ]  # fmt: skip
    return [json.dumps(d, ensure_ascii=False).encode() for d in docs]


def emitted(raws: list[bytes]) -> list[Outgoing]:
    """Every resolution processed on IIJ's announcement day (so the replacement and the
    cancellation come before the payment, which would refuse them), then every date;
    and the notifier's documents of the schedule events."""
    topics = Topics(prefix="")
    life, state, out = Lifecycle(topics), PartitionState(), []
    for offset, raw in enumerate(raws):
        source = Source("in", 0, offset, 1_478_239_200_000, key_of(raw))
        out += life.on_resolution(state, raw, source, ANNOUNCED).outputs
        out += life.on_tick(state, ANNOUNCED).outputs
    out += life.on_tick(state, LATER).outputs
    notifier, notified = Notifier(topics), NotifierState()
    events = [o for o in out if o.topic == topics.schedules]
    for offset, o in enumerate(events):
        source = Source(o.topic, 0, offset, None, o.key, o.headers)
        out += notifier.on_record(notified, o.value, source, ANNOUNCED).outputs
    return out


def test_every_event_emitted_is_byte_for_byte_what_its_contract_model_writes() -> None:
    raws = iij_sequence() + synthetic(400, seed=5) + [b"{not json", b'{"version": 1.5}']
    kinds: Counter[str] = Counter()
    for out in emitted(raws):
        if out.topic == Topics().notifications:
            continue  # XML, held to xsdata's output in test_notifications.py
        model = MODELS[out.event_type]
        assert model.model_validate_json(out.value).model_dump_json().encode() == out.value
        kinds[out.event_type] += 1
    assert set(kinds) == set(MODELS)  # every kind of event was checked


def test_schedule_json_equals_the_validated_views_dump() -> None:
    history = DividendHistory(())
    for raw in iij_sequence()[:3] + synthetic(1000, seed=9):
        resolution = BoardResolution.model_validate_json(raw)
        schedule = schedule_dividend(resolution, history)
        assert (
            schedule_json(resolution, schedule)
            == to_view(resolution, schedule).model_dump_json().encode()
        )


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_deterministic_id_is_uuid5(parts: list[str]) -> None:
    assert deterministic_id(*parts) == str(uuid.uuid5(ID_NAMESPACE, "\x1f".join(parts)))


@given(st.binary(max_size=5000))
def test_a_held_resolution_unpacks_to_the_same_bytes(raw: bytes) -> None:
    assert unpack(pack(raw)) == raw


def test_action_record_round_trips_with_a_multi_line_resolution() -> None:
    due = dt.datetime(2016, 9, 29, 15, tzinfo=dt.UTC)
    raw = json.dumps(iij_dict(), indent=2, ensure_ascii=False)
    held = pack(raw.encode())  # compressed in memory, as received on the changelog
    action = Action("E-1", "JP3152820001", 2, "REPL", ("m1", "m2"), held, due, None, due, None)
    assert "\n" in raw
    assert action.encode().endswith(b"\n" + raw.encode())
    assert action.resolution_json == raw.encode()
    assert Action.decode(action.encode()) == action
    cancelled = Action("E-2", "X:1", 1, "CANC", ("m3",), None)
    assert Action.decode(cancelled.encode()) == cancelled


def test_schedule_is_the_last_field_of_every_event_that_carries_one() -> None:
    # event_json splices the schedule's JSON in as the last field.
    for model in MODELS.values():
        if "schedule" in model.model_fields:
            assert list(model.model_fields)[-1] == "schedule"
