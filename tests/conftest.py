"""Session fixtures. The real broker starts only when a test asks for it."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from corpactions.broker.local import KafkaDistribution, LocalKafka
from corpactions.domain import configure_calendars
from tests.support.kafka import Namespace, WorkerProcess

# The calendar horizon of in-process tests, fixed (what a service started in 2026 derives
# by default) so that no result depends on the day the tests run. Worker processes derive
# their own at start-up, as in production.
TEST_HORIZON = dt.date(2036, 12, 31)
configure_calendars(TEST_HORIZON)


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS when set; else a fresh local KRaft broker for this run."""
    env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if env:
        yield env
        return
    broker = LocalKafka(
        KafkaDistribution.ensure(), tmp_path_factory.mktemp("kafka"), owned=True, heap="768m"
    )
    t0 = time.monotonic()
    broker.start()
    print(f"\nkafka: {broker.bootstrap_servers} ready in {time.monotonic() - t0:.1f}s")
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
async def namespace(kafka_bootstrap: str) -> Namespace:
    ns = Namespace(kafka_bootstrap)
    await ns.create()
    return ns


@pytest.fixture
def spawn_worker(namespace: Namespace, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """``spawn_worker(**env)`` starts a `corpactions worker`; every one is stopped after."""
    started: list[WorkerProcess] = []

    def spawn(**env: str) -> WorkerProcess:
        worker = WorkerProcess(namespace, tmp_path, **env).start()
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        worker.stop()
