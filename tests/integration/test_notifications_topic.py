"""ISO 20022 documents on their topic, beside the JSON events, through a real broker."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka

GOLDEN = Path(__file__).parents[1] / "unit" / "golden"


async def test_schedule_and_withdrawal_write_seev031_and_seev039_and_a_long_id_a_dead_letter(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    # the day IIJ announced it: before its payment date (2016-12-06), so it can still be
    # withdrawn (once paid, a withdrawal is dead-lettered as event_already_paid)
    clock = tmp_path / "clock"
    clock.write_text("2016-11-04T06:00:00+00:00")
    spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock))
    newm = example_resolution()
    long_id = example_resolution(message_id="long-1", event_id="X" * 40)
    withdrawn = example_resolution(message_id="with-1", function="WITH", version=2)
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"JP3152820001", json.dumps(doc).encode()) for doc in (newm, long_id, withdrawn)],
    )
    out = await consume(
        namespace.bootstrap,
        [t.schedules, t.notifications, t.dead_letters],
        expected=6,
        within=90,
        settle=3.0,  # nothing doubled
    )
    by_topic: dict[str, list] = {}
    for r in out:
        by_topic.setdefault(r.topic, []).append(r)
    assert Counter({k: len(v) for k, v in by_topic.items()}) == Counter(
        {t.schedules: 3, t.notifications: 2, t.dead_letters: 1}
    )
    # Every JSON event stands, the inexpressible one included.
    assert [r.json()["type"] for r in by_topic[t.schedules]] == [
        "DividendScheduled",
        "DividendScheduled",
        "DividendCancelled",
    ]
    notice, advice = by_topic[t.notifications]
    assert notice.value == (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    assert advice.value == (GOLDEN / "seev039.iij-fy2016-interim-withdrawn.xml").read_bytes()
    for record in (notice, advice):
        assert record.key == b"JP3152820001"
        assert record.headers["content-type"] == b"application/xml"
        assert record.headers["ce_subject"] == b"JP3152820001-DVCA-FY2016-INTERIM"
        assert record.headers["ce_specversion"] == b"1.0"
    assert notice.headers["ce_type"] == b"seev.031.001.14"
    assert advice.headers["ce_type"] == b"seev.039.001.12"
    # keyed like the JSON events: the same partition as the security's schedules
    assert {r.partition for r in by_topic[t.schedules]} == {notice.partition}

    letter = by_topic[t.dead_letters][0].json()
    assert letter["reason"]["code"] == "iso20022_restriction"
    assert letter["reason"]["errors"][0]["field"] == "event_id"
    assert letter["source_offset"] == 1
