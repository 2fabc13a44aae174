"""The faust application that hosts the service.

faust provides the worker (lifecycle, signals, logging), the web server and the
service graph; the Kafka work is done by :class:`~corpactions.stream.engine.Engine`
(see its docstring for why), so faust's own Kafka consumer and producer are not booted.
Built by :func:`create_app`; nothing connects at import time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import faust
from faust.app.base import BootStrategy
from mode import Service

from corpactions.ops.lag import LagTracker
from corpactions.ops.metrics import AgentMetrics, build_registry
from corpactions.ops.monitor import LagMonitor
from corpactions.settings import Settings
from corpactions.stream.agent import placement
from corpactions.stream.calendar_page import register_calendar
from corpactions.stream.clock import Clock, system_clock
from corpactions.stream.engine import Engine
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier
from corpactions.stream.schema_registry import SchemaRegistry, SchemaVerdicts
from corpactions.stream.schema_registry import close_all as close_registries
from corpactions.stream.topics import provision_notifier
from corpactions.stream.web import register_metrics, register_views


class _HostBoot(BootStrategy):
    # The engine owns the Kafka clients; faust's would join the group as a second member.
    enable_kafka_consumer = False
    enable_kafka_producer = False


class HostApp(faust.App):
    BootStrategy = _HostBoot
    corpactions_engine: Engine | None = None  # the lifecycle's (None: not run here)
    corpactions_engines: dict[str, Engine] | None = None  # every agent's, by name

    async def _wait_for_table_recovery_completed(self) -> bool:
        return False  # no faust tables: state lives in the engine's changelog


def crash(app: Any, exc: BaseException) -> None:
    """Mark the worker crashed (the app and its child services), so that it stops.

    Private API, kept to this one place: ``Service._crash`` of mode-streaming 0.7.1, the
    version faust-streaming 0.15.3 installs here. It is a plain call the event loop can
    make soon; the public ``crash`` is a coroutine that logs again the traceback the
    engine has logged already. Re-check it when upgrading either package.
    """
    app._crash(exc)


def _metrics_of(engine: Engine) -> AgentMetrics:
    return AgentMetrics(
        engine.agent.name,
        engine.stats,
        timer_backlog=lambda: sum(p.state.timer_backlog for p in engine.partitions.values()),
        ready=lambda: engine.ready,
        overdue=engine.overdue_timers,
        assigned=engine.assigned_count,
    )


def schema_verdicts(settings: Settings) -> SchemaVerdicts | None:
    """The registry's verdicts on framed input (CORPACTIONS_SCHEMA_REGISTRY_URL), or None."""
    if settings.schema_registry_url is None:
        return None
    registry = SchemaRegistry(
        settings.schema_registry_url,
        settings.schema_registry_username,
        settings.schema_registry_password,
    )
    return SchemaVerdicts(registry)


def create_app(settings: Settings, clock: Clock = system_clock, datadir: Path | None = None) -> Any:
    """Build the faust app hosting the engine (returns ``faust.App``; faust ships no types)."""
    if not settings.bootstrap_servers:
        raise ValueError("settings.bootstrap_servers is required to build the app")
    app = HostApp(
        settings.app_id,
        broker=[f"kafka://{hp.strip()}" for hp in settings.bootstrap_servers.split(",")],
        store="memory://",
        # faust's table directory: no faust tables here, but it creates the folder; keep
        # it out of the working directory (it defaulted to ./<app id>-data)
        datadir=str(datadir or Path(tempfile.gettempdir()) / f"{settings.app_id}-faust"),
        web_enabled=settings.web_enabled,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        # The built-in /table dumps would expose every holder-facing state: off.
        web_tables_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
    )
    # The agents (CORPACTIONS_AGENTS; the notifier only with documents on): one engine
    # each, side by side in this process, each with its own group, producers, changelog.
    engines: dict[str, Engine] = {}
    for name in settings.running_agents:
        if name == "lifecycle":
            lifecycle = Lifecycle(
                settings.topics,
                settings.record_date_event_time,
                settings.payment_date_event_time,
                schemas=schema_verdicts(settings),
            )
            engines[name] = Engine(settings, lifecycle, clock)
        else:
            engines[name] = Engine(
                settings, Notifier(settings.topics), clock, provision_topics=provision_notifier
            )
    engine = engines.get("lifecycle")
    first = next(iter(engines.values()))
    app.corpactions_engine = engine
    app.corpactions_engines = engines

    @app.service
    class EngineService(Service):
        async def on_start(self) -> None:
            for e in engines.values():
                await e.start()

        async def on_stop(self) -> None:
            if calendar is not None:
                await calendar.stop()
            for e in reversed(engines.values()):
                await e.stop()
            await close_registries()

    def fatal(exc: BaseException) -> None:
        app.loop.call_soon(crash, app, exc)

    for e in engines.values():
        e.on_fatal = fatal
    register_views(app, engine, list(engines.values()))
    # /calendar, .json, .ics (read-only): the lifecycle's state, where its engine runs
    calendar = register_calendar(app, engine) if engine is not None else None

    # Lag and verdicts of our own group plus CORPACTIONS_LAG_GROUPS, sampled in the
    # background by the worker holding input partition 0 only (one per group, not one
    # per replica; handed over with the partition); /metrics/ serves them with the
    # engine's counters (see corpactions.ops).
    # the notifier's group too wherever documents are on, so that its lag shows (and its
    # alert fires) even when no notifier runs at all
    own = (settings.app_id, *(e.group_id for e in engines.values()))
    if settings.iso20022_notifications:
        own += (placement(settings, "notifier").group_id,)
    watched = ("*",) if "*" in settings.lag_groups else (*dict.fromkeys(own), *settings.lag_groups)
    monitor = LagMonitor(
        LagTracker(
            settings.bootstrap_servers,
            watched,
            client_options=settings.security.client_options(),
            intervals=settings.lag_window,
        ),
        settings.lag_interval_s,
        active=lambda: any(tp.partition == 0 for tp in first.partitions),
    )

    @app.service
    class LagMonitorService(Service):
        async def on_start(self) -> None:
            await monitor.start()

        async def on_stop(self) -> None:
            await monitor.stop()

    registry = build_registry(
        agents=[_metrics_of(e) for e in engines.values()],
        monitor=monitor,
    )
    register_metrics(app, registry)
    return app
