"""A real Prometheus (Debian's ``prometheus``, installed by ``make tools``) scraping a live
worker with ``deploy/prometheus/alerts.yml`` loaded: hostile input and a stalled consumer
group make the dead-letter and lag alerts fire, seen through Prometheus's HTTP API, and
the lag series Prometheus stores equal what ``corpactions lag --json`` prints.

The only change to the rules is test-only: every ``for:`` is shortened to 5 s (the
expressions, labels and annotations are the deployed ones).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from corpactions.broker.local import _die_with_parent, free_port
from corpactions.stream.topics import ensure_topics
from tests.support.kafka import ROOT, Namespace, WorkerProcess, example_resolution, produce

pytestmark = pytest.mark.kafka

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


class Prometheus:
    """A Prometheus server on a free loopback port, with a temporary storage dir."""

    def __init__(self, workdir: Path, targets: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        rules = re.sub(r"(?m)^(\s+for:) \d+[smh]$", r"\1 5s", RULES.read_text())
        (workdir / "alerts.yml").write_text(rules)
        scrape = ", ".join(f'"{t}"' for t in targets)
        (workdir / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "rule_files: [alerts.yml]\n"
            "scrape_configs:\n"
            "  - job_name: corpactions\n"
            "    metrics_path: /metrics/\n"
            f"    static_configs: [{{targets: [{scrape}]}}]\n"
        )
        self.log_path = workdir / "prometheus.log"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Prometheus:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={self.workdir / 'prometheus.yml'}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # gone with the test run, even on kill -9
            )
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    async def get(self, path: str, **params: str) -> Any:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
            session.get(self.url + path, params=params) as resp,
        ):
            body = await resp.json()
            assert body["status"] == "success", body
            return body["data"]

    async def ready(self, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.proc is not None
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(self.url + "/-/ready") as resp,
                ):
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.3)
        raise AssertionError("prometheus not ready: " + self.log_path.read_text()[-3000:])

    async def query(self, promql: str) -> list[dict[str, Any]]:
        data = await self.get("/api/v1/query", query=promql)
        result: list[dict[str, Any]] = data["result"]
        return result

    async def firing(self) -> list[dict[str, Any]]:
        data = await self.get("/api/v1/alerts")
        return [a for a in data["alerts"] if a["state"] == "firing"]


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Callable[[list[str]], Prometheus]]:
    """``prometheus(targets)`` starts one; it is stopped after the test, pass or fail."""
    if not Path(PROMETHEUS).exists():
        pytest.fail("prometheus is installed by `make tools` (Debian package prometheus)")
    started: list[Prometheus] = []

    def start(targets: list[str]) -> Prometheus:
        server = Prometheus(tmp_path / f"prometheus-{len(started)}", targets).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


async def _stall(bootstrap: str, group: str, tp: TopicPartition, offset: int) -> None:
    """A consumer that is alive but stuck: it commits the same offset every 0.5 s."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        while True:
            await consumer.commit({tp: offset})
            await asyncio.sleep(0.5)
    finally:
        await consumer.stop()


def corpactions_lag_json(bootstrap: str, group: str) -> tuple[int, list[dict[str, Any]]]:
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "lag", "--json", "--group", group],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, json.loads(done.stdout or "null")


async def test_prometheus_fires_dead_letter_and_lag_alerts_from_a_live_worker(
    namespace: Namespace,
    spawn_worker: Callable[..., WorkerProcess],
    prometheus: Callable[[list[str]], Prometheus],
) -> None:
    bootstrap, t = namespace.bootstrap, namespace.topics
    stalled = f"stalled-{namespace.token}"
    topic = f"stall-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], 1)
    await produce(bootstrap, topic, [(None, b"x")] * 5)
    tp = TopicPartition(topic, 0)
    stall = asyncio.create_task(_stall(bootstrap, stalled, tp, 2))  # lag 3, for ever
    try:
        worker = spawn_worker(
            CORPACTIONS_LAG_INTERVAL_S="1",
            CORPACTIONS_LAG_GROUPS=stalled,
            CORPACTIONS_LOG_FORMAT="json",
        )
        server = prometheus([f"127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}"])
        await server.ready(60)

        # the counters are scraped at 0 before the hostile input arrives
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            seen = await server.query('corpactions_dead_letters_total{reason="undecodable"}')
            if seen:
                break
            await asyncio.sleep(0.5)
        assert seen, worker.log()[-3000:]
        assert float(seen[0]["value"][1]) == 0

        iij = json.dumps(example_resolution()).encode()
        hostile = [(b"JP3152820001", b"\xff not json"), (b"3774", iij)]
        hostile += [(b"JP3152820001", b'{"event_id": "E-%d"}' % i) for i in range(3)]
        await produce(bootstrap, t.resolutions, hostile)

        wanted = {
            ("CorpactionsDeadLetters", "reason", "undecodable"),
            ("CorpactionsDeadLetters", "reason", "wrong_key"),
            ("CorpactionsDeadLetters", "reason", "schema_violation"),
            ("KafkaConsumerGroupError", "group", stalled),
            ("KafkaConsumerPartitionStalled", "group", stalled),
        }
        got: set[tuple[str, str, str]] = set()
        alerts: list[dict[str, Any]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not wanted <= got:
            alerts = await server.firing()
            got = {
                (a["labels"]["alertname"], key, a["labels"].get(key, ""))
                for a in alerts
                for key in ("reason", "group")
            }
            await asyncio.sleep(1)
        assert wanted <= got, (wanted - got, alerts, worker.log()[-2000:])
        stalled_alert = next(
            a for a in alerts if a["labels"]["alertname"] == "KafkaConsumerPartitionStalled"
        )
        assert stalled_alert["annotations"]["runbook_url"].endswith(
            "#kafkaconsumerpartitionstalled"
        )
        assert stalled_alert["labels"]["topic"] == topic

        # the lag series in Prometheus are what `corpactions lag --json` prints
        code, rows = await asyncio.to_thread(corpactions_lag_json, bootstrap, stalled)
        assert code == 2  # CRITICAL: the group is ERR
        stored = await server.query(f'kafka_consumergroup_group_lag{{group="{stalled}"}}')
        offsets = await server.query(f'kafka_consumergroup_group_offset{{group="{stalled}"}}')
        assert (
            {(r["topic"], r["partition"], r["lag"], r["committed_offset"]) for r in rows}
            == {
                (s["metric"]["topic"], int(s["metric"]["partition"]), int(float(s["value"][1])), 2)
                for s in stored
            }
            == {(topic, 0, 3, 2)}
        )
        assert [float(o["value"][1]) for o in offsets] == [2.0]
    finally:
        stall.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stall

    # the worker's JSON log: one object a line, each dead letter once, no control codes
    lines = worker.log().splitlines()
    assert "\x1b" not in worker.log()
    records = [json.loads(line) for line in lines if line.strip()]
    letters = [r for r in records if r["logger"] == "corpactions.dead_letters"]
    assert sorted(r["reason"] for r in letters) == sorted(
        ["undecodable", "wrong_key", "schema_violation", "schema_violation", "schema_violation"]
    )
    assert all(r["level"] == "warning" and r["topic"] == t.resolutions for r in letters)
    assert {r["event_id"] for r in letters if r["reason"] == "schema_violation"} == {
        "E-0",
        "E-1",
        "E-2",
    }
