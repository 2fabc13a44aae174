"""Framed input and output through a real broker and a real worker, against
confluent-kafka's own JSON serializer (producer) and deserializer (consumer).

The registry: confluent-kafka's built-in mock registry (``MockSchemaRegistryClient``, what
its ``mock://`` URLs give), served over HTTP by the test on 127.0.0.1 with the three calls
of the Confluent REST API the worker makes (``GET /subjects``, ``GET /schemas/ids/<id>``,
``POST /subjects/<subject>/versions``) and basic auth. No real registry was run: the
Apicurio Registry app on Maven Central is a Quarkus application's thin jar, not one that
starts as a plain Java process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import web
from confluent_kafka.schema_registry import Schema
from confluent_kafka.schema_registry._sync.mock_schema_registry_client import (
    MockSchemaRegistryClient,
)
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from corpactions.stream.schema_registry import frame
from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, key_of
from tests.support.kafka import produce as produce_raw

pytestmark = pytest.mark.kafka

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
USER, PASSWORD = "corpactions", "pw-never-logged-7f3a"


@pytest.fixture
async def registry() -> AsyncIterator[tuple[str, MockSchemaRegistryClient]]:
    client = MockSchemaRegistryClient({"url": "mock://corpactions-test"})
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    @web.middleware
    async def auth(request: web.Request, handler: Callable[..., object]) -> web.StreamResponse:
        if request.headers.get("Authorization") != expected:
            return web.json_response({"error_code": 40101, "message": "Unauthorized"}, status=401)
        return await handler(request)  # type: ignore[no-any-return, misc]

    async def subjects(_: web.Request) -> web.Response:
        return web.json_response(client.get_subjects())

    async def by_id(request: web.Request) -> web.Response:
        try:
            schema = client.get_schema(int(request.match_info["id"]))
        except SchemaRegistryError:
            return web.json_response({"error_code": 40403, "message": "not found"}, status=404)
        return web.json_response({"schema": schema.schema_str, "schemaType": schema.schema_type})

    async def register(request: web.Request) -> web.Response:
        body = await request.json()
        schema = Schema(body["schema"], body.get("schemaType", "AVRO"))
        return web.json_response({"id": client.register_schema(request.match_info["s"], schema)})

    app = web.Application(middlewares=[auth])
    app.router.add_get("/subjects", subjects)
    app.router.add_post("/subjects/{s}/versions", register)
    app.router.add_get("/schemas/ids/{id}", by_id)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", client
    finally:
        await runner.cleanup()


async def test_framed_resolutions_are_read_and_unknown_or_foreign_schemas_dead_lettered(
    namespace: Namespace,
    spawn_worker: Callable[..., WorkerProcess],
    registry: tuple[str, MockSchemaRegistryClient],
) -> None:
    url, client = registry
    t = namespace.topics
    contract = (SCHEMAS / "BoardResolution.schema.json").read_text()
    serialize = JSONSerializer(contract, client)  # TopicNameStrategy: <topic>-value
    ctx = SerializationContext(t.resolutions, MessageField.VALUE)
    good = serialize(example_resolution(), ctx)
    assert good is not None
    assert good[0] == 0  # Confluent's frame: magic byte 0, then the schema id
    foreign_id = client.register_schema(
        "prices-value",
        Schema(json.dumps({"type": "object", "properties": {"price": {"type": "number"}}}), "JSON"),
    )
    body = json.dumps(example_resolution(message_id="m-2", event_id="ev-2")).encode()
    key = key_of(body)
    worker = spawn_worker(
        CORPACTIONS_SCHEMA_REGISTRY_URL=url,
        CORPACTIONS_SCHEMA_REGISTRY_USERNAME=USER,
        CORPACTIONS_SCHEMA_REGISTRY_PASSWORD=PASSWORD,
    )
    await produce_raw(
        namespace.bootstrap,
        t.resolutions,
        [
            (key, good),
            (key, frame(4242, body)),  # an id the registry never issued
            (key, frame(foreign_id, body)),  # registered, but another contract's schema
        ],
    )
    topics = [t.schedules, t.record_dates, t.dead_letters, t.notifications]
    outs = await consume(namespace.bootstrap, topics, 5, settle=1.5)
    # the JSON outputs are framed, their schemas registered under <topic>-value: Confluent's
    # deserializer reads them, validating each against the schema the worker registered
    deserialize = JSONDeserializer(None, schema_registry_client=client)

    def read(topic: str) -> list[dict[str, object]]:
        ctx = SerializationContext(topic, MessageField.VALUE)
        return [deserialize(r.value, ctx) for r in outs if r.topic == topic]

    scheduled, record, letters = read(t.schedules), read(t.record_dates), read(t.dead_letters)
    assert [e["type"] for e in scheduled] == ["DividendScheduled"], worker.log()[-3000:]
    assert [e["type"] for e in record] == ["RecordDateReached"]
    assert [d["reason"]["code"] for d in letters] == [  # type: ignore[index]
        "unknown_schema_id",
        "incompatible_schema",
    ]
    subjects = {f"{topic}-value" for topic in (t.schedules, t.record_dates, t.dead_letters)}
    assert subjects <= set(client.get_subjects())
    # the notifier read the framed schedule event; its ISO 20022 document is XML, unframed
    [document] = [r.value for r in outs if r.topic == t.notifications]
    assert document.startswith(b"<?xml")
    assert PASSWORD not in worker.log()


def test_an_unreachable_registry_at_start_up_is_one_line_and_exit_2(namespace: Namespace) -> None:
    env = namespace.env(CORPACTIONS_SCHEMA_REGISTRY_URL="http://127.0.0.1:1")
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        "corpactions worker: cannot reach the Schema Registry at http://127.0.0.1:1 "
        "(CORPACTIONS_SCHEMA_REGISTRY_URL)"
    )


async def test_refused_registry_credentials_at_start_up_are_one_line_without_the_password(
    namespace: Namespace, registry: tuple[str, MockSchemaRegistryClient]
) -> None:
    url, _ = registry
    env = namespace.env(
        CORPACTIONS_SCHEMA_REGISTRY_URL=url,
        CORPACTIONS_SCHEMA_REGISTRY_USERNAME=USER,
        CORPACTIONS_SCHEMA_REGISTRY_PASSWORD="wrong-pw-e41c",  # noqa: S106 (a test value)
    )
    # the registry is served by this event loop: the worker runs beside it, not blocking it
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "corpactions.cli",
        "worker",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 2, err
    [line] = err.decode().strip().splitlines()
    assert line == (
        f"corpactions worker: the Schema Registry at {url} refused the credentials (HTTP 401; "
        "CORPACTIONS_SCHEMA_REGISTRY_USERNAME, CORPACTIONS_SCHEMA_REGISTRY_PASSWORD)"
    )
    assert b"wrong-pw-e41c" not in out + err
