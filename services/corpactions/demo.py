"""`make run`: the local Kafka, one worker, the example resolution in, its event printed.

A newcomer's first look at the service. The broker is the project's detached local
broker (started here when not running, and stopped again on exit if started here); the
worker is a real `corpactions worker` process.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from corpactions.broker import daemon
from corpactions.broker.local import project_root
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.settings import Settings
from corpactions.stream.topics import ensure_topics

SEED = Path("schemas/examples/board-resolution.iij-fy2016-interim.json")


async def _feed_and_wait(
    settings: Settings,
    seed: bytes,
    key: bytes,
    wait_s: float,
    worker: subprocess.Popen[bytes],
) -> bytes:
    assert settings.bootstrap_servers
    topics = settings.topics
    # Read from the beginning and match the seed's event_id and version: a second
    # `make run` re-sends the same message_id, which the service rightly ignores as a
    # duplicate, so its schedule event is the one an earlier run produced.
    wanted = json.loads(seed)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topics.schedules) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topics.schedules) or set()
        tps = [TopicPartition(topics.schedules, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(topics.resolutions, seed, key=key)
        finally:
            await producer.stop()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with code {worker.returncode}")
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.key != key or record.value is None:
                        continue
                    event = json.loads(record.value)
                    if (event.get("event_id"), event.get("version")) == (
                        wanted.get("event_id"),
                        wanted.get("version"),
                    ):
                        return bytes(record.value)
        raise TimeoutError(f"no schedule event within {wait_s:.0f}s")
    finally:
        await consumer.stop()


def _security_key(seed: bytes) -> bytes:
    """The key the service requires (the ISIN, else MIC:local_code); none for a seed that
    is not a valid resolution, which the service dead-letters for its content anyway."""
    try:
        return BoardResolution.model_validate_json(seed).security_key.encode()
    except ValidationError:
        return b""


def run_demo(seed_path: str | None, keep_running: bool = True) -> int:
    seed_file = Path(seed_path) if seed_path else project_root() / SEED
    seed = seed_file.read_bytes()
    key = _security_key(seed)

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    started_broker = False
    if not bootstrap:
        print("starting the local Apache Kafka (first run fetches it from Maven Central)...")
        state, started_broker = daemon.start()
        bootstrap = state.bootstrap_servers
        print(f"kafka ready at {bootstrap}")
    settings = Settings.from_env({**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap})
    asyncio.run(
        ensure_topics(
            bootstrap,
            (settings.topics.resolutions, *settings.topics.outputs()),
            settings.partitions,
            settings.replication_factor,
        )
    )
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    worker = subprocess.Popen(
        [sys.executable, "-m", "corpactions.cli", "worker"],
        env=env,
        start_new_session=True,
        stdout=sys.stderr,  # the demo's own stdout carries only the event
    )
    print(f"worker started (pid {worker.pid}); feeding {seed_file.name}")
    try:
        value = asyncio.run(_feed_and_wait(settings, seed, key, 120, worker))
        print(f"\n{settings.topics.schedules} <- key {key.decode()}:")
        print(json.dumps(json.loads(value), indent=2))
        if keep_running:
            print(
                f"\nservice running on {bootstrap}; produce to {settings.topics.resolutions} "
                "to see more. Ctrl-C stops it."
            )
            worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
        if started_broker:
            daemon.stop()
            print("local kafka stopped")
    return 0
