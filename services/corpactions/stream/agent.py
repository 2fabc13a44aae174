"""What the engine hosts: an agent, a pure processor of one input topic's records.

The engine (stream/engine.py, stream/partition.py) owns every Kafka client: the group
consumer, one transactional producer per input partition, the changelog reader. An agent
owns none and imports no Kafka client. Given one record (its bytes and where it came
from) and the time, it returns an `Outcome`: the records to write and the state changes
that make it durable; given the time alone (`on_tick`), what its timers fire. The engine
writes each batch's outcomes, their state changes and the next input offset in one
transaction, and restores an agent's state from its changelog on taking a partition.

Two agents run on it: the lifecycle (resolutions -> schedule and date events,
stream/lifecycle.py) and the notifier (schedule events -> ISO 20022 documents,
stream/notifier.py).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from corpactions.contracts.events import (
    DeadLetter,
    DeadLetterCode,
    DeadLetterReason,
    SourceHeader,
    deterministic_id,
)
from corpactions.contracts.headers import cloudevent_headers
from corpactions.settings import Settings
from corpactions.stream.intake import DLQ_KEEP_BYTES, Rejection, Source, Verdict


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One record to write: partitioned by ``key`` as Kafka's default partitioner does."""

    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    event_type: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one record (or one tick) did: a verdict to count, what to write, the state
    records (key, value) that make it durable."""

    verdict: StrEnum | None
    outputs: tuple[Outgoing, ...] = ()
    changes: tuple[tuple[bytes, bytes | None], ...] = ()  # None: a tombstone
    reason: DeadLetterCode | None = None  # why it was dead-lettered


class AgentState(Protocol):
    """An agent's state of one input partition, as the engine handles it: restored from
    the changelog record by record, and holding where processing resumes."""

    next_offset: int | None

    def apply_changelog(self, key: bytes, value: bytes | None) -> None: ...

    def put_next_offset(self, offset: int) -> tuple[bytes, bytes]: ...

    def next_due(self) -> dt.datetime | None:
        """The earliest timer (None: no timer pending)."""
        ...

    def overdue(self, now: dt.datetime) -> tuple[int, dt.datetime | None]: ...

    @property
    def timer_backlog(self) -> int: ...

    def track_containers(self) -> None:
        """Make its containers GC-tracked now, so that `gc.freeze()` takes them."""
        ...


class Agent(Protocol):
    """A processor the engine hosts (see the module docstring)."""

    # how metrics, logs and `/ready` name it: "lifecycle", "notifier"
    name: str
    # whether it reads the exchange calendars (the engine loads them at start-up)
    uses_calendars: bool

    def new_state(self) -> AgentState: ...

    # ``state`` is what the agent's `new_state` made (typed by each agent as its own)
    def restored(self, state: Any) -> None:
        """Called once a partition's changelog is read: derive what is not stored (the
        lifecycle's timers, with the due times placed by today's settings)."""
        ...

    def on_record(self, state: Any, raw: bytes, source: Source, now: dt.datetime) -> Outcome: ...

    def on_tick(self, state: Any, now: dt.datetime) -> Outcome: ...


@dataclass(frozen=True)
class Placement:
    """Where an agent lives in Kafka: what it reads, its consumer group, its changelog,
    and the ``transactional.id`` of the producer of each input partition (`placement`)."""

    input_topic: str
    group_id: str
    changelog_topic: str
    transactional_id: Callable[[int], str]


def notifier_group(settings: Settings) -> str:
    """The notifier's consumer group (and the stem of its changelog and transactional ids)."""
    return f"{settings.app_id}-notifier"


def placement(settings: Settings, agent: str) -> Placement:
    """Where agent ``agent`` ("lifecycle" or "notifier") lives. The lifecycle's names are
    the ones every release used (group = app id); the notifier's derive from its group."""
    t = settings.topics
    if agent == "lifecycle":
        group, source = settings.app_id, t.resolutions
    elif agent == "notifier":
        group, source = notifier_group(settings), t.schedules
    else:
        raise ValueError(f"no agent {agent!r}: lifecycle or notifier")
    return Placement(
        input_topic=source,
        group_id=group,
        changelog_topic=t.changelog(group),
        transactional_id=lambda partition: f"{group}-{source}-{partition}",
    )


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


# W3C Trace Context (https://www.w3.org/TR/trace-context/): the input's trace comes back
# on every record its processing writes (docs/integrations.md)
TRACE_HEADERS = frozenset({"traceparent", "tracestate"})


def with_trace(outcome: Outcome, source: Source) -> Outcome:
    """``outcome`` with the input record's ``traceparent`` and ``tracestate`` headers on
    each of its outputs (events, documents, dead letters); unchanged when it has none."""
    if not outcome.outputs or not source.headers:
        return outcome
    trace = tuple(
        (name, bytes(value))
        for name, value in source.headers
        if name in TRACE_HEADERS and value is not None
    )
    if not trace:
        return outcome
    outputs = tuple(
        o
        if any(name in TRACE_HEADERS for name, _ in o.headers)
        else replace(o, headers=o.headers + trace)
        for o in outcome.outputs
    )
    return replace(outcome, outputs=outputs)


def dead_letter(
    topic: str,
    raw: bytes,
    source: Source,
    rejection: Rejection,
    now: dt.datetime,
    kind: str = "dlq",
) -> Outcome:
    """The record kept whole on the dead-letter ``topic``, with why it was rejected
    (``kind`` tells its id from another letter's about the same record)."""
    truncated = len(raw) > DLQ_KEEP_BYTES
    reason = DeadLetterReason(
        code=rejection.code,
        message=rejection.message[:1000],
        errors=list(rejection.errors)[:50],
    )
    letter = DeadLetter(
        id=deterministic_id(kind, source.topic, str(source.partition), str(source.offset)),
        reason=reason,
        source_topic=source.topic,
        source_partition=source.partition,
        source_offset=source.offset,
        source_timestamp_ms=source.timestamp_ms,
        source_key_base64=_b64(source.key),
        source_headers=[SourceHeader(name=n, value_base64=_b64(v)) for n, v in source.headers],
        payload_base64=base64.b64encode(raw[:DLQ_KEEP_BYTES]).decode(),
        payload_truncated=truncated,
        rejected_at=now,
    )
    out = Outgoing(
        topic=topic,
        key=f"{source.topic}:{source.partition}".encode(),
        value=letter.model_dump_json().encode(),
        headers=cloudevent_headers(letter.id, letter.type, now),
        event_type=letter.type,
    )
    return Outcome(Verdict.DEAD_LETTER, (out,), reason=rejection.code)
