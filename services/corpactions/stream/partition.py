"""One input partition: its transactional producer, its state and timers, its transactions.

A `PartitionProcessor` is given what it works with (`Collaborators`: the agent it runs
(stream/agent.py: the lifecycle or the notifier), the agent's changelog topic, client
factories, the transaction timeout, what to do while a commit
runs, whom to tell of an abort) and reports what it did: `open` returns what it
restored, `process` and `tick` what they committed. The engine owns the consumer and
the partitions, and adds the reports up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiokafka.errors import KafkaError, KafkaTimeoutError
from aiokafka.partitioner import murmur2
from aiokafka.structs import TopicPartition

from corpactions.stream.agent import Agent, AgentState, Outcome
from corpactions.stream.intake import Source

log = logging.getLogger(__name__)
T = TypeVar("T")

# Aborting a transaction or stopping a producer that is being given up: its successor's
# init_transactions fences it and aborts what it left open, so waiting longer buys nothing.
CLEANUP_TIMEOUT_S = 5.0


# aiokafka's murmur2 is pure Python (tens of microseconds a key on a busy host), and every
# resolution's events and document share one key, the security's: its hash is kept. A
# security key is a few dozen bytes, so 65,536 of them are a few MB.
_murmur2: Callable[[bytes], int] = functools.lru_cache(maxsize=1 << 16)(murmur2)


def partition_for(key: bytes, partitions: list[int]) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (murmur2, as the Java
    client and aiokafka's ``send``): consumers of a security's events rely on it."""
    hashed: int = _murmur2(key)
    return partitions[(hashed & 0x7FFFFFFF) % len(partitions)]


async def bounded(what: str, step: Awaitable[T], timeout_s: float) -> T:
    """``step``, or `KafkaTimeoutError` after ``timeout_s``.

    aiokafka can wait for ever on a transaction: with a broker killed and restarted while
    a worker was starting, a commit never completed and the worker held its partitions
    without processing (the broker-loss fault scenario; a stale transaction coordinator,
    as in aiokafka#1145, is the likely cause). Bounded, the step fails as a Kafka error
    does: the partition's producer is replaced, and its successor's init_transactions
    fences it and completes or aborts what it left open.
    """
    try:
        return await asyncio.wait_for(step, timeout_s)
    except TimeoutError:
        raise KafkaTimeoutError(f"{what} took over {timeout_s:g}s") from None


@dataclass(frozen=True)
class Collaborators:
    """What every partition processor of an engine works with."""

    agent: Agent
    changelog_topic: str
    # the partition's transactional producer, and a reader of the changelog (aiokafka
    # clients, see stream/clients.py)
    new_producer: Callable[[TopicPartition], Any]
    new_changelog_reader: Callable[[], Any]
    # the longest a producer start, begin or commit may take (see `bounded`)
    txn_timeout_s: float
    # awaited while a commit's round trips run (the engine's fetch-ahead)
    while_committing: Callable[[], Awaitable[None]]
    # told of every aborted transaction (the abort's error propagates: nothing returns)
    on_abort: Callable[[], None]
    # with a Schema Registry: each framed output topic's frame (stream/schema_registry.py)
    frames: Callable[[], Awaitable[Mapping[str, bytes]]] | None = None


@dataclass(frozen=True, slots=True)
class Committed:
    """What one transaction made visible: the outcomes it wrote and, when it consumed
    input, the next input offset (stored in the changelog with them)."""

    outcomes: tuple[Outcome, ...]
    next_offset: int | None = None


@dataclass(frozen=True, slots=True)
class Restored:
    """What taking a partition over read back from its changelog."""

    records: int
    seconds: float


