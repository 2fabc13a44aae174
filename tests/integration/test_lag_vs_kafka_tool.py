"""Our lag figures equal what Kafka's own tool prints for the same groups.

`ConsumerGroupCommand --describe` (kafka-tools jar, the one `kafka-consumer-groups.sh`
runs) is the reference for committed offset, log-end offset and lag. The topic mixes
plain records, a transaction (whose commit marker takes an offset: a caught-up
read_committed consumer shows lag 1) and a caught-up partition; two groups read it at
different offsets.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.broker.local import KafkaDistribution
from corpactions.ops.burrow import Status
from corpactions.ops.lag import LagTracker
from corpactions.stream.topics import ensure_topics

pytestmark = pytest.mark.kafka

AGE_S = 120.0  # how old the records of partition 0 are


def kafka_tool_describe(
    bootstrap: str, *groups: str
) -> dict[tuple[str, int, str], tuple[int, int, int]]:
    """(topic, partition, group) -> (current offset, log-end offset, lag) as the tool prints."""
    args = [a for g in groups for a in ("--group", g)]
    proc = subprocess.run(
        [
            "java",
            "-cp",
            KafkaDistribution.ensure().classpath,
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server",
            bootstrap,
            "--describe",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = {}
    for line in proc.stdout.splitlines():
        cols = line.split()
        if len(cols) >= 6 and cols[0] in groups:
            group, topic, partition, current, end, lag = cols[:6]
            rows[(topic, int(partition), group)] = (int(current), int(end), int(lag))
    return rows


async def test_committed_end_and_lag_equal_kafka_consumer_groups_describe(
    kafka_bootstrap: str,
) -> None:
    token = uuid.uuid4().hex[:10]
    topic, group_a, group_b = f"cmp-{token}", f"cmp-a-{token}", f"cmp-b-{token}"
    await ensure_topics(kafka_bootstrap, [topic], 3)
    old = int((time.time() - AGE_S) * 1000)
    plain = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    txn = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=f"cmp-{token}")
    await plain.start()
    await txn.start()
    try:
        for _ in range(10):
            await plain.send_and_wait(topic, b"old", partition=0, timestamp_ms=old)
        for _ in range(3):
            await plain.send_and_wait(topic, b"x", partition=2)
        async with txn.transaction():
            for _ in range(5):
                await txn.send(topic, b"t", partition=1)
    finally:
        await plain.stop()
        await txn.stop()

    tp0, tp1, tp2 = (TopicPartition(topic, p) for p in range(3))
    for group, offsets in (
        (group_a, {tp0: 4, tp1: 5, tp2: 3}),  # p1: all 5 records read, the marker left
        (group_b, {tp0: 8, tp1: 2, tp2: 3}),
    ):
        committer = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
        )
        await committer.start()
        try:
            committer.assign(list(offsets))
            await committer.commit(offsets)
        finally:
            await committer.stop()

    async with LagTracker(kafka_bootstrap, [group_a, group_b]) as tracker:
        t0 = time.monotonic()
        report = await tracker.sample()
        took = time.monotonic() - t0
    ours = {
        (r["topic"], r["partition"], r["group"]): (
            r["committed_offset"],
            r["end_offset"],
            r["lag"],
        )
        for r in report.rows()
    }
    theirs = await asyncio.to_thread(kafka_tool_describe, kafka_bootstrap, group_a, group_b)
    assert ours == theirs
    assert ours[(topic, 1, group_a)] == (5, 6, 1)  # the commit marker counts, as Kafka says

    rows = {(r["group"], r["partition"]): r for r in report.rows()}
    # lag seconds: age of the next record; 0 when only a marker lies beyond the commit
    assert rows[(group_a, 0)]["lag_seconds"] == pytest.approx(AGE_S, abs=10)
    assert rows[(group_a, 1)]["lag_seconds"] == 0.0
    assert rows[(group_a, 2)]["lag_seconds"] == 0.0
    assert rows[(group_b, 1)]["lag_seconds"] < 10  # the transaction's records are fresh
    # marker-only lag is not judged as lag: the partition is OK, not STOP
    assert rows[(group_a, 1)]["status"] == Status.OK.name
    assert took < 5, f"one sample took {took:.1f}s"


def kafka_tool_rows(bootstrap: str, group: str) -> dict[tuple[str, int], tuple[str, ...]]:
    """(topic, partition) -> every column after them, as the tool prints them ("-" kept):
    CURRENT-OFFSET, LOG-END-OFFSET, LAG, CONSUMER-ID, HOST, CLIENT-ID."""
    proc = subprocess.run(
        [
            "java",
            "-cp",
            KafkaDistribution.ensure().classpath,
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--group",
            group,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rows = {}
    for line in proc.stdout.splitlines():
        cols = line.split()
        if len(cols) == 9 and cols[0] == group:
            rows[(cols[1], int(cols[2]))] = tuple(cols[3:])
    return rows


async def test_one_row_per_assigned_partition_with_its_member_as_kafkas_tool_shows(
    kafka_bootstrap: str,
) -> None:
    """A live member holding 3 partitions, committed on one only: Kafka's tool prints all
    3 with the member's consumer id, host and client id ("-" offsets where none was
    committed), and so do we."""
    token = uuid.uuid4().hex[:10]
    topic, group = f"mem-{token}", f"mem-g-{token}"
    await ensure_topics(kafka_bootstrap, [topic], 3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for p in range(3):
            for _ in range(p + 2):
                await producer.send_and_wait(topic, b"x", partition=p)
    finally:
        await producer.stop()
    member = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        client_id=f"mem-client-{token}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await member.start()
    try:
        deadline = time.monotonic() + 60
        while len(member.assignment()) < 3 and time.monotonic() < deadline:
            await member.getmany(timeout_ms=200)
        assert len(member.assignment()) == 3
        await member.commit({TopicPartition(topic, 1): 1})
        async with LagTracker(kafka_bootstrap, [group], members=True) as tracker:
            report = await tracker.sample()
        theirs = await asyncio.to_thread(kafka_tool_rows, kafka_bootstrap, group)
    finally:
        await member.stop()

    def cell(value: object) -> str:
        return "-" if value is None else str(value)

    ours = {
        (r["topic"], r["partition"]): tuple(
            cell(r[k])
            for k in ("committed_offset", "end_offset", "lag", "consumer_id", "host", "client_id")
        )
        for r in report.rows()
    }
    assert len(theirs) == 3
    assert ours == theirs
    assert theirs[(topic, 1)][:3] == ("1", "3", "2")
    assert theirs[(topic, 0)][0] == "-"
    assert {row[5] for row in theirs.values()} == {f"mem-client-{token}"}
