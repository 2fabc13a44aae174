"""`corpactions lag` as a user runs it: a subprocess against the real broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.ops.lag import JSON_FIELDS
from corpactions.stream.topics import ensure_topics

pytestmark = pytest.mark.kafka


def corpactions_lag(bootstrap: str, *args: str, code: int = 0) -> tuple[str, float]:
    """Run `corpactions lag`; ``code``: the exit status it must end with."""
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
    assert done.returncode == code, done.stderr[-3000:]
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

    out, took = corpactions_lag(kafka_bootstrap, "--json", "--group", group, code=2)
    rows = json.loads(out)
    assert [tuple(r) for r in rows] == [JSON_FIELDS] * 2
    assert rows == [
        # history: lag 9, 8, 7 at the commits, silent since for longer than they spanned
        {
            "group": group, "topic": topic, "partition": 0,
            "committed_offset": 3, "end_offset": 10, "lag": 7,
            "lag_seconds": rows[0]["lag_seconds"], "status": "STOP", "group_status": "ERR",
            "consumer_id": None, "host": None, "client_id": None,  # no member: it left
        },
        {
            "group": group, "topic": topic, "partition": 1,
            "committed_offset": 10, "end_offset": 10, "lag": 0,
            "lag_seconds": 0.0, "status": "OK", "group_status": "ERR",
            "consumer_id": None, "host": None, "client_id": None,
        },
    ]  # fmt: skip
    assert 0 <= rows[0]["lag_seconds"] < 60
    print(f"\ncorpactions lag --json --group: {took:.2f}s")

    every, took_all = corpactions_lag(kafka_bootstrap, "--json", code=2)
    assert [r for r in json.loads(every) if r["group"] == group] == [
        {**rows[0], "lag_seconds": pytest.approx(rows[0]["lag_seconds"], abs=30)},
        rows[1],
    ]
    print(f"corpactions lag --json (every group): {took_all:.2f}s")

    table, _ = corpactions_lag(kafka_bootstrap, "--group", group, code=2)
    assert group in table
    assert "STOP" in table
    assert "ERR" in table


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}


def without_kafka_env(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "lag", *args],
        env=_clean_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def watch_two_samples(*args: str) -> tuple[list[str], int]:
    """The first two lines `corpactions lag --watch` prints on a pipe, and its exit status
    after Ctrl-C (SIGINT)."""
    watch = subprocess.Popen(
        [sys.executable, "-m", "corpactions.cli", "lag", *args],
        env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert watch.stdout is not None
        lines = [watch.stdout.readline() for _ in range(2)]
    finally:
        watch.send_signal(signal.SIGINT)
        code = watch.wait(timeout=30)
    return lines, code


async def test_lag_is_a_monitoring_check_with_kafka_style_connection_flags(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """OK exits 0; a mistyped group is NOTFOUND, in the JSON and exit 2; the flags reach
    the cluster with no KAFKA_* variable set; --watch on a pipe prints a line a sample."""
    token = uuid.uuid4().hex[:10]
    topic, group = f"chk-{token}", f"chk-group-{token}"
    await ensure_topics(kafka_bootstrap, [topic], 1)
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: 0})  # caught up on an empty partition
    finally:
        await consumer.stop()

    out, _ = corpactions_lag(kafka_bootstrap, "--json", "--group", group, code=0)
    assert [r["status"] for r in json.loads(out)] == ["OK"]

    typo = f"{group}-TYPO"
    out, _ = corpactions_lag(kafka_bootstrap, "--json", "--group", group, "--group", typo, code=2)
    rows = json.loads(out)
    assert [(r["group"], r["status"]) for r in rows] == [(group, "OK"), (typo, "NOTFOUND")]
    assert rows[1]["partition"] is None

    # Kafka's own flags, no environment: --bootstrap-server, --command-config
    config = tmp_path / "client.properties"
    config.write_text("# as for kafka-consumer-groups.sh\nsecurity.protocol=PLAINTEXT\n")
    flags = ["--bootstrap-server", kafka_bootstrap, "--command-config", str(config)]
    done = without_kafka_env("--json", "--group", group, *flags)
    assert done.returncode == 0, done.stderr
    assert [r["group"] for r in json.loads(done.stdout)] == [group]

    # --watch on a pipe: one JSON object per sample, then (SIGINT) the last verdict
    lines, code = watch_two_samples("--watch", "0.5", "--json", "--group", typo, *flags)
    samples = [json.loads(line) for line in lines]
    assert [s["status"] for s in samples] == ["CRITICAL", "CRITICAL"]
    assert samples[0]["rows"][0]["status"] == "NOTFOUND"
    assert code == 2
