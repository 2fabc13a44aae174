"""W3C Trace Context, without Kafka: the input's ``traceparent`` and ``tracestate`` come
back on every record its processing writes, through the notifier too.

The header values are the examples of the W3C Trace Context recommendation, section 3.2
and 3.3 (https://www.w3.org/TR/trace-context/).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier, NotifierState
from corpactions.stream.state import PartitionState
from tests.support.kafka import key_of
from tests.unit.resolutions import iij_dict

TOPICS = Topics()
NOW = dt.datetime(2016, 11, 4, 6, 0, tzinfo=dt.UTC)
TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACESTATE = b"congo=t61rcWkgMzE"
TRACE = (("traceparent", TRACEPARENT), ("tracestate", TRACESTATE))


def _source(raw: bytes, headers: Any = ()) -> Source:
    return Source(TOPICS.resolutions, 0, 0, None, key_of(raw), headers)


def _trace_of(headers: Any) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in headers if k in {"traceparent", "tracestate"}]


def test_the_schedule_event_and_the_document_carry_the_resolutions_trace() -> None:
    raw = json.dumps(iij_dict()).encode()
    out = Lifecycle(TOPICS).on_record(
        PartitionState(), raw, _source(raw, [("x-other", b"1"), *TRACE]), NOW
    )
    assert out.verdict is Verdict.SCHEDULED
    assert out.outputs
    for o in out.outputs:
        assert _trace_of(o.headers) == list(TRACE), o.topic
    [event] = [o for o in out.outputs if o.topic == TOPICS.schedules]
    at = Source(TOPICS.schedules, 0, 0, None, event.key, event.headers)
    notice = Notifier(TOPICS).on_record(NotifierState(), event.value, at, NOW)
    [document] = notice.outputs
    assert document.topic == TOPICS.notifications
    assert _trace_of(document.headers) == list(TRACE)


def test_a_dead_letter_carries_the_trace_of_the_record_it_keeps() -> None:
    raw = json.dumps(iij_dict(currency="XXX")).encode()
    out = Lifecycle(TOPICS).on_record(PartitionState(), raw, _source(raw, TRACE), NOW)
    assert out.verdict is Verdict.DEAD_LETTER
    [letter] = out.outputs
    assert _trace_of(letter.headers) == list(TRACE)


def test_without_trace_headers_the_outputs_carry_none() -> None:
    raw = json.dumps(iij_dict()).encode()
    out = Lifecycle(TOPICS).on_record(PartitionState(), raw, _source(raw), NOW)
    assert all(_trace_of(o.headers) == [] for o in out.outputs)


def test_date_events_fired_by_the_clock_carry_no_trace_context() -> None:
    """Documented in docs/integrations.md: a timer's event is not part of the request that
    scheduled it (it fires days later, in another transaction)."""
    raw = json.dumps(iij_dict()).encode()
    life, state = Lifecycle(TOPICS), PartitionState()
    life.on_record(state, raw, _source(raw, TRACE), NOW)
    fired = life.on_tick(state, NOW)  # IIJ's record date (2016-09-30) is past on 11-04
    assert [o.event_type for o in fired.outputs]
    assert all(_trace_of(o.headers) == [] for o in fired.outputs)
