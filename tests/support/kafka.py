"""Real-Kafka helpers: fresh topics and groups per test, worker processes, plain aiokafka I/O."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.broker.local import _die_with_parent, free_port
from corpactions.contracts.topics import Topics
from corpactions.stream.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schemas" / "examples" / "board-resolution.iij-fy2016-interim.json"


def example_resolution(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data.update(changes)
    return data


def security_key(doc: Any) -> bytes:
    """The Kafka key a resolution must carry: its ISIN, else MIC:local_code (b"" when the
    document has neither, e.g. a hostile payload, whose key does not matter)."""
    try:
        sec = doc["security"]
        return str(sec.get("isin") or f"{sec['mic']}:{sec['local_code']}").encode()
    except (TypeError, KeyError, AttributeError):
        return b""


def key_of(raw: bytes) -> bytes:
    """``security_key`` of raw JSON bytes (b"" when they are not a JSON object)."""
    try:
        return security_key(json.loads(raw))
    except (ValueError, RecursionError):
        return b""


def tokyo_resolutions(n: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of ``n`` resolutions E0.. of the IIJ example moved to Tokyo securities
    1000.. without ISINs or other listings (so keyed XTKS:1000..)."""
    out = []
    for i in range(n):
        doc = example_resolution(
            message_id=f"m{i}",
            event_id=f"E{i}",
            security={"local_code": f"{1000 + i}", "mic": "XTKS"},
            other_listings=[],
        )
        out.append((security_key(doc), json.dumps(doc).encode()))
    return out


@dataclass
class Namespace:
    """A fresh set of topics (by prefix) and a fresh consumer group for one test."""

    bootstrap: str
    partitions: int = 3
    replication: int = 1
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    # a secured cluster: the test's (admin) client options for creating topics, and the
    # worker's KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_* variables
    client_options: dict[str, Any] = field(default_factory=dict)
    security_env: dict[str, str] = field(default_factory=dict)

    @property
    def topics(self) -> Topics:
        return Topics(prefix=f"t{self.token}.")

    @property
    def app_id(self) -> str:
        return f"corpactions-t{self.token}"

    async def create(self) -> None:
        t = self.topics
        await ensure_topics(
            self.bootstrap,
            (t.resolutions, *t.outputs()),
            self.partitions,
            self.replication,
            client_options=self.client_options,
        )

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "CORPACTIONS_TOPIC_PREFIX": self.topics.prefix,
            "CORPACTIONS_APP_ID": self.app_id,
            "CORPACTIONS_PARTITIONS": str(self.partitions),
            "CORPACTIONS_WEB_PORT": str(free_port()),
            # Faster group membership than a production default; see README (tests).
            "CORPACTIONS_SESSION_TIMEOUT_S": "10",
            "CORPACTIONS_HEARTBEAT_INTERVAL_S": "1",
            "CORPACTIONS_REBALANCE_TIMEOUT_S": "20",
            **self.security_env,
            **extra,
        }


class WorkerProcess:
    """`corpactions worker` as a real child process that dies with the test run."""

    def __init__(self, ns: Namespace, log_dir: Path, **env: str) -> None:
        self.ns = ns
        self.env = ns.env(**env)
        self.log_path = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.command = "worker"  # or "notifier"

    def start(self) -> WorkerProcess:
        self.started_at = time.monotonic()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "corpactions.cli", self.command],
                env=self.env,
                cwd=self.log_path.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return self

    def stop(self, grace: float = 20.0) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def produce(
    bootstrap: str,
    topic: str,
    messages: Iterable[tuple[bytes | None, bytes]],
    options: dict[str, Any] | None = None,
) -> None:
    """``options``: aiokafka client options (a secured cluster's)."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, **(options or {})
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, value, key=key) for key, value in messages]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    def json(self) -> Any:
        return json.loads(self.value)


async def consume(
    bootstrap: str,
    topics: Iterable[str],
    expected: int,
    within: float = 60.0,
    settle: float = 0.0,
    options: dict[str, Any] | None = None,
) -> list[Record]:
    """Read from the beginning (read_committed) until ``expected`` records arrive.

    ``settle`` keeps reading that many seconds after, to catch duplicates; ``options``:
    aiokafka client options (a secured cluster's).
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **(options or {}),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    out: list[Record] = []
    try:
        tps = []
        for topic in topics:
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(topic) or set()
            tps += [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + within
        settle_until: float | None = None
        while time.monotonic() < deadline:
            if settle_until is None and len(out) >= expected:
                settle_until = time.monotonic() + settle
            if settle_until is not None and time.monotonic() >= settle_until:
                break
            batch = await consumer.getmany(timeout_ms=200)
            for tp, records in batch.items():
                for r in records:
                    out.append(
                        Record(
                            tp.topic,
                            tp.partition,
                            r.offset,
                            r.key,
                            bytes(r.value or b""),
                            {k: bytes(v) for k, v in r.headers},
                        )
                    )
    finally:
        await consumer.stop()
    return out


@contextlib.contextmanager
def env_or_local_broker(workdir: Path) -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS when set, else a local broker for the block (benches, faults)."""
    from corpactions.broker.local import KafkaDistribution, LocalKafka

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        yield bootstrap
        return
    with LocalKafka(KafkaDistribution.ensure(), workdir / "kafka", heap="1g") as broker:
        yield broker.bootstrap_servers
