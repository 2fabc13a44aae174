"""HTTP queries on the worker: an action's current state, a security's dates, health.

Any worker answers for the whole group: what it does not hold itself it asks the other
workers for (their URLs come with each rebalance, see stream/members.py), in parallel,
marking the request as forwarded so that they answer from their own state only. When a
worker that may hold the answer cannot give it in full (not reached; starting; restoring
a partition the group's map already gives it, during a rebalance), the reply is 503
naming those workers and why, never a 404 or a partial list that would look complete.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from faust import web

from corpactions.stream.engine import NO_PARTITIONS

if TYPE_CHECKING:
    from corpactions.stream.engine import Engine
    from corpactions.stream.state import PartitionState


def _action_view(engine: Engine, event_id: str) -> dict[str, Any] | None:
    for tp, proc in engine.partitions.items():
        action = _lifecycle_state(proc.state).actions.get(event_id)
        if action is not None:
            return {
                "event_id": action.event_id,
                "security_key": action.security_key,
                "version": action.version,
                "function": action.function,
                "status": "cancelled" if action.cancelled else "active",
                "partition": tp.partition,
                "message_ids": list(action.message_ids),
                "resolution": json.loads(action.resolution_json) if action.resolution else None,
                "dates": _dates(action),
            }
    return None


def _lifecycle_state(state: Any) -> PartitionState:
    """The queries read the lifecycle's state (they are registered on its engine only)."""
    return cast("PartitionState", state)


def _dates(action: Any) -> list[dict[str, Any]]:
    out = []
    for kind in ("record", "payment"):
        due = action.due(kind)
        if due is None:
            continue
        fired = action.fired(kind) == due
        state = "fired" if fired else ("cancelled" if action.cancelled else "pending")
        out.append({"kind": kind, "due_at": due.isoformat(), "state": state})
    return out


FORWARDED = "X-Corpactions-Forwarded-By"  # a peer's request: answer from local state only
PEER_TIMEOUT_S = 3.0


def local_gap(engine: Engine) -> str | None:
    """Why this worker's own state may miss an answer right now, or None when it holds
    everything the group's map gives it."""
    if not engine.started:
        return "starting: no partitions restored yet"
    owned = engine.members.by_url.get(engine.members.self_url, ())
    held = {tp.partition for tp in engine.partitions}
    missing = [p for p in owned if p not in held]
    return f"restoring partitions {missing}" if missing else None


async def _ask_peers(engine: Engine, path: str) -> list[tuple[str, int, Any]]:
    """GET ``path`` from every other worker, in parallel: (url, status, body); status 0
    (body: the error) when one could not be reached."""
    peers = engine.members.peers()
    if not peers:
        return []
    timeout = aiohttp.ClientTimeout(total=PEER_TIMEOUT_S)
    headers = {FORWARDED: engine.members.self_url}
    async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:

        async def one(url: str) -> tuple[str, int, Any]:
            try:
                async with session.get(url + path) as resp:
                    return url, resp.status, await resp.json()
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                return url, 0, repr(exc)

        return list(await asyncio.gather(*(one(url) for url in peers)))


def unavailable(
    results: list[tuple[str, int, Any]], self_url: str, gap: str | None
) -> list[dict[str, str]]:
    """The workers whose answer is missing: not reached, or not (yet) holding all their
    partitions (this one included, per ``gap``)."""
    out = [{"url": self_url, "why": gap}] if gap else []
    for url, status, body in results:
        if status == 0:
            out.append({"url": url, "why": f"unreachable: {body}"})
        elif status not in (200, 404):
            theirs = body.get("unavailable") if isinstance(body, dict) else None
            if isinstance(theirs, list) and theirs:  # a peer restoring: its own words
                out += [{"url": str(x.get("url", url)), "why": str(x.get("why"))} for x in theirs]
            else:
                out.append({"url": url, "why": f"HTTP {status}"})
    return out


