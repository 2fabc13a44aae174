"""The naive baseline: a faust-streaming agent relaying each message (``await topic.send``).

Run by bench_stream.py as ``python faust_relay.py worker -l warn`` with RELAY_BOOTSTRAP,
RELAY_SOURCE, RELAY_SINK and RELAY_APP_ID in the environment.
"""

from __future__ import annotations

import os
from typing import Any

import faust

app = faust.App(
    os.environ.get("RELAY_APP_ID", "relay"),
    broker=f"kafka://{os.environ.get('RELAY_BOOTSTRAP', '127.0.0.1:9092')}",
    key_serializer="raw",
    value_serializer="raw",
    web_enabled=False,
    topic_replication_factor=1,
    topic_partitions=1,
    consumer_auto_offset_reset="earliest",
    store="memory://",
)
source = app.topic(os.environ.get("RELAY_SOURCE", "relay-in"), value_type=bytes, key_type=bytes)
sink = app.topic(os.environ.get("RELAY_SINK", "relay-out"), value_type=bytes, key_type=bytes)


@app.agent(source)
async def relay(stream: Any) -> None:
    async for event in stream.events():
        await sink.send(key=event.key, value=event.value)


if __name__ == "__main__":
    app.main()
