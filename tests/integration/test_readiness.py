"""`/ready/` means now: a worker that holds no partition is not ready, and becomes ready
when the group hands it one."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.kafka import Namespace, WorkerProcess

pytestmark = pytest.mark.kafka


async def ready_state(worker: WorkerProcess) -> tuple[int, dict[str, Any]] | None:
    url = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}/ready/"
    try:
        timeout = aiohttp.ClientTimeout(total=3)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
            return resp.status, await resp.json()
    except (aiohttp.ClientError, TimeoutError):
        return None


async def wait_for(
    worker: WorkerProcess, status: int, why: str | None, within: float
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    seen = None
    while time.monotonic() < deadline:
        seen = await ready_state(worker)
        if seen is not None and seen[0] == status and seen[1].get("why") == why:
            return seen[1]
        await asyncio.sleep(0.3)
    raise AssertionError(f"/ready/ never {status} {why!r}; last {seen}\n{worker.log()[-3000:]}")


async def test_ready_turns_false_without_partitions_and_true_when_given_one(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    ns = Namespace(kafka_bootstrap, partitions=1)
    await ns.create()
    # the lifecycle's readiness (with the notifier too, each agent's group may give its one
    # partition to another worker, and both are then busy: tests/unit/stream/test_health.py)
    first = WorkerProcess(ns, tmp_path, CORPACTIONS_AGENTS="lifecycle").start()
    second: WorkerProcess | None = None
    try:
        body = await wait_for(first, 200, None, 90)
        assert body["partitions"] == [0]
        second = WorkerProcess(ns, tmp_path, CORPACTIONS_AGENTS="lifecycle").start()
        # one partition, two workers: whichever the group leaves idle is not ready
        deadline = time.monotonic() + 90
        states: list[tuple[int, dict[str, Any]] | None] = []
        while time.monotonic() < deadline:
            states = [await ready_state(first), await ready_state(second)]
            settled = [s for s in states if s is not None and len(s[1]["group"]) == 2]
            whys = sorted((s[0], s[1].get("why")) for s in settled)
            if whys == [(200, None), (503, "no partitions assigned")]:
                break  # both joined the group; one holds the partition
            await asyncio.sleep(0.3)
        assert sorted(s[0] for s in states if s is not None) == [200, 503], states
        busy, idle = (first, second) if states[0] and states[0][0] == 200 else (second, first)
        body = await wait_for(idle, 503, "no partitions assigned", 5)
        assert body["ready"] is False
        assert body["partitions"] == []
        busy.stop()
        body = await wait_for(idle, 200, None, 90)
        assert body["partitions"] == [0]
    finally:
        first.stop()
        if second is not None:
            second.stop()
