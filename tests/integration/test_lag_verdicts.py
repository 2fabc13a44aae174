"""Burrow verdicts on a real broker: each scenario commits explicitly and samples.

Every test has its own topic and group; the window is 4 commits. The tracker is
sampled right after each commit, as the worker's monitor would be every interval, and
each verdict must appear within the number of commits the scenario makes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from corpactions.ops.burrow import Status
from corpactions.ops.lag import LagReport, LagTracker, PartitionLag
from corpactions.stream.topics import ensure_topics
from tests.support.kafka import produce

pytestmark = pytest.mark.kafka

GAP = 0.15  # seconds between commits: gives the window a span to compare with


@dataclass
class Scenario:
    bootstrap: str
    topic: str
    group: str
    committer: AIOKafkaConsumer
    tracker: LagTracker

    @property
    def tp(self) -> TopicPartition:
        return TopicPartition(self.topic, 0)

    async def produce(self, n: int) -> None:
        await produce(self.bootstrap, self.topic, [(None, b"x")] * n)

    async def commit(self, offset: int) -> None:
        await self.committer.commit({self.tp: offset})

    async def sample(self) -> tuple[LagReport, PartitionLag]:
        report = await self.tracker.sample()
        (group,) = report.groups
        assert group.group == self.group
        (row,) = group.partitions
        return report, row


@pytest.fixture
async def scenario(kafka_bootstrap: str) -> AsyncIterator[Scenario]:
    token = uuid.uuid4().hex[:10]
    topic, group = f"lag-{token}", f"lag-group-{token}"
    await ensure_topics(kafka_bootstrap, [topic], 1)
    committer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await committer.start()
    committer.assign([TopicPartition(topic, 0)])
    tracker = LagTracker(kafka_bootstrap, [group], intervals=4)
    await tracker.start()
    try:
        await tracker.sample()  # reads the history: nothing of this group yet
        yield Scenario(kafka_bootstrap, topic, group, committer, tracker)
    finally:
        await tracker.stop()
        await committer.stop()


async def test_caught_up_group_is_ok(scenario: Scenario) -> None:
    await scenario.produce(5)
    for _ in range(3):
        await scenario.commit(5)
        await asyncio.sleep(GAP)
    report, row = await scenario.sample()
    assert (row.committed_offset, row.end_offset, row.lag, row.lag_seconds) == (5, 5, 0, 0.0)
    assert row.status is Status.OK
    assert report.groups[0].status is Status.OK
    assert row.commits == 3
    assert row.complete == pytest.approx(0.75)


async def test_lagging_group_warns_then_is_ok_once_caught_up(scenario: Scenario) -> None:
    statuses = []
    for i in range(1, 4):  # lag at each commit: 8, 16, 24 - never decreasing
        await asyncio.sleep(GAP)
        await scenario.produce(10)
        await scenario.commit(2 * i)
        report, row = await scenario.sample()
        statuses.append(row.status)
    assert statuses[-1] is Status.WARN, statuses
    assert report.groups[0].status is Status.WARN
    assert row.lag == 24
    assert row.lag_seconds is not None
    assert row.lag_seconds > 0

    await scenario.commit(30)  # caught up: a zero lag in the window makes it OK
    report, row = await scenario.sample()
    assert (row.lag, row.lag_seconds, row.status) == (0, 0.0, Status.OK)
    assert report.groups[0].status is Status.OK


async def test_stopped_consumer_with_lag_is_stop_once_silence_exceeds_the_span(
    scenario: Scenario,
) -> None:
    await scenario.produce(10)
    first = time.monotonic()
    for offset in (1, 2, 3):  # lag 9, 8, 7: a consumer making progress
        await scenario.commit(offset)
        last = time.monotonic()
        _, row = await scenario.sample()
        await asyncio.sleep(GAP)
    assert row.status is Status.OK
    # the window spans at most last - first (the commits' own times lie between; on a
    # busy host each sample in between lengthens it): stay silent longer than that
    span = last - first
    await asyncio.sleep(max(0.0, last + span + 0.1 - time.monotonic()))
    report, row = await scenario.sample()
    assert (row.lag, row.status) == (7, Status.STOP)
    assert report.groups[0].status is Status.ERR


async def test_same_offset_committed_while_messages_arrive_is_stall(scenario: Scenario) -> None:
    await scenario.produce(5)
    statuses = []
    for _ in range(3):
        await scenario.commit(2)
        await scenario.produce(5)
        _, row = await scenario.sample()
        statuses.append(row.status)
        await asyncio.sleep(GAP)
    assert statuses[-1] is Status.STALL, statuses
    assert row.committed_offset == 2
    assert row.lag == 18  # 5 + 3 x 5 produced, 2 committed


async def test_lower_offset_committed_is_rewind(scenario: Scenario) -> None:
    await scenario.produce(20)
    for offset in (5, 10, 3):
        await scenario.commit(offset)
        report, row = await scenario.sample()
        await asyncio.sleep(GAP)
    assert (row.committed_offset, row.lag, row.status) == (3, 17, Status.REWIND)
    assert report.groups[0].status is Status.ERR


async def test_unknown_group_is_notfound(kafka_bootstrap: str) -> None:
    async with LagTracker(kafka_bootstrap, [f"nobody-{uuid.uuid4().hex}"]) as tracker:
        report = await tracker.sample()
    assert [(g.status, g.partitions) for g in report.groups] == [(Status.NOTFOUND, ())]