class PartitionProcessor:
    """One input partition: its transactional producer, its state, its timers."""

    def __init__(self, tp: TopicPartition, given: Collaborators) -> None:
        self.tp = tp
        self.given = given
        self.changelog = TopicPartition(given.changelog_topic, tp.partition)
        self.state: AgentState = given.agent.new_state()
        self.producer = given.new_producer(tp)

    async def open(self) -> Restored:
        """Fence the previous owner first: its open transaction is aborted, so the
        changelog's last stable offset is final when the state is restored from it."""
        await bounded("starting the producer", self.producer.start(), self.given.txn_timeout_s)
        return await self.restore()

    async def close(self) -> None:
        """Stop the producer, and let the state go now: the state was frozen out of the
        cyclic GC's reach (engine.keep_out_of_gc), so were anything left holding this
        processor in a reference cycle (a task's traceback, a callback), the partition's
        whole state would stay in memory for as long as the process runs."""
        self.state = self.given.agent.new_state()
        with contextlib.suppress(KafkaError):
            await bounded("stopping the producer", self.producer.stop(), CLEANUP_TIMEOUT_S)

    async def restore(self) -> Restored:
        t0 = time.monotonic()
        self.state = self.given.agent.new_state()
        reader = self.given.new_changelog_reader()
        await reader.start()
        n = 0
        try:
            reader.assign([self.changelog])
            await reader.seek_to_beginning(self.changelog)
            end = (await reader.end_offsets([self.changelog]))[self.changelog]
            while await reader.position(self.changelog) < end:
                batch = await reader.getmany(self.changelog, timeout_ms=500, max_records=10_000)
                for records in batch.values():
                    for r in records:
                        if r.key is not None:
                            self.state.apply_changelog(r.key, r.value)
                            n += 1
                await asyncio.sleep(0)  # a long restore must not starve the heartbeats
        finally:
            await reader.stop()
        self.given.agent.restored(self.state)
        seconds = time.monotonic() - t0
        log.info("restored %s: %d records in %.2fs", self.tp, n, seconds)
        return Restored(n, seconds)

    async def process(self, records: Iterable[Any], now: dt.datetime) -> Committed:
        """One transaction: every record's outputs and state, due timers, the offset."""
        agent = self.given.agent
        tp, state = self.tp, self.state
        outcomes: list[Outcome] = []
        last: int | None = None
        prepare = getattr(agent, "prepare", None)  # e.g. schema ids to learn first
        if prepare is not None:
            records = list(records)
            await prepare(records)
        for r in records:
            if state.next_offset is not None and r.offset < state.next_offset:
                continue  # fetched before a reset; already handled
            source = Source(tp.topic, tp.partition, r.offset, r.timestamp, r.key, r.headers)
            outcomes.append(agent.on_record(state, r.value or b"", source, now))
            last = r.offset
        outcomes.append(agent.on_tick(state, now))
        if last is not None:
            outcomes.append(Outcome(None, changes=(state.put_next_offset(last + 1),)))
        await self._commit(outcomes)
        return Committed(tuple(outcomes), None if last is None else last + 1)

    async def tick(self, now: dt.datetime) -> Committed | None:
        """Fire the dates due at ``now``, in a transaction of their own; None if none is."""
        due = self.state.next_due()
        if due is None or due > now:
            return None
        outcomes = [self.given.agent.on_tick(self.state, now)]
        await self._commit(outcomes)
        return Committed(tuple(outcomes))

    async def _commit(self, outcomes: list[Outcome]) -> None:
        """Write ``outcomes`` in one transaction.

        Everything is computed before the transaction opens, so it stays open only for
        the Kafka round trips. Records go in as whole batches, one per topic-partition,
        partitioned by key exactly as the producer's default partitioner would (murmur2):
        aiokafka's ``send`` costs far more a record than appending to a batch.
        """
        producer, timeout_s = self.producer, self.given.txn_timeout_s
        batches = await self._batches(outcomes)
        await bounded("beginning", producer.begin_transaction(), timeout_s)
        try:
            for (topic, partition), builders in batches.items():
                for builder in builders:
                    await producer.send_batch(builder, topic, partition=partition)
            await self.given.while_committing()  # while the commit's round trips run
            await bounded("committing", producer.commit_transaction(), timeout_s)
        except BaseException:
            await self._abort()
            raise

    async def _batches(self, outcomes: list[Outcome]) -> dict[tuple[str, int], list[Any]]:
        producer = self.producer
        partitions: dict[str, list[int]] = {}
        batches: dict[tuple[str, int], list[Any]] = {}

        def append(
            topic: str, partition: int, key: bytes, value: bytes | None, headers: Any
        ) -> None:
            builders = batches.setdefault((topic, partition), [])
            if builders and builders[-1].append(
                timestamp=None, key=key, value=value, headers=headers
            ):
                return
            builder = producer.create_batch()
            builders.append(builder)
            if builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
                raise ValueError(f"a {len(value or b'')}-byte record does not fit in a batch")

        # A state key written several times in one transaction (an action scheduled and
        # its past dates fired at once, or a security's history) goes out once, with its
        # last value: the transaction is atomic, so no restore could see the others.
        latest: dict[bytes, bytes | None] = {}
        frames = {} if self.given.frames is None else await self.given.frames()
        for outcome in outcomes:
            for out in outcome.outputs:
                topic = out.topic
                if topic not in partitions:
                    partitions[topic] = sorted(await producer.partitions_for(topic))
                partition = partition_for(out.key, partitions[topic])
                if frames and topic in frames:  # a Schema Registry's frame first
                    out = replace(out, value=frames[topic] + out.value)
                append(topic, partition, out.key, out.value, list(out.headers))
            for key, value in outcome.changes:  # a key written again moves to the end:
                latest.pop(key, None)  # a restore applies them in the order they changed
                latest[key] = value
        changelog, own = self.changelog.topic, self.changelog.partition
        for key, value in latest.items():
            append(changelog, own, key, value, [])
        for builders in batches.values():
            for builder in builders:
                builder.close()
        return batches

    async def _abort(self) -> None:
        self.given.on_abort()
        with contextlib.suppress(KafkaError, AssertionError):
            await bounded("aborting", self.producer.abort_transaction(), CLEANUP_TIMEOUT_S)
