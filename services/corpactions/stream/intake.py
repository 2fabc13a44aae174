"""One resolution's path: bytes -> contract model -> dividend core -> outgoing messages.

Pure apart from the ``now`` it is given: no Kafka here, so the same code is used by the
faust agent, the benchmarks and the unit tests.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import (
    CE_SOURCE,
    CE_SPECVERSION,
    DeadLetter,
    DeadLetterReason,
    DividendScheduled,
    deterministic_id,
)
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected
from corpactions.settings import Topics

MAX_PAYLOAD_BYTES = 256 * 1024  # a resolution is ~1 KB; larger input is rejected unread


@dataclass(frozen=True, slots=True)
class Source:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def cloudevent_headers(
    event_id: str, ce_type: str, at: dt.datetime
) -> tuple[tuple[str, bytes], ...]:
    """CloudEvents Kafka binding, binary mode: attributes as ``ce_*`` headers."""
    return (
        ("ce_specversion", CE_SPECVERSION.encode()),
        ("ce_id", event_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", CE_SOURCE.encode()),
        ("ce_time", at.isoformat().encode()),
        ("content-type", b"application/json"),
    )


def _emit(topic: str, key: str, event: DividendScheduled | DeadLetter, at: dt.datetime) -> Outgoing:
    return Outgoing(
        topic=topic,
        key=key.encode(),
        value=event.model_dump_json().encode(),
        headers=cloudevent_headers(event.id, event.type, at),
    )


def dead_letter(
    raw: bytes,
    source: Source,
    code: str,
    message: str,
    errors: Sequence[dict[str, Any]],
    topics: Topics,
    now: dt.datetime,
) -> Outgoing:
    letter = DeadLetter(
        id=deterministic_id("dlq", source.topic, str(source.partition), str(source.offset)),
        reason=DeadLetterReason(code=code, message=message, errors=list(errors)),
        source_topic=source.topic,
        source_partition=source.partition,
        source_offset=source.offset,
        source_timestamp_ms=source.timestamp_ms,
        payload_base64=base64.b64encode(raw).decode(),
        rejected_at=now,
    )
    key = f"{source.topic}:{source.partition}"
    return _emit(topics.dead_letters, key, letter, now)


def _schema_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "code": err["type"],
            "field": ".".join(str(p) for p in err["loc"]),
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def handle_resolution(
    raw: bytes, source: Source, topics: Topics, now: dt.datetime
) -> list[Outgoing]:
    """Everything one input message produces: its events, or one dead letter."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        return [
            dead_letter(
                raw[:MAX_PAYLOAD_BYTES],
                source,
                "payload_too_large",
                f"payload of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}",
                [],
                topics,
                now,
            )
        ]
    try:
        resolution = BoardResolution.model_validate_json(raw)
    except ValidationError as exc:
        errors = _schema_errors(exc)
        undecodable = any(e["code"] in {"json_invalid", "json_type"} for e in errors)
        code = "undecodable" if undecodable else "schema_violation"
        first = errors[0] if errors else {"field": "", "message": str(exc)}
        return [
            dead_letter(
                raw, source, code, f"{first['field']}: {first['message']}", errors, topics, now
            )
        ]
    try:
        schedule = compute_schedule(resolution)
    except DomainRejected as exc:
        errors = [r.as_dict() for r in exc.reasons]
        return [dead_letter(raw, source, "domain_rule", str(exc), errors, topics, now)]
    event = DividendScheduled(
        id=deterministic_id("DividendScheduled", resolution.event_id, str(resolution.version)),
        event_id=resolution.event_id,
        version=resolution.version,
        security_key=resolution.security_key,
        due_at=now,
        emitted_at=now,
        schedule=schedule.model_dump(mode="json"),
    )
    return [_emit(topics.schedules, resolution.security_key, event, now)]