def _incomplete(missing: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "error": "workers_unavailable",
        "message": "some workers of the group could not answer in full; the answer may be theirs",
        "unavailable": missing,
    }


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def not_ready_because(engines: Sequence[Engine]) -> str | None:
    """Why this worker is not ready, or None. With two agents: an agent starting,
    restoring or stopping makes it not ready (named, after the first: the notifier
    beside the lifecycle); an agent the group gives no partition is idle, and the worker
    is ready while the other holds some."""
    if len(engines) == 1:
        return engines[0].not_ready_because()
    for n, engine in enumerate(engines):
        why = engine.not_ready_because()
        if why is not None and why != NO_PARTITIONS:
            return why if n == 0 else f"{engine.agent.name}: {why}"
    if not any(engine.partitions for engine in engines):
        return NO_PARTITIONS
    return None


def register_views(app: Any, engine: Engine | None, engines: Sequence[Engine] = ()) -> None:
    """The queries on the lifecycle's state (``engine``: None in a worker running only the
    notifier) and the health views, which cover every agent of ``engines``."""
    running = list(engines) or ([engine] if engine is not None else [])
    primary = engine or running[0]
    if engine is not None:
        _register_queries(app, engine)

    @app.page("/health/")  # type: ignore[untyped-decorator]
    async def health(self: web.View, request: web.Request) -> web.Response:
        return self.json({"status": "ok"})

    @app.page("/ready/")  # type: ignore[untyped-decorator]
    async def ready(self: web.View, request: web.Request) -> web.Response:
        why = not_ready_because(running)
        ok = why is None
        body = {
            "ready": ok,
            **({"why": why} if why else {}),
            "partitions": sorted(tp.partition for tp in primary.partitions),
            "url": primary.members.self_url,
            "group": {url: list(p) for url, p in sorted(primary.members.by_url.items())},
            "agents": {
                e.agent.name: {
                    "ready": e.not_ready_because() is None,
                    "group_id": e.group_id,
                    "partitions": sorted(tp.partition for tp in e.partitions),
                }
                for e in running
            },
        }
        return self.json(body, status=200 if ok else 503)


def _register_queries(app: Any, engine: Engine) -> None:
    @app.page("/actions/{event_id}/")  # type: ignore[untyped-decorator]
    async def action(self: web.View, request: web.Request, event_id: str) -> web.Response:
        found = _action_view(engine, event_id)
        if found is not None:
            return self.json({**found, "worker": engine.members.self_url})
        gap = local_gap(engine)
        results: list[tuple[str, int, Any]] = []
        if FORWARDED not in request.headers:
            results = await _ask_peers(engine, f"/actions/{_quote(event_id)}/")
            for _url, status, body in results:
                if status == 200:
                    return self.json(body)
        missing = unavailable(results, engine.members.self_url, gap)
        if missing:
            return self.json(_incomplete(missing), status=503)
        return self.json(
            {
                "error": "not_found",
                "message": f"{event_id} is held by no worker of the group",
                "partitions": sorted(tp.partition for tp in engine.partitions),
                "workers_asked": [url for url, _, _ in results],
            },
            status=404,
        )

    @app.page("/securities/{security_key}/dates/")  # type: ignore[untyped-decorator]
    async def dates(self: web.View, request: web.Request, security_key: str) -> web.Response:
        items = []
        for proc in engine.partitions.values():
            for a in _lifecycle_state(proc.state).actions.values():
                if a.security_key == security_key:
                    items += [{"event_id": a.event_id, **d} for d in _dates(a)]
        results: list[tuple[str, int, Any]] = []
        if FORWARDED not in request.headers:
            results = await _ask_peers(engine, f"/securities/{_quote(security_key)}/dates/")
        missing = unavailable(results, engine.members.self_url, local_gap(engine))
        if missing:
            return self.json(_incomplete(missing), status=503)
        for _url, status, body in results:
            if status == 200:
                items += body["pending"] + body["past"]
        items.sort(key=lambda d: (d["due_at"], d["event_id"], d["kind"]))
        return self.json(
            {
                "security_key": security_key,
                "pending": [d for d in items if d["state"] == "pending"],
                "past": [d for d in items if d["state"] != "pending"],
            }
        )


def register_metrics(app: Any, registry: Any) -> None:
    """``/metrics/`` (and ``/metrics``, Prometheus' default path): the private registry."""
    from corpactions.ops.metrics import CONTENT_TYPE, render

    async def metrics(self: web.View, request: web.Request) -> web.Response:
        return self.bytes(render(registry), headers={"Content-Type": CONTENT_TYPE})

    app.page("/metrics/", name="metrics")(metrics)
    app.page("/metrics", name="metrics_no_slash")(metrics)
