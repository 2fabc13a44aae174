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

    async def _get(self, path: str) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
            )
        try:
            async with self._session.get(self.url + path) as resp:
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

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


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
