"""The transactional engine: consume resolutions, apply the lifecycle, emit exactly once.

Why not a faust agent: faust-streaming can commit past a message still in flight with
concurrency > 1 (issue #606), has reported duplicates after rebalances, and its
per-message consume path costs ~30x a plain aiokafka loop. This engine keeps faust as
the host (worker lifecycle, signals, web server) and does the Kafka work itself:

- one consumer in group ``app_id`` with ``read_committed`` and no auto-commit;
- per assigned input partition, one transactional producer whose ``transactional.id``
  names that partition, so the worker that takes a partition over fences the previous
  owner (init_transactions aborts its open transaction): the classic exactly-once
  pattern for consume-transform-produce (KIP-98, one producer per input partition);
- per batch of one partition, ONE transaction holds the output events, the state
  changelog records and the next input offset (a changelog record too): all become
  visible to ``read_committed`` readers together, or none do;
- state and offset are restored from the compacted changelog (``read_committed``) when
  a partition is assigned, after the producer has fenced the previous owner. Keeping
  the offset there, not in the group (``send_offsets_to_transaction``), spares each
  transaction the AddOffsetsToTxn and TxnOffsetCommit round trips: one transaction
  went from 4.5 to 1.7 ms (p50) and from 8-17 to 5-6 ms (p99) on the local broker.
  The group's offsets still follow, committed after the transactions (at most every
  GROUP_COMMIT_INTERVAL_S), for lag monitoring and for tools; they never decide where
  processing resumes, unless the changelog holds no offset yet;
- timers: each partition's due-time heap is checked after every poll; firing costs the
  number of due dates, in a transaction of its own (or with the batch that made it due);
- latency: while a transaction commits, the records fetched meanwhile are taken from the
  consumer (`Engine.fetch_ahead`) so that it fetches more during the commit's round
  trips, and the partitions' state lives in the GC's permanent generation
  (`keep_out_of_gc`), out of reach of its full passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import KafkaError, KafkaTimeoutError, ProducerFenced
from aiokafka.partitioner import murmur2
from aiokafka.structs import TopicPartition

from corpactions.domain import preload
from corpactions.settings import Settings
from corpactions.stream.clock import Clock
from corpactions.stream.kafka_tuning import set_concurrent_transactions_backoff
from corpactions.stream.lifecycle import Lifecycle, Outcome, Source
from corpactions.stream.members import GroupMembers, MembersAssignor
from corpactions.stream.state import PartitionState
from corpactions.stream.topics import ensure_topics

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class EngineStats:
    """Counters the ops layer exposes (processed, dead-lettered, stale, duplicates...)."""

    verdicts: Counter[str] = field(default_factory=Counter)
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    emitted: Counter[str] = field(default_factory=Counter)
    transactions: int = 0
    aborted_transactions: int = 0
    restored_records: int = 0
    last_restore_s: float = 0.0

    def count(self, outcome: Outcome) -> None:
        if outcome.verdict is not None:
            self.verdicts[outcome.verdict.value] += 1
        if outcome.reason is not None:
            self.dead_letter_reasons[outcome.reason] += 1
        for out in outcome.outputs:
            self.emitted[out.event_type] += 1


def changelog_topic(settings: Settings) -> str:
    return f"{settings.topics.prefix}{settings.app_id}.state-changelog.v2"


RETRY_WINDOW_S = 120.0  # how long start-up and partition set-up retry transient errors
GROUP_COMMIT_INTERVAL_S = 1.0  # the group's offsets follow the transactions this closely
GROUP_COMMIT_TIMEOUT_S = 5.0  # best effort: never let a revocation or a stop wait longer
# Aborting a transaction or stopping a producer that is being given up: its successor's
# init_transactions fences it and aborts what it left open, so waiting longer buys nothing.
CLEANUP_TIMEOUT_S = 5.0


def partition_for(key: bytes, partitions: list[int]) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (murmur2, as the Java
    client and aiokafka's ``send``): consumers of a security's events rely on it."""
    hashed: int = murmur2(key)  # aiokafka ships no types
    return partitions[(hashed & 0x7FFFFFFF) % len(partitions)]


