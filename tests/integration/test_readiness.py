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
    first = WorkerProcess(ns, tmp_path).start()
    second: WorkerProcess | None = None
    try:
        body = await wait_for(first, 200, None, 90)
        assert body["partitions"] == [0]
        second = WorkerProcess(ns, tmp_path).start()
        body = await wait_for(second, 503, "no partitions assigned", 90)
        assert body["ready"] is False
        assert body["partitions"] == []
        first.stop()
        body = await wait_for(second, 200, None, 90)
        assert body["partitions"] == [0]
    finally:
        first.stop()
        if second is not None:
            second.stop()
