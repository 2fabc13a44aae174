"""The worker's HTTP queries: an action by event_id, a security's dates, readiness."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as resp:
        return resp.status, await resp.json()


async def test_queries_return_current_state_and_dates(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    worker = spawn_worker()
    base = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}"
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            try:
                status, body = await get(session, f"{base}/ready/")
            except aiohttp.ClientError:
                status = 0
            if status == 200:
                break
            await asyncio.sleep(0.2)
        assert status == 200, worker.log()[-2000:]
        assert body["ready"] is True

        await produce(
            namespace.bootstrap,
            t.resolutions,
            [(b"JP3152820001", json.dumps(example_resolution()).encode())],
        )
        await consume(namespace.bootstrap, [t.schedules], expected=1)
        status, action = await get(session, f"{base}/actions/JP3152820001-DVCA-FY2016-INTERIM/")
        assert status == 200
        assert action["version"] == 1
        assert action["status"] == "active"
        assert action["resolution"]["gross_amount_per_share"] == "13.50"
        status, dates = await get(session, f"{base}/securities/JP3152820001/dates/")
        assert status == 200
        # real clock (after 2016): both dates have fired
        assert [d["kind"] for d in dates["past"]] == ["record", "payment"]
        assert dates["pending"] == []
        status, missing = await get(session, f"{base}/actions/nope/")
        assert status == 404
        assert missing["error"] == "not_found"
        async with session.get(f"{base}/table/") as resp:
            assert resp.status == 404  # faust's table dumps are disabled
