"""HTTP queries on the worker: an action's current state, a security's dates, health."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from faust import web

if TYPE_CHECKING:
    from corpactions.stream.engine import Engine


def _action_view(engine: Engine, event_id: str) -> dict[str, Any] | None:
    for tp, proc in engine.partitions.items():
        action = proc.state.actions.get(event_id)
        if action is not None:
            return {
                "event_id": action.event_id,
                "security_key": action.security_key,
                "version": action.version,
                "function": action.function,
                "status": "cancelled" if action.cancelled else "active",
                "partition": tp.partition,
                "message_ids": list(action.message_ids),
                "resolution": json.loads(action.resolution) if action.resolution else None,
                "dates": _dates(action),
            }
    return None


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


def register_views(app: Any, engine: Engine) -> None:
    @app.page("/actions/{event_id}/")  # type: ignore[untyped-decorator]
    async def action(self: web.View, request: web.Request, event_id: str) -> web.Response:
        found = _action_view(engine, event_id)
        if found is None:
            return self.json(
                {
                    "error": "not_found",
                    "message": f"{event_id} is not held by this worker",
                    "partitions": sorted(tp.partition for tp in engine.partitions),
                },
                status=404,
            )
        return self.json(found)

    @app.page("/securities/{security_key}/dates/")  # type: ignore[untyped-decorator]
    async def dates(self: web.View, request: web.Request, security_key: str) -> web.Response:
        items = []
        for proc in engine.partitions.values():
            for a in proc.state.actions.values():
                if a.security_key == security_key:
                    items += [{"event_id": a.event_id, **d} for d in _dates(a)]
        items.sort(key=lambda d: d["due_at"])
        return self.json(
            {
                "security_key": security_key,
                "pending": [d for d in items if d["state"] == "pending"],
                "past": [d for d in items if d["state"] != "pending"],
            }
        )

    @app.page("/health/")  # type: ignore[untyped-decorator]
    async def health(self: web.View, request: web.Request) -> web.Response:
        return self.json({"status": "ok"})

    @app.page("/ready/")  # type: ignore[untyped-decorator]
    async def ready(self: web.View, request: web.Request) -> web.Response:
        ok = engine.ready
        body = {
            "ready": ok,
            "partitions": sorted(tp.partition for tp in engine.partitions),
        }
        return self.json(body, status=200 if ok else 503)


def register_metrics(app: Any, registry: Any) -> None:
    """``/metrics/`` (and ``/metrics``, Prometheus' default path): the private registry."""
    from corpactions.ops.metrics import CONTENT_TYPE, render

    async def metrics(self: web.View, request: web.Request) -> web.Response:
        return self.bytes(render(registry), headers={"Content-Type": CONTENT_TYPE})

    app.page("/metrics/", name="metrics")(metrics)
    app.page("/metrics", name="metrics_no_slash")(metrics)
