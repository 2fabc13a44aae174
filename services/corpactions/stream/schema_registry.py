"""The Confluent Schema Registry wire format on the input topic.

Producers using Confluent's serializers (or another registry's in its Confluent-compatible
mode) frame each message: a magic byte 0, the schema id as 4 big-endian bytes, then the
JSON. JSON never starts with a zero byte, so framed and unframed messages share a topic.

Without a registry (CORPACTIONS_SCHEMA_REGISTRY_URL unset) the frame is stripped and the
JSON validated as any other. With one, a framed message's schema id must be registered
there as a schema the service can read: one whose properties are all the contract's
(BoardResolution or DividendForecast) and which requires every property the contract
requires. Otherwise the message is dead-lettered (``unknown_schema_id``,
``incompatible_schema``).

The registry is asked once per schema id a worker meets, before the batch holding it is
processed (`SchemaVerdicts.learn`); the verdict is kept for the process's life (a
registered schema id never changes its schema). The per-message check is a dict lookup.
"""

from __future__ import annotations

import json
import logging
from base64 import b64encode
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import aiohttp

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.forecast import DividendForecast
from corpactions.contracts.topics import Topics

log = logging.getLogger(__name__)

MAGIC = 0
FRAME_BYTES = 5  # magic byte + 4-byte big-endian schema id
TIMEOUT_S = 10.0


def unframe(raw: bytes) -> tuple[int | None, bytes]:
    """(schema id, JSON) of a framed message; (None, raw) of an unframed one."""
    if len(raw) >= FRAME_BYTES and raw[0] == MAGIC:
        return int.from_bytes(raw[1:FRAME_BYTES], "big"), raw[FRAME_BYTES:]
    return None, raw


def frame(schema_id: int, payload: bytes) -> bytes:
    return bytes([MAGIC]) + schema_id.to_bytes(4, "big") + payload


class Fit(StrEnum):
    READABLE = "readable"
    UNKNOWN = "unknown"  # the registry does not know the id
    INCOMPATIBLE = "incompatible"


class RegistryError(RuntimeError):
    """The registry did not answer as a Confluent-compatible registry would: one line."""


def _contract(model: type[Any]) -> tuple[frozenset[str], frozenset[str]]:
    schema = model.model_json_schema()
    return frozenset(schema.get("properties", {})), frozenset(schema.get("required", ()))


_CONTRACTS = (_contract(BoardResolution), _contract(DividendForecast))


def readable(schema: Mapping[str, Any]) -> bool:
    """Can the service read what a producer writes with ``schema`` (a JSON Schema)?
    Every property it allows is the contract's, and it requires each property the
    contract requires (so nothing the service needs may be left out)."""
    if schema.get("type", "object") != "object":
        return False
    props = frozenset(schema.get("properties", {}) or {})
    required = frozenset(schema.get("required", ()) or ())
    return any(props <= ours and needed <= required for ours, needed in _CONTRACTS)


