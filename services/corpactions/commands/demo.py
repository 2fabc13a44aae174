"""`corpactions demo [--seed FILE] [--once]` (`make run`): the local Kafka, one worker,
the example resolution in, its event printed, then its ISO 20022 document (seev.031).

A newcomer's first look at the service. The broker is the project's detached local
broker (started here when not running, and stopped again on exit if started here); the
worker is a real `corpactions worker` process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from corpactions.broker import daemon
from corpactions.broker.local import project_root
from corpactions.commands import bootstrap_servers
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import deterministic_id
from corpactions.ops.aiokafka_private import cluster_metadata, coordinator_ready, partitions_of
from corpactions.settings import Settings
from corpactions.stream.schema_registry import unframe
from corpactions.stream.startup import CannotStart, check_kafka
from corpactions.stream.topics import topic_specs

SEED = Path("schemas/examples/board-resolution.iij-fy2016-interim.json")
WAIT_S = 120  # for the worker to join, take the partitions and answer
SETTLE_S = 60  # for a broker just started, or topics just created, to have their leaders


def run(args: argparse.Namespace) -> int:
    return run_demo(args.seed, keep_running=not args.once)


def run_demo(seed_path: str | None, keep_running: bool = True) -> int:
    seed_file = Path(seed_path) if seed_path else project_root() / SEED
    seed = seed_file.read_bytes()
    key = _security_key(seed)

    settings = Settings.from_env()
    started_broker = False

    def start_local_broker() -> str:
        nonlocal started_broker
        print("starting the local Apache Kafka (first run fetches it from Maven Central)...")
        state, started_broker = daemon.start()
        print(f"kafka ready at {state.bootstrap_servers}")
        return state.bootstrap_servers

    bootstrap = bootstrap_servers(settings, local=start_local_broker)
    settings = settings.replace(bootstrap_servers=bootstrap)
    try:
        asyncio.run(check_kafka(settings))  # reachable, login accepted, topics there
    except CannotStart as exc:
        print(f"corpactions demo: {exc}", file=sys.stderr)
        if started_broker:
            daemon.stop()
        return 2
    asyncio.run(_settle(settings, SETTLE_S))
    worker = _start_worker(bootstrap)
    print(f"worker started (pid {worker.pid}); feeding {seed_file.name}")
    try:
        value = asyncio.run(_feed_and_wait(settings, seed, key, WAIT_S, worker))
        print(f"\n{settings.topics.schedules} <- key {key.decode()}:")
        print(json.dumps(json.loads(value), indent=2))
        if "notifier" in settings.running_agents:  # its ISO 20022 document, after the event
            xml = asyncio.run(_document(settings, key, json.loads(seed), WAIT_S, worker))
            print(f"\n{settings.topics.notifications} <- key {key.decode()}:")
            print(xml.decode(), end="")
        if keep_running:
            _wait_ready(settings, WAIT_S, worker)
            print(_next_steps(settings, bootstrap, json.loads(value).get("event_id")))
            sys.stdout.flush()
            worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        _stop_worker(worker)
        if started_broker:
            daemon.stop()
            print("local kafka stopped")
    return 0


def _next_steps(settings: Settings, bootstrap: str, event_id: str | None) -> str:
    """The closing lines: where the service answers and three things to try."""
    lines = [""]
    if settings.web_enabled:
        host = _browsable(settings.web_host)
        url = f"http://{host}:{settings.web_port}"
        lines.append(f"corpactions is running: {url}  (Kafka at {bootstrap})")
        lines.append("Next, in another terminal, after `source .venv/bin/activate`:")
        if event_id:
            lines.append(f"  curl -s {url}/actions/{event_id}/")
        # the example's dates are in 2016: the calendar's default (this week) is empty
        span = "from=2016-09-01&to=2016-12-31"
        lines.append(f"  curl -s '{url}/calendar.json?{span}'")
        lines.append(f"  (the calendar, in a browser: {url}/calendar?{span})")
    else:
        lines.append(f"corpactions is running (Kafka at {bootstrap}; its HTTP server is off)")
        lines.append("Next, in another terminal, after `source .venv/bin/activate`:")
    lines.append(
        f"  corpactions schedule {SEED} --history schemas/examples/history.iij-fy2016.json"
    )
    lines.append(f"  corpactions lag --group {settings.app_id}")
    lines.append("Ctrl-C stops the service.")
    return "\n".join(lines)


def _wait_ready(settings: Settings, wait_s: float, worker: subprocess.Popen[bytes]) -> None:
    """Return once the worker's /ready/ answers 200 (it holds its partitions, restored),
    so that the address printed next answers: on a second run the event printed is the
    first run's, found before this worker is up."""
    if not settings.web_enabled:
        return
    url = f"http://{_browsable(settings.web_host)}:{settings.web_port}/ready/"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and worker.poll() is None:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.25)


