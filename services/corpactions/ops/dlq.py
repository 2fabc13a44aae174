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
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import DeadLetter, DeadLetterCode
from corpactions.ops.aiokafka_private import partitions_of

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


async def read_letters(
    bootstrap: str, topic: str, client_options: Mapping[str, Any], unreadable: Counter[str]
) -> AsyncIterator[StoredLetter]:
    """Every committed letter in ``topic`` up to its end offsets at the start, one at a
    time (a DLQ may be large: nothing is held); records that are not letters are counted
    in ``unreadable``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **client_options,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(await partitions_of(consumer, topic))]
        if not tps:
            return
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        idle = 0
        while idle < _IDLE_POLLS:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= end[tp] for pos, tp in zip(positions, tps, strict=True)):
                break
            batch = await consumer.getmany(timeout_ms=1000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                for r in records:
                    if r.offset >= end[tp]:
                        continue  # arrived after the start: not this run's
                    try:
                        dead_letter = DeadLetter.model_validate_json(r.value)
                    except ValidationError:
                        unreadable["not a dead letter"] += 1
                        continue
                    yield StoredLetter(tp.partition, r.offset, dead_letter)
    finally:
        await consumer.stop()


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
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, **client_options, acks="all", enable_idempotence=True
    )
    if not dry_run:
        await producer.start()
    try:
        sent = []
        async for item in letters:
            record = _replayed(item, dlq_topic, rekey)
            if isinstance(record, str):
                result.skipped[record] += 1
                continue
            if not dry_run:
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
        if not dry_run:
            await producer.stop()
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
            key = BoardResolution.model_validate_json(value).security_key.encode()
        except ValidationError:
            return "not_a_resolution"
    headers = [(h.name, _b64(h.value_base64)) for h in x.source_headers]
    headers.append((REPLAYED_FROM, f"{dlq_topic}/{item.partition}/{item.offset}".encode()))
    return _Record(x.source_topic, value, key, headers)
