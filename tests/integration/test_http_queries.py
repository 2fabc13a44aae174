"""The worker's HTTP queries: an action by event_id, a security's dates, readiness."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    consume,
    example_resolution,
    produce,
    tokyo_resolutions,
)

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


async def wait_ready(
    session: aiohttp.ClientSession, bases: list[str], members: int, within: float = 90
) -> dict[str, Any]:
    """Poll /ready/ until every worker is ready, sees ``members`` in the group map and
    holds what the map gives it (a rebalance's new map comes before the restore)."""
    deadline = time.monotonic() + within
    bodies: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            for base in bases:
                status, bodies[base] = await get(session, f"{base}/ready/")
                body = bodies[base]
                assert status == 200
                assert len(body["group"]) == members
                assert body["partitions"] == sorted(body["group"].get(body["url"], []))
            return bodies
        except (aiohttp.ClientError, AssertionError):
            await asyncio.sleep(0.3)
    raise AssertionError(f"workers not ready with {members} members: {bodies}")


async def test_any_worker_answers_for_the_whole_group(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    """Two workers share 3 partitions; each answers queries about actions the other holds,
    says 503 (not 404) while a peer it would need is down, and after the rebalance the
    survivor holds and answers everything."""
    t = namespace.topics
    workers = [spawn_worker(), spawn_worker()]
    bases = [f"http://127.0.0.1:{w.env['CORPACTIONS_WEB_PORT']}" for w in workers]
    n = 12
    async with aiohttp.ClientSession() as session:
        ready = await wait_ready(session, bases, members=2)
        assert {b["url"] for b in ready.values()} == set(bases)

        await produce(namespace.bootstrap, t.resolutions, tokyo_resolutions(n))
        await consume(namespace.bootstrap, [t.schedules], expected=n)

        holders: dict[int, str] = {}
        for base in bases:  # ask each worker about every action
            for i in range(n):
                status, body = await get(session, f"{base}/actions/E{i}/")
                assert status == 200, body
                assert body["event_id"] == f"E{i}"
                assert holders.setdefault(i, body["worker"]) == body["worker"]
            status, dates = await get(session, f"{base}/securities/XTKS:1003/dates/")
            assert status == 200
            assert [(d["event_id"], d["kind"]) for d in dates["past"]] == [
                ("E3", "record"),
                ("E3", "payment"),
            ]
            status, missing = await get(session, f"{base}/actions/nope/")
            assert status == 404
            assert missing["workers_asked"] == [b for b in bases if b != base]
        assert set(holders.values()) == set(bases)  # both workers hold some actions

        # A peer that is gone before the group notices: the answer may be its, so 503.
        workers[1].kill()
        status, body = await get(session, f"{bases[0]}/actions/nope/")
        assert status == 503
        assert [u["url"] for u in body["unavailable"]] == [bases[1]]

        await wait_ready(session, bases[:1], members=1)
        for i in range(n):
            status, body = await get(session, f"{bases[0]}/actions/E{i}/")
            assert status == 200
            assert body["worker"] == bases[0]