def _browsable(host: str) -> str:
    """``localhost`` for a loopback or every-address bind, else the host as configured."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost" if ip.is_loopback or ip.is_unspecified else host


def _committed_reader(settings: Settings) -> AIOKafkaConsumer:
    """A consumer of what the service committed (``read_committed``), in no group."""
    return AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        isolation_level="read_committed",
        **settings.security.client_options(),
    )


async def _settle(settings: Settings, timeout_s: float) -> None:
    """Wait until every partition of the service's topics answers as its leader's (a
    ListOffsets for each succeeds) and the cluster names the coordinators of the group
    and of its transactions.

    A broker just started (a first `make run`, or a restart over kept data), or topics
    just created, answer NOT_LEADER_OR_FOLLOWER and COORDINATOR_NOT_AVAILABLE for a few
    seconds, and aiokafka logs each such answer at ERROR although it retries them: the
    worker and this demo's consumer would print those lines on a run that works. Only
    this wait is quiet (aiokafka's logger, as `check_kafka` does); past ``timeout_s`` the
    demo goes on, and whatever is still wrong shows in the worker's own lines.
    """
    assert settings.bootstrap_servers
    names = [spec.name for spec in topic_specs(settings)]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        enable_auto_commit=False,
        **settings.security.client_options(),
    )
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            metadata = await cluster_metadata(consumer)
            tps = [
                TopicPartition(name, p)
                for name in names
                for p in sorted(metadata.partitions_for_topic(name) or ())
            ]
            if all(metadata.leader_for_partition(tp) not in (None, -1) for tp in tps):
                with contextlib.suppress(KafkaError, TimeoutError):
                    remaining = max(deadline - time.monotonic(), 0.1)
                    await asyncio.wait_for(consumer.end_offsets(tps), remaining)
                    groups = [settings.app_id, f"{settings.app_id}-notifier"]
                    if all(
                        [await coordinator_ready(consumer, 0, group) for group in groups]
                    ) and await coordinator_ready(consumer, 1, f"{settings.app_id}-demo"):
                        return
            await asyncio.sleep(0.25)
    finally:
        await consumer.stop()
        quiet.setLevel(level)


def _security_key(seed: bytes) -> bytes:
    """The key the service requires (the ISIN, else MIC:local_code); none for a seed that
    is not a valid resolution, which the service dead-letters for its content anyway."""
    try:
        return BoardResolution.model_validate_json(seed).security_key.encode()
    except ValidationError:
        return b""


def _start_worker(bootstrap: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "corpactions.cli", "worker"],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        start_new_session=True,
        stdout=sys.stderr,  # the demo's own stdout carries only the event
    )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM the worker's process group, SIGKILL if it has not stopped in 30 s."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


async def _feed_and_wait(
    settings: Settings,
    seed: bytes,
    key: bytes,
    wait_s: float,
    worker: subprocess.Popen[bytes],
) -> bytes:
    """Produce the seed, then return the schedule event the worker answers it with.

    The schedules are read from the beginning, and the event is the one with the seed's
    event_id and version: a second `make run` re-sends the same message_id, which the
    service rightly ignores as a duplicate, so its schedule event is the one an earlier
    run produced.
    """
    assert settings.bootstrap_servers
    topics = settings.topics
    wanted = json.loads(seed)
    consumer = _committed_reader(settings)
    await consumer.start()
    try:
        await _read_from_beginning(consumer, topics.schedules)
        await _produce(settings, topics.resolutions, seed, key)
        return await _schedule_event(consumer, key, wanted, wait_s, worker)
    finally:
        await consumer.stop()


async def _read_from_beginning(consumer: AIOKafkaConsumer, topic: str) -> None:
    tps = [TopicPartition(topic, p) for p in sorted(await partitions_of(consumer, topic))]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)


async def _produce(settings: Settings, topic: str, value: bytes, key: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        acks="all",
        **settings.security.client_options(),
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _schedule_event(
    consumer: AIOKafkaConsumer,
    key: bytes,
    wanted: Any,
    wait_s: float,
    worker: subprocess.Popen[bytes],
) -> bytes:
    """The first record under ``key`` with the event_id and version of ``wanted``."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with code {worker.returncode}")
        batch = await consumer.getmany(timeout_ms=500)
        for records in batch.values():
            for record in records:
                if record.key != key or record.value is None:
                    continue
                event = json.loads(unframe(record.value)[1])  # framed: a registry's
                if (event.get("event_id"), event.get("version")) == (
                    wanted.get("event_id"),
                    wanted.get("version"),
                ):
                    return unframe(bytes(record.value))[1]
    raise TimeoutError(f"no schedule event within {wait_s:.0f}s")


async def _document(
    settings: Settings, key: bytes, wanted: Any, wait_s: float, worker: subprocess.Popen[bytes]
) -> bytes:
    """The seev.031 the notifier agent wrote for ``wanted`` (its ``ce_id`` derives from
    the message definition, the event id and the version)."""
    assert settings.bootstrap_servers
    record_id = deterministic_id(
        "seev.031.001.14", str(wanted.get("event_id")), str(wanted.get("version"))
    ).encode()
    consumer = _committed_reader(settings)
    await consumer.start()
    try:
        await _read_from_beginning(consumer, settings.topics.notifications)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with code {worker.returncode}")
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    if record.key == key and ("ce_id", record_id) in list(record.headers):
                        return unframe(bytes(record.value))[1]
        raise TimeoutError(f"no ISO 20022 document within {wait_s:.0f}s")
    finally:
        await consumer.stop()
