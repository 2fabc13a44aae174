"""`corpactions lag` as a user runs it: a subprocess against the real broker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.ops.lag import JSON_FIELDS
from corpactions.stream.topics import ensure_topics

pytestmark = pytest.mark.kafka


def corpactions_lag(bootstrap: str, *args: str) -> tuple[str, float]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "lag", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    took = time.monotonic() - t0
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, took


async def test_lag_json_reports_each_partition_with_verdicts_from_commit_history(
    kafka_bootstrap: str,
) -> None:
    token = uuid.uuid4().hex[:10]
    topic, group = f"cli-{token}", f"cli-group-{token}"
    await ensure_topics(kafka_bootstrap, [topic], 2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for p in (0, 1):
            for _ in range(10):
                await producer.send_and_wait(topic, b"x", partition=p)
    finally:
        await producer.stop()
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([tp0, tp1])
        for offset in (1, 2, 3):  # partition 0: progress, then the consumer goes quiet
            await consumer.commit({tp0: offset, tp1: 10})
    finally:
        await consumer.stop()

    out, took = corpactions_lag(kafka_bootstrap, "--json", "--group", group)
    rows = json.loads(out)
    assert [tuple(r) for r in rows] == [JSON_FIELDS] * 2
    assert rows == [
        # history: lag 9, 8, 7 at the commits, silent since for longer than they spanned
        {
            "group": group, "topic": topic, "partition": 0,
            "committed_offset": 3, "end_offset": 10, "lag": 7,
            "lag_seconds": rows[0]["lag_seconds"], "status": "STOP", "group_status": "ERR",
        },
        {
            "group": group, "topic": topic, "partition": 1,
            "committed_offset": 10, "end_offset": 10, "lag": 0,
            "lag_seconds": 0.0, "status": "OK", "group_status": "ERR",
        },
    ]  # fmt: skip
    assert 0 <= rows[0]["lag_seconds"] < 60
    print(f"\ncorpactions lag --json --group: {took:.2f}s")

    every, took_all = corpactions_lag(kafka_bootstrap, "--json")
    assert [r for r in json.loads(every) if r["group"] == group] == [
        {**rows[0], "lag_seconds": pytest.approx(rows[0]["lag_seconds"], abs=30)},
        rows[1],
    ]
    print(f"corpactions lag --json (every group): {took_all:.2f}s")

    table, _ = corpactions_lag(kafka_bootstrap, "--group", group)
    assert group in table
    assert "STOP" in table
    assert "ERR" in table
