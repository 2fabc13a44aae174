"""ISO 20022 documents on their topic, beside the JSON events, through a real broker.

The notifier agent writes them from the schedule events, in the worker's process (the
default) or in its own (`corpactions notifier`): once each, a REPL linked to the
notification it replaces, a seev.039 for the withdrawal, and a dead letter naming the
schedule event whose document the standard cannot express.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka

GOLDEN = Path(__file__).parents[1] / "unit" / "golden"


async def _scenario(namespace: Namespace) -> dict[str, list[Any]]:
    t = namespace.topics
    newm = example_resolution()
    repl = example_resolution(
        message_id="repl-1", function="REPL", version=2, payment_date="2016-12-07"
    )
    long_id = example_resolution(message_id="long-1", event_id="X" * 40)
    withdrawn = example_resolution(message_id="with-1", function="WITH", version=3)
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"JP3152820001", json.dumps(d).encode()) for d in (newm, repl, long_id, withdrawn)],
    )
    out = await consume(
        namespace.bootstrap,
        [t.schedules, t.notifications, t.dead_letters],
        expected=8,
        within=120,
        settle=3.0,  # nothing doubled
    )
    by_topic: dict[str, list[Any]] = {}
    for r in out:
        by_topic.setdefault(r.topic, []).append(r)
    assert Counter({k: len(v) for k, v in by_topic.items()}) == Counter(
        {t.schedules: 4, t.notifications: 3, t.dead_letters: 1}
    )
    return by_topic


def _check(namespace: Namespace, by_topic: dict[str, list[Any]]) -> None:
    t = namespace.topics
    # Every JSON event stands, the inexpressible one included.
    events = by_topic[t.schedules]
    assert [r.json()["type"] for r in events] == [
        "DividendScheduled",
        "DividendScheduleReplaced",
        "DividendScheduled",
        "DividendCancelled",
    ]
    notice, replaced, advice = by_topic[t.notifications]
    assert notice.value == (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    assert advice.value == (GOLDEN / "seev039.iij-fy2016-interim-withdrawn.xml").read_bytes()
    # the REPL names the notification it replaces (NtfctnId of version 1, in the golden)
    first_id = re.search(rb"<NtfctnId>(\w+)</NtfctnId>", notice.value)
    assert first_id is not None
    assert b"<NtfctnTp>REPL</NtfctnTp>" in replaced.value
    linked = re.search(rb"<PrvsNtfctnId>\s*<Id>(\w+)</Id>", replaced.value)
    assert linked is not None
    assert linked.group(1) == first_id.group(1)
    for record in (notice, replaced, advice):
        assert record.key == b"JP3152820001"
        assert record.headers["content-type"] == b"application/xml"
        assert record.headers["ce_subject"] == b"JP3152820001-DVCA-FY2016-INTERIM"
        assert record.headers["ce_specversion"] == b"1.0"
    # ce_time: when the schedule event it comes from was emitted
    for record, event in zip(
        (notice, replaced, advice), (events[0], events[1], events[3]), strict=True
    ):
        assert record.headers["ce_time"] == event.headers["ce_time"]
    assert notice.headers["ce_type"] == b"seev.031.001.14"
    assert advice.headers["ce_type"] == b"seev.039.001.12"
    # keyed like the JSON events: the same partition as the security's schedules
    assert {r.partition for r in events} == {notice.partition}

    [record] = by_topic[t.dead_letters]
    letter = record.json()
    assert letter["reason"]["code"] == "iso20022_restriction"
    assert letter["reason"]["errors"][0]["field"] == "event_id"
    # it names the schedule event it came from: where the notifier read it, and its id
    inexpressible = events[2]
    assert (letter["source_topic"], letter["source_partition"], letter["source_offset"]) == (
        t.schedules,
        inexpressible.partition,
        inexpressible.offset,
    )
    assert inexpressible.json()["id"] in letter["reason"]["message"]
    assert base64.b64decode(letter["payload_base64"]) == inexpressible.value


async def test_the_notifier_in_the_worker_writes_each_document_once_and_a_dead_letter(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    # the day IIJ announced it: before its payment date (2016-12-06), so it can still be
    # withdrawn (once paid, a withdrawal is dead-lettered as event_already_paid)
    clock = tmp_path / "clock"
    clock.write_text("2016-11-04T06:00:00+00:00")
    spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock))
    _check(namespace, await _scenario(namespace))


async def test_the_notifier_in_its_own_process_writes_the_same(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    clock.write_text("2016-11-04T06:00:00+00:00")
    spawn_worker(CORPACTIONS_CLOCK_FILE=str(clock), CORPACTIONS_AGENTS="lifecycle")
    notifier = WorkerProcess(namespace, tmp_path, CORPACTIONS_CLOCK_FILE=str(clock))
    notifier.command = "notifier"
    notifier.start()
    try:
        _check(namespace, await _scenario(namespace))
    finally:
        notifier.stop()