class SchemaRegistry:
    """A Confluent-compatible registry's REST API, as much as the service uses. The
    password goes into the Authorization header only: never into a message or a log."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None):
        self.url = url.rstrip("/")
        self._headers = (
            {
                "Authorization": "Basic "
                + b64encode(f"{username}:{password or ''}".encode()).decode()
            }
            if username
            else {}
        )
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"SchemaRegistry({self.url!r})"

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
            )
            _OPEN.add(self)
        return self._session

    async def _get(self, path: str) -> tuple[int, Any]:
        session = self._open()
        try:
            async with session.get(self.url + path) as resp:
                body = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise RegistryError(
                f"cannot reach the Schema Registry at {self.url} "
                f"(CORPACTIONS_SCHEMA_REGISTRY_URL): {type(exc).__name__}: {exc or 'timed out'}"
            ) from None
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, None

    async def check(self) -> None:
        """Answers as a registry (GET /subjects) and accepts the credentials; else a
        `RegistryError` of one line."""
        status, body = await self._get("/subjects")
        if status in (401, 403):
            raise RegistryError(
                f"the Schema Registry at {self.url} refused the credentials (HTTP {status}; "
                "CORPACTIONS_SCHEMA_REGISTRY_USERNAME, CORPACTIONS_SCHEMA_REGISTRY_PASSWORD)"
            )
        if status != 200 or not isinstance(body, list):
            raise RegistryError(
                f"{self.url} (CORPACTIONS_SCHEMA_REGISTRY_URL) does not answer as a "
                f"Confluent-compatible Schema Registry (GET /subjects: HTTP {status})"
            )

    async def fit(self, schema_id: int) -> Fit:
        status, body = await self._get(f"/schemas/ids/{schema_id}")
        if status == 404:
            return Fit.UNKNOWN
        if status != 200 or not isinstance(body, dict):
            raise RegistryError(
                f"the Schema Registry at {self.url} answered HTTP {status} for schema id "
                f"{schema_id}"
            )
        if body.get("schemaType", "AVRO") != "JSON":
            return Fit.INCOMPATIBLE
        try:
            schema = json.loads(body.get("schema", ""))
        except ValueError:
            return Fit.INCOMPATIBLE
        return Fit.READABLE if isinstance(schema, dict) and readable(schema) else Fit.INCOMPATIBLE

    async def register(self, subject: str, schema: str) -> int:
        """The id of ``schema`` under ``subject``, registering it if new (a registry
        returns the existing id for a schema it holds)."""
        session = self._open()
        body = {"schema": schema, "schemaType": "JSON"}
        try:
            async with session.post(
                f"{self.url}/subjects/{subject}/versions",
                json=body,
                headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
            ) as resp:
                status = resp.status
                answer = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise RegistryError(
                f"cannot register {subject} in the Schema Registry at {self.url}: "
                f"{type(exc).__name__}: {exc or 'timed out'}"
            ) from None
        if status != 200 or not isinstance(answer, dict) or not isinstance(answer.get("id"), int):
            raise RegistryError(
                f"the Schema Registry at {self.url} refused {subject} (HTTP {status}): "
                f"{answer.get('message') if isinstance(answer, dict) else answer}"
            )
        return int(answer["id"])

    async def close(self) -> None:
        _OPEN.discard(self)
        if self._session is not None:
            await self._session.close()
            self._session = None


_OPEN: set[SchemaRegistry] = set()  # clients with a session, for `close_all`


async def close_all() -> None:
    """Close every registry client's session (the worker's stop)."""
    for registry in list(_OPEN):
        await registry.close()


class SchemaVerdicts:
    """Each schema id's fit, learnt from the registry once and kept."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self.known: dict[int, Fit] = {}
        self.lookups = 0  # registry calls made (one per new schema id)

    async def learn(self, values: Iterable[bytes | None]) -> None:
        """Ask the registry about the schema ids in ``values`` not yet known."""
        known = self.known
        for raw in values:
            if raw and raw[0] == MAGIC and len(raw) >= FRAME_BYTES:
                schema_id = int.from_bytes(raw[1:FRAME_BYTES], "big")
                if schema_id not in known:
                    self.lookups += 1
                    known[schema_id] = await self.registry.fit(schema_id)
                    log.info("schema id %d: %s", schema_id, known[schema_id].value)

    def fit(self, schema_id: int) -> Fit:
        """The verdict learnt before the batch; an id never learnt is unknown."""
        return self.known.get(schema_id, Fit.UNKNOWN)


def output_schemas(topics: Topics) -> dict[str, str]:
    """The JSON Schema registered for each JSON output topic (TopicNameStrategy: the
    subject is ``<topic>-value``). The schedules topic carries three event types: its
    schema is their union (``oneOf``). The ISO 20022 documents are XML: not framed."""
    from corpactions.contracts.events import (
        DeadLetter,
        DividendCancelled,
        DividendScheduled,
        DividendScheduleReplaced,
        PaymentDateReached,
        RecordDateReached,
    )

    return {
        topics.schedules: _union(
            "ScheduleEvent", (DividendScheduled, DividendScheduleReplaced, DividendCancelled)
        ),
        topics.record_dates: json.dumps(RecordDateReached.model_json_schema()),
        topics.payment_dates: json.dumps(PaymentDateReached.model_json_schema()),
        topics.dead_letters: json.dumps(DeadLetter.model_json_schema()),
    }


def _union(title: str, models: Iterable[type[Any]]) -> str:
    """One schema accepting any of ``models``: their definitions side by side in one
    ``$defs`` (a name the models share must mean the same schema)."""
    defs: dict[str, Any] = {}
    choices = []
    for model in models:
        schema = dict(model.model_json_schema())
        for name, sub in schema.pop("$defs", {}).items():
            if defs.setdefault(name, sub) != sub:
                raise ValueError(f"{title}: two different definitions named {name}")
        name = schema.get("title", model.__name__)
        defs[name] = schema
        choices.append({"$ref": f"#/$defs/{name}"})
    return json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "oneOf": choices,
            "$defs": defs,
        }
    )


class OutputFrames:
    """The frame (magic byte, schema id) of each JSON output topic: its schema is
    registered once, on the first batch written, and the ids kept."""

    def __init__(self, registry: SchemaRegistry, topics: Topics) -> None:
        self.registry = registry
        self.topics = topics
        self._prefixes: dict[str, bytes] | None = None

    async def prefixes(self) -> Mapping[str, bytes]:
        if self._prefixes is None:
            prefixes = {}
            for topic, schema in output_schemas(self.topics).items():
                schema_id = await self.registry.register(f"{topic}-value", schema)
                prefixes[topic] = frame(schema_id, b"")
            log.info("output schemas registered: %s", {t: p[1:] for t, p in prefixes.items()})
            self._prefixes = prefixes
        return self._prefixes
