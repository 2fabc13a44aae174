"""One resolution all the way through a real broker: aiokafka in, the worker, aiokafka out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka


async def test_resolution_in_schedule_event_out_and_bad_bytes_dead_lettered(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    resolution = example_resolution()
    worker = spawn_worker()
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [
            (b"JP3152820001", json.dumps(resolution).encode()),
            (b"garbage", b"\xff\xfe not json"),
        ],
    )
    out = await consume(namespace.bootstrap, [t.schedules, t.dead_letters], expected=2, within=90)
    first_output_s = time.monotonic() - worker.started_at
    print(f"worker start -> both outputs: {first_output_s:.1f}s")
    assert len(out) == 2, worker.log()[-3000:]
    by_topic = {r.topic: r for r in out}

    scheduled = by_topic[t.schedules]
    assert scheduled.key == b"JP3152820001"
    event = scheduled.json()
    assert event["type"] == "DividendScheduled"
    assert event["event_id"] == resolution["event_id"]
    assert scheduled.headers["ce_id"].decode() == event["id"]
    assert scheduled.headers["ce_type"] == b"DividendScheduled"
    # Hand calculation: 13.50 JPY x 45,925,926 shares = 620,000,001.00 -> JPY has no
    # minor unit (ISO 4217: 0), so the total is 620,000,001.
    assert event["schedule"]["amounts"]["total"]["amount"] == "620000001"

    letter = by_topic[t.dead_letters].json()
    assert letter["reason"]["code"] == "undecodable"
    assert letter["source_topic"] == t.resolutions
