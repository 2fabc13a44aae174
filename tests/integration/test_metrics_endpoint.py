"""`/metrics/` of a real worker, parsed as Prometheus parses it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from corpactions.ops.metrics import LAG_METRICS, SERVICE_METRICS
from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_metrics_expose_service_counters_lag_and_verdicts(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    downstream = f"downstream-{namespace.token}"
    # a downstream agent that has read nothing of the schedules topic
    reader = AIOKafkaConsumer(
        bootstrap_servers=namespace.bootstrap, group_id=downstream, enable_auto_commit=False
    )
    await reader.start()
    try:
        reader.assign([TopicPartition(t.schedules, p) for p in range(namespace.partitions)])
        await reader.commit({TopicPartition(t.schedules, p): 0 for p in range(3)})
    finally:
        await reader.stop()

    worker = spawn_worker(CORPACTIONS_LAG_INTERVAL_S="0.5", CORPACTIONS_LAG_GROUPS=downstream)
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"JP3152820001", json.dumps(example_resolution()).encode())],
    )
    await consume(namespace.bootstrap, [t.schedules], expected=1)

    base = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}"
    app_id = namespace.app_id
    samples: Samples = {}
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{base}/metrics/") as resp:
                    assert resp.status == 200
                    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
                    samples = parse(await resp.text())
            except aiohttp.ClientError:
                samples = {}
            committed = [
                v
                for (name, labels), v in samples.items()
                if name == "kafka_consumergroup_group_offset" and ("group", app_id) in labels
            ]
            downstream_seen = value(samples, "kafka_consumergroup_group_status", group=downstream)
            if sum(committed) >= 1 and downstream_seen is not None:
                break
            await asyncio.sleep(0.3)
        async with session.get(f"{base}/metrics") as resp:  # Prometheus' default path
            assert resp.status == 200
    assert samples, worker.log()[-3000:]

    # the service's own counters
    life = {"agent": "lifecycle"}
    assert value(samples, "corpactions_resolutions_total", verdict="scheduled", **life) == 1
    assert value(samples, "corpactions_events_emitted_total", type="DividendScheduled", **life) == 1
    assert value(samples, "corpactions_transactions_total", **life) >= 1
    assert value(samples, "corpactions_transactions_aborted_total", **life) == 0
    assert value(samples, "corpactions_timer_backlog", **life) is not None
    assert value(samples, "corpactions_ready", **life) == 1
    # the notifier agent, in the same worker by default: its own series
    assert value(samples, "corpactions_ready", agent="notifier") == 1

    # our group: the resolution was consumed and committed; lag 0 everywhere, OK
    ours = {
        dict(labels)["partition"]: v
        for (name, labels), v in samples.items()
        if name == "kafka_consumergroup_group_lag" and ("group", app_id) in labels
    }
    assert ours, samples
    assert set(ours.values()) == {0.0}, ours
    assert value(samples, "kafka_consumergroup_group_sum_lag", group=app_id) == 0
    assert value(samples, "kafka_consumergroup_group_status", group=app_id) == 1  # OK

    # the watched downstream group: behind by the one event and, as Kafka counts lag, the
    # commit marker of the transaction that wrote it
    assert value(samples, "kafka_consumergroup_group_sum_lag", group=downstream) == 2
    lag_s = value(samples, "kafka_consumergroup_group_max_lag_seconds", group=downstream)
    assert lag_s is not None
    assert lag_s >= 0
    latest = [
        v for (name, labels), v in samples.items()
        if name == "kafka_partition_latest_offset" and ("topic", t.schedules) in labels
    ]  # fmt: skip
    assert sum(latest) >= 2  # one event + its transaction's commit marker
    assert value(samples, "corpactions_lag_monitor_failures_total") == 0

    # every exported name is a documented one (the dashboard and alerts rely on these)
    known = set(LAG_METRICS) | set(SERVICE_METRICS)
    exported = {name for name, _ in samples}
    assert exported <= known, exported - known