async def bounded(what: str, step: Awaitable[T], timeout_s: float) -> T:
    """``step``, or `KafkaTimeoutError` after ``timeout_s``.

    aiokafka can wait for ever on a transaction: with a broker killed and restarted while
    a worker was starting, a commit never completed and the worker held its partitions
    for five minutes without processing (the broker-loss fault scenario, lost=60000; a
    stale transaction coordinator, as in aiokafka#1145, is the likely cause). Bounded,
    the step fails as a Kafka error does: the partition's producer is replaced, and its
    successor's init_transactions fences it and completes or aborts what it left open.
    """
    try:
        return await asyncio.wait_for(step, timeout_s)
    except TimeoutError:
        raise KafkaTimeoutError(f"{what} took over {timeout_s:g}s") from None


async def retrying(what: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run ``attempt`` until it succeeds, retrying Kafka errors (a broker down, a leader
    moving) with backoff for up to RETRY_WINDOW_S; then the error propagates and the
    worker stops, for its supervisor to restart."""
    deadline = time.monotonic() + RETRY_WINDOW_S
    delay = 0.2
    while True:
        try:
            return await attempt()
        except KafkaError as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("%s failed (%r); retrying in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


class PartitionProcessor:
    """One input partition: its transactional producer, its state, its timers."""

    def __init__(
        self,
        engine: Engine,
        tp: TopicPartition,
    ) -> None:
        self.engine = engine
        self.tp = tp
        self.changelog = TopicPartition(changelog_topic(engine.settings), tp.partition)
        self.state = PartitionState()
        s = engine.settings
        self.timeout_s = s.txn_timeout_s
        self.producer = AIOKafkaProducer(
            bootstrap_servers=s.bootstrap_servers,
            **s.security.client_options(),
            client_id=f"{s.app_id}-{tp.partition}",
            transactional_id=f"{s.app_id}-{tp.topic}-{tp.partition}",
            enable_idempotence=True,
            acks="all",
            linger_ms=s.producer_linger_ms,
            max_batch_size=1024 * 1024,
            max_request_size=4 * 1024 * 1024,
            request_timeout_ms=30_000,
            # aiokafka also uses this as the wait after a transactional request is refused
            # (e.g. AddOffsetsToTxn while the last commit's markers are written): its 100 ms
            # default showed up as 100 ms stalls per transaction on a healthy broker.
            retry_backoff_ms=10,
        )

    async def open(self) -> None:
        # Fence the previous owner first: its open transaction is aborted, so the
        # changelog's last stable offset is final when we restore from it.
        await bounded("starting the producer", self.producer.start(), self.timeout_s)
        await self.restore()

    async def close(self) -> None:
        with contextlib.suppress(KafkaError):
            await bounded("stopping the producer", self.producer.stop(), CLEANUP_TIMEOUT_S)

    async def restore(self) -> None:
        t0 = time.monotonic()
        self.state = PartitionState()
        s = self.engine.settings
        reader = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers,
            **s.security.client_options(),
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=8 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )
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
        finally:
            await reader.stop()
        self.state.rebuild_timers()
        self.engine.stats.restored_records += n
        self.engine.stats.last_restore_s = time.monotonic() - t0
        log.info("restored %s: %d records in %.2fs", self.tp, n, time.monotonic() - t0)

    async def process(self, records: Iterable[Any], now: dt.datetime) -> None:
        """One transaction: every record's outputs and state, due timers, the offset."""
        lifecycle = self.engine.lifecycle
        tp, state = self.tp, self.state
        outcomes: list[Outcome] = []
        last: int | None = None
        for r in records:
            if state.next_offset is not None and r.offset < state.next_offset:
                continue  # fetched before a reset; already handled
            source = Source(tp.topic, tp.partition, r.offset, r.timestamp, r.key, r.headers)
            outcomes.append(lifecycle.on_resolution(state, r.value or b"", source, now))
            last = r.offset
        outcomes.append(lifecycle.on_tick(state, now))
        if last is not None:
            outcomes.append(Outcome(None, changes=(state.put_next_offset(last + 1),)))
        await self._commit(outcomes)
        if last is not None:
            self.engine.progress[tp] = last + 1

    async def tick(self, now: dt.datetime) -> None:
        due = self.state.next_due()
        if due is None or due > now:
            return
        await self._commit([self.engine.lifecycle.on_tick(self.state, now)])

    async def _commit(self, outcomes: list[Outcome]) -> None:
        """Write ``outcomes`` in one transaction.

        Everything is computed before the transaction opens, so it stays open only for
        the Kafka round trips. Records go in as whole batches, one per topic-partition,
        partitioned by key exactly as the producer's default partitioner would (murmur2):
        ``send`` costs ~30 us a record in aiokafka, appending to a batch a few.
        """
        producer = self.producer
        batches = await self._batches(outcomes)
        await bounded("beginning", producer.begin_transaction(), self.timeout_s)
        try:
            for (topic, partition), builders in batches.items():
                for builder in builders:
                    await producer.send_batch(builder, topic, partition=partition)
            await self.engine.fetch_ahead()  # while the commit's round trips run
            await bounded("committing", producer.commit_transaction(), self.timeout_s)
        except BaseException:
            await self._abort()
            raise
        stats = self.engine.stats
        stats.transactions += 1
        for outcome in outcomes:
            stats.count(outcome)

    async def _batches(self, outcomes: list[Outcome]) -> dict[tuple[str, int], list[Any]]:
        producer = self.producer
        partitions: dict[str, list[int]] = {}
        batches: dict[tuple[str, int], list[Any]] = {}

        def append(topic: str, partition: int, key: bytes, value: bytes, headers: Any) -> None:
            builders = batches.setdefault((topic, partition), [])
            if builders and builders[-1].append(
                timestamp=None, key=key, value=value, headers=headers
            ):
                return
            builder = producer.create_batch()
            builders.append(builder)
            if builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
                raise ValueError(f"a {len(value)}-byte record does not fit in a batch")

        # A state key written several times in one transaction (an action scheduled and
        # its past dates fired at once, or a security's history) goes out once, with its
        # last value: the transaction is atomic, so no restore could see the others.
        latest: dict[bytes, bytes] = {}
        for outcome in outcomes:
            for out in outcome.outputs:
                topic = out.topic
                if topic not in partitions:
                    partitions[topic] = sorted(await producer.partitions_for(topic))
                partition = partition_for(out.key, partitions[topic])
                append(topic, partition, out.key, out.value, list(out.headers))
            latest.update(outcome.changes)
        changelog, own = self.changelog.topic, self.changelog.partition
        for key, value in latest.items():
            append(changelog, own, key, value, [])
        for builders in batches.values():
            for builder in builders:
                builder.close()
        return batches

    async def _abort(self) -> None:
        self.engine.stats.aborted_transactions += 1
        with contextlib.suppress(KafkaError, AssertionError):
            await bounded("aborting", self.producer.abort_transaction(), CLEANUP_TIMEOUT_S)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self.engine.revoke(set(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        await self.engine.assign(set(assigned))


def keep_out_of_gc(states: Iterable[PartitionState]) -> None:
    """Move what exists now, the partitions' state containers among it, to the cyclic
    GC's permanent generation, which its passes never walk.

    The state's rows are tuples of atomic values that the GC stops tracking, but their
    containers (the actions' and histories' dicts, the timers' heap) stay tracked, and
    each full pass walked every entry: passes of 16-68 ms that collected nothing, every
    second or two at 500 resolutions/s with 100,000 actions held (measured with a gc
    callback in the worker), the latency tail. Frozen objects are still freed by
    reference counting when a partition is dropped. No collection runs first: the
    young garbage this may freeze is what one poll left, once per partition taken.
    """
    for state in states:
        state.track_containers()
    gc.freeze()


class Engine:
    """The service's Kafka loop (see module docstring)."""

    def __init__(self, settings: Settings, lifecycle: Lifecycle, clock: Clock) -> None:
        if not settings.bootstrap_servers:
            raise ValueError("settings.bootstrap_servers is required")
        self.settings = settings
        self.lifecycle = lifecycle
        self.clock = clock
        self.group_id = settings.app_id
        self.stats = EngineStats()
        self.partitions: dict[TopicPartition, PartitionProcessor] = {}
        # the group's members and what each holds, for queries (see stream/members.py)
        self.members = GroupMembers(settings.advertised_url)
        self._members_seen = 0
        # next input offset per partition, as committed by the transactions / as last
        # committed to the group (which only follows, see the module docstring)
        self.progress: dict[TopicPartition, int] = {}
        self._group_offsets: dict[TopicPartition, int] = {}
        self._group_commit: asyncio.Task[None] | None = None
        self._group_committed_at = 0.0
        self.assigned_once = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._taken = False  # a partition's state was (re)built: freeze it (keep_out_of_gc)
        # records taken from the consumer while a transaction committed (fetch_ahead), for
        # the next poll, each partition's with the processor that was current then
        self._early: dict[TopicPartition, tuple[PartitionProcessor, list[Any]]] = {}
        self._early_error: Exception | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.on_fatal: Callable[[BaseException], None] | None = None

    @property
    def ready(self) -> bool:
        """Partitions assigned and their state restored."""
        return self.assigned_once.is_set()

    async def start(self) -> None:
        s = self.settings
        assert s.bootstrap_servers is not None
        preload()  # build the exchange calendars now, not inside the first transaction
        # Everything loaded so far (modules, calendars, schemas: ~85,000 objects) lives as
        # long as the process: out of the cyclic GC's full passes, which took ~25 ms each
        # walking it (the state itself is kept untracked, see stream/state.py).
        gc.collect()
        gc.freeze()
        set_concurrent_transactions_backoff(s.txn_backoff_ms / 1000)
        security = s.security.client_options()
        bootstrap = s.bootstrap_servers

        async def create_topics() -> None:
            await ensure_topics(
                bootstrap,
                (s.topics.resolutions, *s.topics.outputs()),
                s.partitions,
                s.replication_factor,
                client_options=security,
            )
            await ensure_topics(
                bootstrap,
                [changelog_topic(s)],
                s.partitions,
                s.replication_factor,
                configs={"cleanup.policy": "compact"},
                client_options=security,
            )

        await retrying("creating topics", create_topics)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=s.bootstrap_servers,
            **s.security.client_options(),
            group_id=self.group_id,
            client_id=f"{s.app_id}-consumer",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=s.batch_size,
            session_timeout_ms=int(s.session_timeout_s * 1000),
            heartbeat_interval_ms=int(s.heartbeat_interval_s * 1000),
            rebalance_timeout_ms=int(s.rebalance_timeout_s * 1000),
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_bytes=32 * 1024 * 1024,
            partition_assignment_strategy=(
                MembersAssignor(self.members),
                RoundRobinPartitionAssignor,  # shared with versions that lack the map
            ),
        )
        self.consumer.subscribe([s.topics.resolutions], listener=_Rebalance(self))
        await self.consumer.start()
        self._task = asyncio.create_task(self._run(), name="corpactions-engine")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._group_commit is not None:
            with contextlib.suppress(Exception):
                await self._group_commit
        async with self._lock:
            await self._commit_group(self._uncommitted(self.partitions))
            for proc in self.partitions.values():
                await proc.close()
            self.partitions.clear()
        if self.consumer is not None:
            await self.consumer.stop()

    async def revoke(self, revoked: set[TopicPartition]) -> None:
        async with self._lock:  # wait for the batch in flight to commit or abort
            await self._commit_group(self._uncommitted(revoked))
            for tp in revoked:
                self.progress.pop(tp, None)  # the next owner moves it on
                self._group_offsets.pop(tp, None)
                proc = self.partitions.pop(tp, None)
                if proc is not None:
                    await proc.close()

    async def assign(self, assigned: set[TopicPartition]) -> None:
        if self.members.generation == self._members_seen:  # the plain roundrobin was used
            self.members.by_url = {}
        self._members_seen = self.members.generation
        async with self._lock:
            assert self.consumer is not None
            for tp in sorted(assigned - set(self.partitions)):
                self.partitions[tp] = await retrying(f"taking over {tp}", partial(self._take, tp))
            self.assigned_once.set()

    async def _take(self, tp: TopicPartition) -> PartitionProcessor:
        """Fence the previous owner, restore the state and offset, seek there."""
        assert self.consumer is not None
        proc = PartitionProcessor(self, tp)
        try:
            await proc.open()
            resume = proc.state.next_offset
            if resume is None:  # no transaction recorded one yet: the group's, if any
                resume = await self.consumer.committed(tp)
        except BaseException:
            await proc.close()
            raise
        proc.state.next_offset = resume
        self._taken = True
        self._group_offsets.pop(tp, None)
        if resume is not None:
            self.consumer.seek(tp, resume)
            self.progress[tp] = resume  # the group's offset catches up if it lagged
        return proc

    async def fetch_ahead(self) -> None:
        """Take what the consumer has fetched, while a transaction commits, for the next
        poll.

        aiokafka fetches a partition again only once its buffered records are taken. So
        records arriving during a commit used to wait for the next poll to be fetched,
        and then for that poll's transaction: up to two commits of waiting. Taken here,
        the fetcher asks for more during the commit's round trips. They are processed
        only by the processor that was current when they were taken: a partition
        rebuilt since (a failed transaction, a rebalance) was seeked back to its stored
        offset, and fetches them again.
        """
        if self.consumer is None or self._early_error is not None:
            return
        try:
            batch = await self.consumer.getmany(timeout_ms=0)
        except Exception as exc:  # raised by the loop, where its own poll would have
            self._early_error = exc
            return
        for tp, records in batch.items():
            proc = self.partitions.get(tp)
            if proc is None or not records:
                continue
            held = self._early.get(tp)
            if held is not None and held[0] is proc:
                held[1].extend(records)
            else:
                self._early[tp] = (proc, list(records))

    async def _poll(self, timeout_ms: int) -> dict[TopicPartition, tuple[Any, list[Any]]]:
        """The next records by partition, each with the processor that must handle them
        (None: whichever holds the partition then)."""
        if self._early_error is not None:
            exc, self._early_error = self._early_error, None
            raise exc
        if self._early:
            early, self._early = self._early, {}
            return dict(early)
        assert self.consumer is not None
        batch = await self.consumer.getmany(timeout_ms=timeout_ms)
        return {tp: (None, records) for tp, records in batch.items()}

    async def _run(self) -> None:
        assert self.consumer is not None
        tick_ms = int(self.settings.tick_interval_s * 1000)
        try:
            while not self._stopping:
                batch = await self._poll(tick_ms)
                async with self._lock:
                    now = self.clock()
                    for tp, (owner, records) in batch.items():
                        proc = self.partitions.get(tp)
                        if proc is not None and records and owner in (None, proc):
                            await self._guarded(proc, proc.process(records, now))
                    for tp, proc in list(self.partitions.items()):
                        if tp not in batch:
                            await self._guarded(proc, proc.tick(now))
                    self._follow_with_group()
                    if self._taken:  # here, not in aiokafka's rebalance callback
                        self._taken = False
                        keep_out_of_gc(proc.state for proc in self.partitions.values())
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a failure with no safe policy: stop the worker
            log.exception("engine failed; stopping the worker")
            if self.on_fatal is not None:
                self.on_fatal(exc)
            raise

    def _uncommitted(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        progress, group = self.progress, self._group_offsets
        return {tp: progress[tp] for tp in tps if tp in progress and group.get(tp) != progress[tp]}

    def _follow_with_group(self) -> None:
        """Commit the group's offsets to where the transactions got, in the background,
        at most every GROUP_COMMIT_INTERVAL_S (lag monitoring reads them)."""
        if self._group_commit is not None and not self._group_commit.done():
            return
        if time.monotonic() - self._group_committed_at < GROUP_COMMIT_INTERVAL_S:
            return
        offsets = self._uncommitted(self.partitions)
        if offsets:
            self._group_committed_at = time.monotonic()
            self._group_commit = asyncio.create_task(self._commit_group(offsets))

    async def _commit_group(self, offsets: dict[TopicPartition, int]) -> None:
        if not offsets or self.consumer is None:
            return
        try:
            await asyncio.wait_for(self.consumer.commit(offsets), GROUP_COMMIT_TIMEOUT_S)
        except (KafkaError, TimeoutError) as exc:  # e.g. a rebalance: the changelog has it
            log.info("group offsets not committed (%r); processing is unaffected", exc)
            return
        self._group_offsets.update(offsets)

    async def _guarded(self, proc: PartitionProcessor, work: Any) -> None:
        """Run one transaction; on a Kafka error, rewind the partition and retry later.

        The aborted transaction left nothing visible, so the partition's state is
        restored from the changelog and its position reset to the offset stored there.
        A fenced producer means another worker owns the partition now: drop it.
        """
        try:
            await work
        except ProducerFenced:
            log.warning("producer for %s fenced: partition moved to another worker", proc.tp)
            self.partitions.pop(proc.tp, None)
            await proc.close()
        except KafkaError as exc:
            log.warning("transaction on %s failed (%r); rewinding the partition", proc.tp, exc)
            assert self.consumer is not None
            await asyncio.sleep(0.5)
            await proc.close()
            fresh = await retrying(f"taking over {proc.tp}", partial(self._take, proc.tp))
            if fresh.state.next_offset is None:
                await self.consumer.seek_to_beginning(proc.tp)
            self.partitions[proc.tp] = fresh
