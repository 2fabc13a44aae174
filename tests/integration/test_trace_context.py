"""W3C Trace Context through a real broker and worker: the resolution's ``traceparent``
and ``tracestate`` headers come back on its schedule event, on the notifier's ISO 20022
document (read from the event's headers) and on a dead letter.

Header values: the W3C Trace Context recommendation's examples (sections 3.2, 3.3).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aiokafka import AIOKafkaProducer

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, key_of

pytestmark = pytest.mark.kafka

TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACESTATE = b"congo=t61rcWkgMzE"


async def test_the_trace_comes_back_on_the_event_the_document_and_the_dead_letter(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    worker = spawn_worker()
    good = json.dumps(example_resolution()).encode()
    bad = json.dumps(
        example_resolution(message_id="m-bad", event_id="ev-bad", currency="XXX")
    ).encode()
    headers = [("traceparent", TRACEPARENT), ("tracestate", TRACESTATE)]
    producer = AIOKafkaProducer(bootstrap_servers=namespace.bootstrap, acks="all")
    await producer.start()
    try:
        for raw in (good, bad):
            await producer.send_and_wait(t.resolutions, raw, key=key_of(good), headers=headers)
    finally:
        await producer.stop()
    topics = [t.schedules, t.notifications, t.dead_letters]
    outs = await consume(namespace.bootstrap, topics, 3, settle=1.5)
    assert sorted(r.topic for r in outs) == sorted(topics), worker.log()[-3000:]
    for r in outs:
        assert r.headers.get("traceparent") == TRACEPARENT, r.topic
        assert r.headers.get("tracestate") == TRACESTATE, r.topic
