"""The faust application: a thin shell around :func:`corpactions.stream.intake.handle_resolution`.

Built by :func:`create_app` from a :class:`~corpactions.settings.Settings`; nothing connects
at import time. Agents run with concurrency 1 per partition so an offset is only
committed after its message was fully handled (faust-streaming issue #606 can commit past
in-flight messages with concurrency > 1).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faust

from corpactions.settings import Settings
from corpactions.stream.intake import Source, handle_resolution

Clock = Callable[[], dt.datetime]

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(settings: Settings, clock: Clock = utc_now, datadir: Path | None = None) -> Any:
    """Build the faust app for ``settings`` (returns ``faust.App``; faust ships no types)."""
    if not settings.bootstrap_servers:
        raise ValueError("settings.bootstrap_servers is required to build the app")
    brokers = [f"kafka://{hp.strip()}" for hp in settings.bootstrap_servers.split(",")]
    app = faust.App(
        settings.app_id,
        broker=brokers,
        store="memory://",
        datadir=str(datadir) if datadir else None,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.heartbeat_interval_s,
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        stream_recovery_delay=0.0,
        web_enabled=settings.web_enabled,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        # The built-in /table dumps would expose every holder-facing state: off.
        web_tables_enabled=False,
        web_graph_enabled=False,
        producer_acks=-1,
    )
    topics = settings.topics

    def raw_topic(name: str) -> Any:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
            replicas=settings.replication_factor,
        )

    resolutions = raw_topic(topics.resolutions)
    outputs = {name: raw_topic(name) for name in topics.outputs()}

    @app.agent(resolutions, name="intake", concurrency=1)
    async def intake(stream: Any) -> None:
        async for event in stream.events():
            msg = event.message
            timestamp_ms = int(msg.timestamp * 1000) if msg.timestamp else None
            source = Source(msg.topic, msg.partition, msg.offset, timestamp_ms)
            for out in handle_resolution(event.value, source, topics, clock()):
                await outputs[out.topic].send(
                    key=out.key, value=out.value, headers=list(out.headers)
                )

    return app
