"""The transactional engine: consume an agent's input, apply the agent, emit exactly once.

It hosts one agent (stream/agent.py): the lifecycle (resolutions in, group ``app_id``)
or the notifier (schedule events in, group ``<app id>-notifier``); a worker running both
runs two engines side by side, each with its own consumer, producers and changelog.

Why not a faust agent: faust-streaming can commit past a message still in flight with
concurrency > 1 (issue #606), has reported duplicates after rebalances, and its
per-message consume path costs many times a plain aiokafka loop (``make bench`` compares
the two). This engine keeps faust as the host (worker lifecycle, signals, web server) and
does the Kafka work itself:

- one consumer in the agent's group with ``read_committed`` and no auto-commit;
- per assigned input partition, a `PartitionProcessor` (stream/partition.py) with one
  transactional producer whose ``transactional.id`` names that partition, so the worker
  that takes a partition over fences the previous owner (init_transactions aborts its
  open transaction): the classic exactly-once pattern for consume-transform-produce
  (KIP-98, one producer per input partition);
- per batch of one partition, ONE transaction holds the output events, the state
  changelog records and the next input offset (a changelog record too): all become
  visible to ``read_committed`` readers together, or none do;
- state and offset are restored from the compacted changelog (``read_committed``) when
  a partition is assigned, after the producer has fenced the previous owner. Keeping
  the offset there, not in the group (``send_offsets_to_transaction``), spares each
  transaction the AddOffsetsToTxn and TxnOffsetCommit round trips, a large share of a
  small transaction's time (``make bench`` prints the latency). The group's offsets
  still follow, committed after the transactions (at most every
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
import gc
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError, ProducerFenced
from aiokafka.structs import TopicPartition

from corpactions.calendar_cache import cache_in
from corpactions.domain import configure_calendars, preload
from corpactions.ops.access import denial, first_denial
from corpactions.ops.acls import worker_acls
from corpactions.settings import Settings
from corpactions.stream.agent import Agent, AgentState, Placement, placement
from corpactions.stream.clients import changelog_reader, group_consumer, transactional_producer
from corpactions.stream.clock import Clock
from corpactions.stream.kafka_tuning import rebalancing, set_concurrent_transactions_backoff
from corpactions.stream.logs import log_dead_letters
from corpactions.stream.members import GroupMembers
from corpactions.stream.partition import (
    Collaborators,
    Committed,
    PartitionProcessor,
)
from corpactions.stream.schema_registry import OutputFrames, SchemaRegistry
from corpactions.stream.stats import EngineStats
from corpactions.stream.topics import provision

log = logging.getLogger(__name__)
T = TypeVar("T")


RETRY_WINDOW_S = 120.0  # how long start-up and partition set-up retry transient errors
GROUP_COMMIT_INTERVAL_S = 1.0  # the group's offsets follow the transactions this closely
GROUP_COMMIT_TIMEOUT_S = 5.0  # best effort: never let a revocation or a stop wait longer
# Leaving the group at stop is best effort too: a consumer stopped while its group is still
# joining (a worker told to exit moments after start, e.g. on a missing ACL, with the other
# agent's group mid-join) could wait on the coordinator; past this the member is left to
# expire with its session, and the process exits.
CONSUMER_STOP_TIMEOUT_S = 10.0
NO_PARTITIONS = "no partitions assigned"  # idle (more workers than partitions), not down


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
            if time.monotonic() + delay > deadline or first_denial(exc) is not None:
                raise
            log.warning("%s failed (%r); retrying in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        await self.engine.revoke(set(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        await self.engine.assign(set(assigned))


def keep_out_of_gc(states: Iterable[AgentState]) -> None:
    """Move what exists now, the partitions' state containers among it, to the cyclic
    GC's permanent generation, which its passes never walk.

    The state's rows are tuples of atomic values that the GC stops tracking, but their
    containers (the actions' and histories' dicts, the timers' heap) stay tracked, and
    each full pass walked every entry: long passes that collected nothing, frequent under
    load with many actions held (seen with a gc callback in the worker), were the
    latency tail (``make bench-timers`` times them). Frozen objects are still freed by
    reference counting when a partition is dropped. No collection runs first: the
    young garbage this may freeze is what one poll left, once per partition taken.
    """
    for state in states:
        state.track_containers()
    gc.freeze()


def _output_frames(settings: Settings) -> Callable[[], Awaitable[Mapping[str, bytes]]] | None:
    """With CORPACTIONS_SCHEMA_REGISTRY_URL: the JSON outputs framed, their schemas
    registered on the first write (stream/schema_registry.py)."""
    if settings.schema_registry_url is None:
        return None
    registry = SchemaRegistry(
        settings.schema_registry_url,
        settings.schema_registry_username,
        settings.schema_registry_password,
    )
    return OutputFrames(registry, settings.topics).prefixes


class Engine:
    """The service's Kafka loop (see module docstring)."""

    def __init__(
        self,
        settings: Settings,
        agent: Agent,
        clock: Clock,
        where: Placement | None = None,
        provision_topics: Callable[[Settings, dict[str, Any]], Awaitable[None]] = provision,
    ) -> None:
        if not settings.bootstrap_servers:
            raise ValueError("settings.bootstrap_servers is required")
        self.settings = settings
        self.agent = agent
        self.clock = clock
        self.placement = where or placement(settings, agent.name)
        self.group_id = self.placement.group_id
        self.provision_topics = provision_topics
        self.stats = EngineStats()
        self.partitions: dict[TopicPartition, PartitionProcessor] = {}
        txn_id = self.placement.transactional_id

        def new_producer(tp: TopicPartition) -> Any:
            return transactional_producer(settings, tp, txn_id(tp.partition))

        self.collaborators = Collaborators(
            agent=agent,
            changelog_topic=self.placement.changelog_topic,
            new_producer=new_producer,
            new_changelog_reader=partial(changelog_reader, settings),
            txn_timeout_s=settings.txn_timeout_s,
            while_committing=self.fetch_ahead,
            on_abort=self.stats.aborted,
            frames=_output_frames(settings),
        )
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
        # partitions being taken over or rebuilt after a failed transaction: not ready
        self._busy: set[TopicPartition] = set()
        self._restoring: dict[TopicPartition, asyncio.Task[None]] = {}  # see assign()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._taken = False  # a partition's state was (re)built: freeze it (keep_out_of_gc)
        # records taken from the consumer while a transaction committed (fetch_ahead), for
        # the next poll, each partition's with the processor that was current then; and
        # the error that taking them raised, for the next poll to raise
        self._fetched_ahead: dict[TopicPartition, tuple[PartitionProcessor, list[Any]]] = {}
        self._fetch_ahead_error: Exception | None = None
        self.consumer: AIOKafkaConsumer | None = None  # see stream/clients.py
        self.on_fatal: Callable[[BaseException], None] | None = None
        self._denial_logged = False  # a missing ACL's line (see _exit_if_denied)

    @property
    def started(self) -> bool:
        """The first assignment is done (possibly with no partition for this worker)."""
        return self.assigned_once.is_set()

    @property
    def ready(self) -> bool:
        """Now: holding partitions, every one restored, none being recovered."""
        return self.not_ready_because() is None

    def not_ready_because(self) -> str | None:
        """Why this worker is not ready now (`/ready/`), or None."""
        if self._stopping:
            return "stopping"
        if not self.started:
            return "starting: no partitions assigned yet"
        if self._busy:
            return f"restoring partitions {sorted(tp.partition for tp in self._busy)}"
        if not self.partitions:
            return NO_PARTITIONS
        return None

    def assigned_count(self) -> int:
        """Input partitions the group gave this worker: held, restoring or recovering."""
        return len(set(self.partitions) | self._busy)

    def overdue_timers(self) -> tuple[int, float]:
        """Dates due now that have not fired, across the held partitions: how many, and
        how long ago the earliest fell due (seconds; 0 when none)."""
        now = self.clock()
        count, oldest = 0, None
        for proc in self.partitions.values():
            n, due = proc.state.overdue(now)
            count += n
            if due is not None and (oldest is None or due < oldest):
                oldest = due
        return count, 0.0 if oldest is None else (now - oldest).total_seconds()

    async def start(self) -> None:
        s = self.settings
        assert s.bootstrap_servers is not None
        # The calendar horizon moves with time: derived from today at every start-up.
        # Trading days from the calendar cache (calendar_cache.py): fourteen markets take
        # tens of seconds to compute at start-up, a few milliseconds to read.
        if self.agent.uses_calendars:  # the lifecycle's; the notifier reads none
            configure_calendars(s.calendar_horizon(self.clock().date()), cache_in(s.calendar_cache))
            preload()  # build the exchange calendars now, not inside the first transaction
        # Everything loaded so far (modules, calendars, schemas) lives as long as the
        # process: out of the cyclic GC's full passes, which otherwise walk all of it each
        # time (the state itself is kept untracked, see stream/state.py).
        gc.collect()
        gc.freeze()
        set_concurrent_transactions_backoff(s.txn_backoff_ms / 1000)
        security = s.security.client_options()

        try:
            # created, or verified (CORPACTIONS_CREATE_TOPICS=false); the input and the
            # changelog must agree in partitions (stream/topics.py)
            await retrying("creating topics", partial(self.provision_topics, s, security))
            self.consumer = group_consumer(s, self.members, self.group_id)
            self.consumer.subscribe([self.placement.input_topic], listener=_Rebalance(self))
            await self.consumer.start()
        except KafkaError as exc:
            self._exit_if_denied(exc)
            raise
        self._task = asyncio.create_task(self._run(), name=f"corpactions-{self.agent.name}")

    async def stop(self) -> None:
        self._stopping = True
        await self._cancel_restores(list(self._restoring))
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
            try:
                await asyncio.wait_for(self.consumer.stop(), CONSUMER_STOP_TIMEOUT_S)
            except (KafkaError, TimeoutError) as exc:
                log.warning("the consumer did not leave its group cleanly (%r)", exc)

    async def revoke(self, revoked: set[TopicPartition]) -> None:
        await self._cancel_restores(revoked)
        async with self._lock:  # wait for the batch in flight to commit or abort
            await self._commit_group(self._uncommitted(revoked))
            for tp in revoked:
                self.progress.pop(tp, None)  # the next owner moves it on
                self._group_offsets.pop(tp, None)
                proc = self.partitions.pop(tp, None)
                if proc is not None:
                    await proc.close()

    async def assign(self, assigned: set[TopicPartition]) -> None:
        """Take the partitions the group gave this worker: paused, each restored by a
        task of its own, then resumed from the offset the changelog holds.

        Nothing slow runs inside this callback. aiokafka runs it before the member's
        heartbeats resume: a restore longer than the session timeout (a million timers
        take about 40 s here) inside it got the member expelled, the group rebalanced,
        and the restore began again, for ever. Paused, a partition fetches nothing
        until its state is in place; the poll loop keeps running meanwhile, so the
        heartbeats and the other partitions' work go on.
        """
        if self.members.generation == self._members_seen:  # the plain roundrobin was used
            self.members.by_url = {}
        self._members_seen = self.members.generation
        assert self.consumer is not None
        taken = sorted(assigned - set(self.partitions) - set(self._restoring))
        if taken:
            self.consumer.pause(*taken)
            self._busy.update(taken)
            for tp in taken:
                self._restoring[tp] = asyncio.create_task(
                    self._restore(tp), name=f"corpactions-restore-{tp.topic}-{tp.partition}"
                )
        self.assigned_once.set()

    async def _restore(self, tp: TopicPartition) -> None:
        """Restore one assigned partition in the background, then hand it to the poll
        loop. Cancelled by its revocation; a failure past the retry window stops the
        worker (its supervisor restarts it), as one in the loop does: a partition left
        unprocessed while the group believes it owned is the one outcome not allowed."""
        try:
            proc = await retrying(f"taking over {tp}", partial(self._take, tp))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._exit_if_denied(exc)  # a missing ACL: one line, exit 2
            log.exception("taking over %s failed; stopping the worker", tp)
            if self.on_fatal is not None:
                self.on_fatal(exc)
            return
        try:
            async with self._lock:
                if self._restoring.get(tp) is not asyncio.current_task() or self._stopping:
                    await proc.close()  # revoked meanwhile
                    return
                self._install(tp, proc)
                del self._restoring[tp]
                self._busy.discard(tp)
                assert self.consumer is not None
                self.consumer.resume(tp)
        except asyncio.CancelledError:
            await proc.close()
            raise

    async def _cancel_restores(self, tps: Iterable[TopicPartition]) -> None:
        tasks = [t for tp in tps if (t := self._restoring.pop(tp, None)) is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._busy.difference_update(tps)

    async def _take(self, tp: TopicPartition) -> PartitionProcessor:
        """Fence the previous owner, restore the state, find the offset to resume from."""
        assert self.consumer is not None
        proc = PartitionProcessor(tp, self.collaborators)
        try:
            self.stats.restored(await proc.open())
            resume = proc.state.next_offset
            if resume is None:  # no transaction recorded one yet: the group's, if any
                resume = await self.consumer.committed(tp)
        except BaseException:
            await proc.close()
            raise
        proc.state.next_offset = resume
        return proc

    def _install(self, tp: TopicPartition, proc: PartitionProcessor) -> None:
        """Make ``proc`` the partition's processor and seek to where its state ends."""
        assert self.consumer is not None
        self._taken = True
        self._group_offsets.pop(tp, None)
        resume = proc.state.next_offset
        if resume is not None:
            self.consumer.seek(tp, resume)
            self.progress[tp] = resume  # the group's offset catches up if it lagged
        self.partitions[tp] = proc

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
        if self.consumer is None or self._fetch_ahead_error is not None:
            return
        if rebalancing(self.consumer):  # getmany would wait for our own revocation
            return
        try:
            batch = await self.consumer.getmany(timeout_ms=0)
        except Exception as exc:  # raised by the loop, where its own poll would have
            self._fetch_ahead_error = exc
            return
        for tp, records in batch.items():
            proc = self.partitions.get(tp)
            if proc is None or not records:
                continue
            held = self._fetched_ahead.get(tp)
            if held is not None and held[0] is proc:
                held[1].extend(records)
            else:
                self._fetched_ahead[tp] = (proc, list(records))

    async def _poll(self, timeout_ms: int) -> dict[TopicPartition, tuple[Any, list[Any]]]:
        """The next records by partition, each with the processor that must handle them
        (None: whichever holds the partition then)."""
        if self._fetch_ahead_error is not None:
            exc, self._fetch_ahead_error = self._fetch_ahead_error, None
            raise exc
        if self._fetched_ahead:
            fetched, self._fetched_ahead = self._fetched_ahead, {}
            return dict(fetched)
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
            self._exit_if_denied(exc)
            log.exception("the %s engine failed; stopping the worker", self.agent.name)
            if self.on_fatal is not None:
                self.on_fatal(exc)
            raise

    def _exit_if_denied(self, exc: BaseException) -> None:
        """A missing ACL: one line naming it, and the process ends with status 2 (a grant
        to fix, as a refused login is), with no traceback. SystemExit leaves the event
        loop at once (asyncio re-raises it out of any task, aiokafka's rebalance
        callback's included); faust's worker then stops its services as on a signal."""
        refused = first_denial(exc)
        if refused is None:
            return
        if not self._denial_logged:  # raised again where the failed callback is noticed
            self._denial_logged = True
            s = self.settings
            line = denial(refused, worker_acls(s.topics, s.app_id))
            log.error("%s; stopping the worker", line)
        raise SystemExit(2) from None

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

    async def _guarded(self, proc: PartitionProcessor, work: Awaitable[Committed | None]) -> None:
        """Run one transaction and count what it committed; on a Kafka error, rewind the
        partition and retry later.

        The aborted transaction left nothing visible, so the partition's state is
        restored from the changelog and its position reset to the offset stored there.
        A fenced producer means another worker owns the partition now: drop it.
        """
        try:
            committed = await work
            if committed is not None:
                self.stats.committed(committed)
                log_dead_letters(committed.outcomes)
                if committed.next_offset is not None:
                    self.progress[proc.tp] = committed.next_offset
        except ProducerFenced:
            log.warning(
                "producer for %s fenced: partition moved to another worker",
                proc.tp,
                extra={"topic": proc.tp.topic, "partition": proc.tp.partition},
            )
            self.partitions.pop(proc.tp, None)
            await proc.close()
        except KafkaError as exc:
            if first_denial(exc) is not None:  # retrying cannot help: the loop stops
                raise
            log.warning(
                "transaction on %s failed (%r); rewinding the partition",
                proc.tp,
                exc,
                extra={"topic": proc.tp.topic, "partition": proc.tp.partition},
            )
            assert self.consumer is not None
            self._busy.add(proc.tp)
            try:
                await asyncio.sleep(0.5)
                await proc.close()
                fresh = await retrying(f"taking over {proc.tp}", partial(self._take, proc.tp))
                self._install(proc.tp, fresh)
                if fresh.state.next_offset is None:
                    await self.consumer.seek_to_beginning(proc.tp)
            finally:
                self._busy.discard(proc.tp)
