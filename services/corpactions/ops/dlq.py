"""Dead letters: reading them back, and replaying them once they can be processed.

A dead letter holds the rejected record whole: value, key, headers and where it came
from (see ``DeadLetter``). ``read_letters`` reads every letter of the DLQ topic;
``replay`` produces chosen ones back to the topic they came from, with their key and
headers and a header ``corpactions-replayed-from`` naming the letter, once the publisher
or the service has been fixed; with ``rekey`` it keys each by its security instead (for
``wrong_key`` letters). `corpactions dlq` (``commands/dlq.py``) is the command.

Replaying is safe to repeat: the service ignores a ``message_id`` it has already
processed, and what is still invalid is dead-lettered again. A letter whose payload
was truncated (an oversized record) cannot be replayed and is skipped, as is, with
``rekey``, one that is not a resolution at all, and one whose resolution was processed
(``iso20022_restriction``: only its ISO 20022 notification was replaced by the letter;
sent back, its ``message_id`` would change nothing: publish a corrected version).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import re
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import DeadLetter, DeadLetterCode
from corpactions.ops.aiokafka_private import partitions_of
from corpactions.stream.schema_registry import unframe

REPLAYED_FROM = "corpactions-replayed-from"
_IDLE_POLLS = 3  # empty polls of 1 s that end a read short of the end offsets
_IN_FLIGHT = 1000  # replayed records sent before waiting for their acknowledgements


@dataclass(frozen=True)
class StoredLetter:
    """A dead letter and where it is stored in the DLQ topic (what a replay names)."""

    partition: int
    offset: int
    dead_letter: DeadLetter

    @property
    def reason(self) -> str:
        return self.dead_letter.reason.code

    def summary(self) -> dict[str, Any]:
        x = self.dead_letter
        return {
            "partition": self.partition,
            "offset": self.offset,
            "reason": x.reason.code,
            "message": x.reason.message,
            "source": f"{x.source_topic}/{x.source_partition}/{x.source_offset}",
            "rejected_at": x.rejected_at.isoformat(),
        }


class Progress(Protocol):
    """Told how far a read has got: ``total`` records in range, then each position."""

    def started(self, total: int) -> None: ...

    def advanced(self, done: int) -> None: ...


@dataclass(frozen=True)
class Range:
    """Which part of the DLQ topic to read: one partition or all, DLQ offsets
    ``[from_offset, to_offset)`` in each."""

    partition: int | None = None
    from_offset: int | None = None
    to_offset: int | None = None


async def read_letters(
    bootstrap: str,
    topic: str,
    client_options: Mapping[str, Any],
    unreadable: Counter[str],
    where: Range = Range(),
    progress: Progress | None = None,
) -> AsyncGenerator[StoredLetter, None]:
    """Every committed letter in ``topic`` (within ``where``) up to its end offsets at
    the start, one at a time (a DLQ may be large: nothing is held); records that are not
    letters are counted in ``unreadable``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **client_options,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    try:
        await consumer.start()
        parts = sorted(await partitions_of(consumer, topic))
        if where.partition is not None:
            parts = [p for p in parts if p == where.partition]
        tps = [TopicPartition(topic, p) for p in parts]
        if not tps:
            return
        consumer.assign(tps)
        first = await consumer.beginning_offsets(tps)
        last = await consumer.end_offsets(tps)
        start = {tp: max(first[tp], where.from_offset or 0) for tp in tps}
        end = {
            tp: last[tp] if where.to_offset is None else min(last[tp], where.to_offset)
            for tp in tps
        }
        tps = [tp for tp in tps if start[tp] < end[tp]]
        if progress is not None:
            progress.started(sum(end[tp] - start[tp] for tp in tps))
        if not tps:
            return
        for tp in tps:
            consumer.seek(tp, start[tp])
        idle = 0
        while idle < _IDLE_POLLS:
            positions = {tp: min(await consumer.position(tp), end[tp]) for tp in tps}
            if progress is not None:
                progress.advanced(sum(positions[tp] - start[tp] for tp in tps))
            done = [tp for tp in tps if positions[tp] >= end[tp]]
            if len(done) == len(tps):
                break
            consumer.pause(*done)  # read no further than the range
            batch = await consumer.getmany(timeout_ms=1000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                for r in records:
                    if r.offset >= end[tp]:
                        continue  # past the range (or arrived after the start)
                    try:
                        dead_letter = DeadLetter.model_validate_json(unframe(r.value or b"")[1])
                    except ValidationError:
                        unreadable["not a dead letter"] += 1
                        continue
                    yield StoredLetter(tp.partition, r.offset, dead_letter)
    finally:
        await consumer.stop()


_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_when(raw: str, now: dt.datetime) -> int | dt.datetime:
    """A ``--since``/``--until`` bound: a DLQ offset (a whole number), a duration ago
    (``90m``, ``6h``, ``2d``, ``1w``) or an ISO 8601 time or date (UTC unless it says).
    Raises ValueError with what was expected."""
    text = raw.strip()
    if text.isdigit():
        return int(text)
    m = _DURATION.fullmatch(text)
    if m:
        return now - dt.timedelta(seconds=int(m.group(1)) * _UNIT_S[m.group(2)])
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{raw!r} is neither an offset, a duration (90m, 6h, 2d) nor an ISO time"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Selection:
    """Which letters a command takes: by reason code (none given: every reason) and by
    when they were dead-lettered, ``[since, until)``."""

    reasons: frozenset[str] = frozenset()
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def matches(self, letter: StoredLetter) -> bool:
        if self.reasons and letter.reason not in self.reasons:
            return False
        at = letter.dead_letter.rejected_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        if self.since is not None and at < self.since:
            return False
        return self.until is None or at < self.until


def _b64(data: str | None) -> bytes | None:
    return None if data is None else base64.b64decode(data)


@dataclass
class ReplayResult:
    replayed: Counter[str]  # by reason
    skipped: Counter[str]  # by why: truncated, not_a_resolution


@dataclass(frozen=True)
class _Record:
    topic: str
    value: bytes
    key: bytes | None
    headers: list[tuple[str, bytes | None]]


async def replay(
    bootstrap: str,
    letters: AsyncIterator[StoredLetter],
    dlq_topic: str,
    client_options: Mapping[str, Any],
    rekey: bool = False,
    dry_run: bool = False,
) -> ReplayResult:
    """Produce each letter's record back to its source topic (nothing when ``dry_run``)."""
    result = ReplayResult(Counter(), Counter())
    producer = None
    if not dry_run:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, **client_options, acks="all", enable_idempotence=True
        )
    try:
        if producer is not None:
            await producer.start()
        sent = []
        async for item in letters:
            record = _replayed(item, dlq_topic, rekey)
            if isinstance(record, str):
                result.skipped[record] += 1
                continue
            if producer is not None:
                sent.append(
                    await producer.send(
                        record.topic, record.value, key=record.key, headers=record.headers
                    )
                )
                if len(sent) >= _IN_FLIGHT:  # bounded: wait for these before reading on
                    await asyncio.gather(*sent)
                    sent.clear()
            result.replayed[item.reason] += 1
        await asyncio.gather(*sent)
    finally:
        if producer is not None:
            await producer.stop()  # flushes what is still in flight
    return result


def _replayed(item: StoredLetter, dlq_topic: str, rekey: bool) -> _Record | str:
    """The record to send again, or why the letter is skipped (a ``ReplayResult`` key)."""
    x = item.dead_letter
    if x.payload_truncated:
        return "truncated"
    if x.reason.code == DeadLetterCode.ISO20022_RESTRICTION:
        return "already_processed"
    value = base64.b64decode(x.payload_base64)
    key = _b64(x.source_key_base64)
    if rekey:
        try:
            key = BoardResolution.model_validate_json(unframe(value)[1]).security_key.encode()
        except ValidationError:
            return "not_a_resolution"
    headers = [(h.name, _b64(h.value_base64)) for h in x.source_headers]
    headers.append((REPLAYED_FROM, f"{dlq_topic}/{item.partition}/{item.offset}".encode()))
    return _Record(x.source_topic, value, key, headers)
