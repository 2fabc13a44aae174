"""Consumer lag of any group, in offsets and seconds, with Burrow's verdicts.

Where each figure comes from (Kafka's own APIs, never faust's read position):

- **committed offset**: OffsetFetch for the group (``AIOKafkaAdminClient.
  list_consumer_group_offsets``), as ``kafka-consumer-groups --describe`` does;
- **end offset**: ListOffsets "latest" with ``read_uncommitted``, i.e. the high watermark,
  again as Kafka's tool does (it calls ``Admin.listOffsets(OffsetSpec.latest())`` with the
  default isolation level);
- **lag** = end offset - committed offset (never negative).

Control records. On a transactional topic every commit or abort writes a marker record
that takes an offset. The end offset counts it, so a ``read_committed`` consumer that has
read everything shows lag 1 (or more: one per transaction since its last commit). We
report lag exactly as Kafka does, so the figures match its tool, and make the time figure
honest instead: **lag seconds** is now minus the timestamp of the next record the group
would read (the first committed data record at or after the committed offset, fetched
with ``read_committed``), and 0 when there is none - only markers, aborted records or a
still-open transaction beyond the committed offset. The verdict rules get the same
treatment: such a partition's current lag counts as 0 for them (caught up), or every idle
reader of a transactional topic would be judged STOP.

Verdicts (Burrow's rules, see ``ops/burrow.py``) are judged over windows of the group's
recent COMMITS, which are read from ``__consumer_offsets`` (``ops/offsets_topic.py``):
committing the same offset again appears there as a new record, which is what makes a
STALL visible. A commit's lag is the log-end offset sampled in the same cycle minus the
committed offset (Burrow: the latest sample before the commit is processed; both are at
most one sampling interval late). Commits older than the tracker (its first read of the
topic's history) have no sample: their lag is estimated from the topic itself, as the
first offset whose record timestamp is at or after the commit time (ListOffsets by
timestamp) - the log end at that moment, give or take producer clock skew.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocol, ConsumerProtocolMemberAssignment
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from corpactions.ops.aiokafka_private import cluster_metadata
from corpactions.ops.burrow import (
    GroupEvaluation,
    Status,
    commit_rate,
    evaluate_group,
    evaluate_partition,
)
from corpactions.ops.offsets_topic import (
    OFFSETS_TOPIC,
    OffsetKey,
    OffsetsRecordError,
    OffsetValue,
    decode_key,
    decode_value,
)
from corpactions.ops.window import CommitWindows

log = logging.getLogger(__name__)

# (partition, offset) -> timestamp (ms) of the next readable record; None = none readable
NextRecords = dict[tuple[TopicPartition, int], int | None]

# The JSON keys `corpactions lag --json` prints, in this order (a contract for scripts).
JSON_FIELDS = (
    "group",
    "topic",
    "partition",
    "committed_offset",
    "end_offset",
    "lag",
    "lag_seconds",
    "status",
    "group_status",
    "consumer_id",
    "host",
    "client_id",
)


@dataclass(frozen=True)
class Member:
    """The group member a partition is assigned to, as DescribeGroups names it (and
    ``kafka-consumer-groups --describe`` prints it: CONSUMER-ID, HOST, CLIENT-ID)."""

    consumer_id: str
    host: str
    client_id: str


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed_offset: int
    end_offset: int
    lag: int
    lag_seconds: float | None  # None: the next record could not be fetched in time
    status: Status
    complete: float
    commit_rate: float
    commits: int
    member: Member | None = None  # None: no member holds it (or members not asked for)


@dataclass(frozen=True)
class AssignedPartition:
    """A partition a member holds that the group never committed an offset for: Kafka's
    tool shows it with CURRENT-OFFSET and LAG "-"; no verdict without commits."""

    topic: str
    partition: int
    end_offset: int
    member: Member


@dataclass(frozen=True)
class GroupLag:
    group: str
    status: Status
    complete: float
    partitions: tuple[PartitionLag, ...]
    uncommitted: tuple[AssignedPartition, ...] = ()

    @property
    def total_lag(self) -> int:
        return sum(p.lag for p in self.partitions)

    @property
    def max_lag(self) -> int:
        return max((p.lag for p in self.partitions), default=0)

    @property
    def max_lag_seconds(self) -> float:
        return max((p.lag_seconds or 0.0 for p in self.partitions), default=0.0)


@dataclass(frozen=True)
class LagReport:
    taken_at: float  # unix seconds
    groups: tuple[GroupLag, ...]
    end_offsets: Mapping[tuple[str, int], int]

    def rows(self) -> list[dict[str, Any]]:
        """One object per (group, partition) with exactly :data:`JSON_FIELDS`, in topic
        and partition order: every partition the group committed to, and every partition
        a member holds without a commit (committed_offset, lag and status null). A group
        with neither (NOTFOUND: a mistyped or vanished group) has one, its partition
        fields null."""
        out: list[dict[str, Any]] = []
        for g in self.groups:
            if not g.partitions and not g.uncommitted:
                out.append(
                    {
                        **dict.fromkeys(JSON_FIELDS),
                        "group": g.group,
                        "status": g.status.name,
                        "group_status": g.status.name,
                    }
                )
            rows: list[tuple[tuple[str, int], dict[str, Any]]] = []
            for p in g.partitions:
                rows.append(
                    (
                        (p.topic, p.partition),
                        {
                            "group": g.group,
                            "topic": p.topic,
                            "partition": p.partition,
                            "committed_offset": p.committed_offset,
                            "end_offset": p.end_offset,
                            "lag": p.lag,
                            "lag_seconds": p.lag_seconds,
                            "status": p.status.name,
                            "group_status": g.status.name,
                            **_member_fields(p.member),
                        },
                    )
                )
            for a in g.uncommitted:
                rows.append(
                    (
                        (a.topic, a.partition),
                        {
                            **dict.fromkeys(JSON_FIELDS),
                            "group": g.group,
                            "topic": a.topic,
                            "partition": a.partition,
                            "end_offset": a.end_offset,
                            "group_status": g.status.name,
                            **_member_fields(a.member),
                        },
                    )
                )
            out.extend(row for _, row in sorted(rows, key=lambda r: r[0]))
        return out


def _member_fields(member: Member | None) -> dict[str, str | None]:
    if member is None:
        return {"consumer_id": None, "host": None, "client_id": None}
    return {"consumer_id": member.consumer_id, "host": member.host, "client_id": member.client_id}


@dataclass(frozen=True)
class _CommitRecord:
    key: OffsetKey
    value: OffsetValue | None  # None: tombstone


class LagTracker:
    """Samples the lag and verdicts of a set of groups (``None`` = every group).

    ``start()`` opens the clients; each ``sample()`` reads new commits, offsets and
    end offsets and returns a :class:`LagReport`; ``stop()`` closes the clients. The
    commit windows persist between samples, so a long-lived tracker (the worker's
    monitor, ``corpactions lag --watch``) judges live commits exactly like Burrow.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        groups: Sequence[str] | None = None,
        *,
        client_options: Mapping[str, Any] | None = None,
        intervals: int = 10,
        min_distance_ms: int = 0,
        clock: Callable[[], float] = time.time,
        fetch_timeout_s: float = 3.0,
        drain_timeout_s: float = 30.0,
        members: bool = False,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.groups = None if groups is None or "*" in groups else tuple(dict.fromkeys(groups))
        self.client_options = dict(client_options or {})
        self.windows = CommitWindows(intervals, min_distance_ms)
        self.clock = clock
        self.fetch_timeout_s = fetch_timeout_s
        self.drain_timeout_s = drain_timeout_s
        self.undecodable_records = 0
        # DescribeGroups too: who holds each partition (`corpactions lag`; the worker's
        # monitor exports no member labels and skips it)
        self.members = members
        self._admin: Any = None
        self._log: Any = None  # reads __consumer_offsets (read_committed)
        self._ends: Any = None  # ListOffsets: latest and by time (read_uncommitted)
        self._reader: Any = None  # fetches the next record's timestamp (read_committed)
        self._log_partitions: list[TopicPartition] = []
        self._history_read = False
        self._ts_cache: dict[tuple[TopicPartition, int], int | None] = {}

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        opts = self.client_options
        common: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "enable_auto_commit": False,
            "client_id": "corpactions-lag",
            **opts,
        }
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, client_id="corpactions-lag", **opts
        )
        self._log = AIOKafkaConsumer(
            **common,
            isolation_level="read_committed",  # aborted TxnOffsetCommits never happened
            exclude_internal_topics=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_wait_ms=100,
        )
        self._ends = AIOKafkaConsumer(**common, isolation_level="read_uncommitted")
        self._reader = AIOKafkaConsumer(
            **common,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=64 * 1024,  # one record is all we want
            fetch_max_bytes=4 * 1024 * 1024,
            fetch_max_wait_ms=20,  # an empty answer (markers only) should come back at once
        )
        try:
            for client in (self._admin, self._log, self._ends, self._reader):
                await client.start()
        except BaseException:
            # every client, started or not: one never stopped warns "Unclosed" when freed
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the clients. A stopped tracker may be started again: it then starts
        over, reading the commit history anew (what it missed meanwhile included)."""
        for client in (self._reader, self._ends, self._log):
            if client is not None:
                await _close(client)
        if self._admin is not None:
            await _close(self._admin)
        self._admin = self._log = self._ends = self._reader = None
        self.windows = CommitWindows(self.windows.intervals, self.windows.min_distance_ms)
        self._log_partitions = []
        self._history_read = False
        self._ts_cache = {}

    async def __aenter__(self) -> LagTracker:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- one sample -------------------------------------------------------------------
    async def sample(self) -> LagReport:
        cluster = await cluster_metadata(self._log)
        history = not self._history_read
        records = await self._drain(cluster)
        self._history_read = True
        groups = await self._group_ids()
        committed = await self._committed_offsets(groups)
        members = await self._members(groups) if self.members else {}
        assigned = {tp for held in members.values() for tp in held}
        ends = await self._end_offsets(cluster, committed, records, assigned)
        self.windows.observe_end_offsets({(tp.topic, tp.partition): e for tp, e in ends.items()})
        if history:
            await self._add_history(records, ends)
        else:
            for r in records:
                self._add(r, None)
        lags = {
            (g, tp): max(0, ends[tp] - off)
            for g, offsets in committed.items()
            for tp, off in offsets.items()
            if tp in ends
        }
        behind = {(tp, committed[g][tp]) for (g, tp), lag in lags.items() if lag > 0}
        next_ts = await self._next_timestamps(behind)
        now = self.clock()
        return LagReport(
            taken_at=now,
            groups=tuple(
                self._group_lag(g, committed[g], ends, lags, next_ts, now, members.get(g, {}))
                for g in groups
            ),
            end_offsets={(tp.topic, tp.partition): e for tp, e in ends.items()},
        )

    async def _committed_offsets(self, groups: list[str]) -> dict[str, dict[TopicPartition, int]]:
        """Each group's committed offsets (partitions it never committed left out)."""
        fetched = await asyncio.gather(*(self._committed(g) for g in groups))
        return {
            g: {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            for g, offsets in zip(groups, fetched, strict=True)
        }

    async def _end_offsets(
        self,
        cluster: Any,
        committed: Mapping[str, Mapping[TopicPartition, int]],
        records: list[_CommitRecord],
        assigned: Collection[TopicPartition] = (),
    ) -> dict[TopicPartition, int]:
        """The log-end offset of every partition committed to, in the new commits or
        assigned to a member, leaving out those of topics deleted since."""
        wanted = {tp for offsets in committed.values() for tp in offsets} | set(assigned)
        wanted |= {TopicPartition(r.key.topic, r.key.partition) for r in records}
        live = [tp for tp in wanted if tp.partition in _partitions(cluster, tp.topic)]
        if not live:
            return {}
        return {tp: int(o) for tp, o in (await self._ends.end_offsets(live)).items()}

    def _group_lag(
        self,
        group: str,
        committed: Mapping[TopicPartition, int],
        ends: Mapping[TopicPartition, int],
        lags: Mapping[tuple[str, TopicPartition], int],
        next_ts: NextRecords,
        now: float,
        members: Mapping[TopicPartition, Member] | None = None,
    ) -> GroupLag:
        """One group's partitions, each judged over its window, and the group's verdict;
        the partitions its members hold without a commit come with no verdict."""
        members = members or {}
        parts: list[PartitionLag] = []
        evals = []
        for tp in sorted(committed):
            if tp not in ends:
                continue  # topic deleted since the group committed
            lag = lags[(group, tp)]
            key = (tp, committed[tp])
            window = self.windows.commits(group, tp.topic, tp.partition)
            ev = evaluate_partition(
                window,
                self.windows.intervals,
                _readable_lag(lag, key, next_ts),
                self.windows.broker_offsets(tp.topic, tp.partition),
                int(now * 1000),
            )
            evals.append(ev)
            parts.append(
                PartitionLag(
                    group=group,
                    topic=tp.topic,
                    partition=tp.partition,
                    committed_offset=committed[tp],
                    end_offset=ends[tp],
                    lag=lag,
                    lag_seconds=_lag_seconds(lag, key, next_ts, now),
                    status=ev.status,
                    complete=ev.complete,
                    commit_rate=commit_rate(window),
                    commits=len(window),
                    member=members.get(tp),
                )
            )
        group_ev = evaluate_group(evals) if parts else GroupEvaluation(Status.NOTFOUND, 0.0, 0, 0)
        uncommitted = tuple(
            AssignedPartition(tp.topic, tp.partition, ends[tp], member)
            for tp, member in sorted(members.items())
            if tp not in committed and tp in ends
        )
        return GroupLag(group, group_ev.status, group_ev.complete, tuple(parts), uncommitted)

    async def _group_ids(self) -> list[str]:
        if self.groups is not None:
            return list(self.groups)
        listed = await self._admin.list_consumer_groups()
        return sorted({str(g[0]) for g in listed})

    async def _committed(self, group: str) -> Any:
        """OffsetFetch, retried while the coordinator is loading or just being created.

        On a fresh cluster ``__consumer_offsets`` is created on first use and
        FindCoordinator answers COORDINATOR_NOT_AVAILABLE meanwhile: a retriable error.
        """
        delay = 0.1
        for _ in range(8):
            try:
                return await self._admin.list_consumer_group_offsets(group)
            except KafkaError as exc:
                if not exc.retriable:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        return await self._admin.list_consumer_group_offsets(group)

    async def _members(self, groups: list[str]) -> dict[str, dict[TopicPartition, Member]]:
        """Group -> partition -> the member holding it (DescribeGroups; the assignment
        decoded as Kafka's consumer protocol, as ``kafka-consumer-groups`` does). A group
        that is empty, rebalancing or of another protocol has no entry."""
        out: dict[str, dict[TopicPartition, Member]] = {}
        for group in groups:
            try:
                responses = await self._admin.describe_consumer_groups([group])
            except KafkaError as exc:
                if not exc.retriable:
                    raise
                continue  # coordinator moving: this sample shows no members
            for response in responses:
                for described in response.groups:
                    error_code, name, _state, protocol_type = described[:4]
                    if error_code or protocol_type != ConsumerProtocol.PROTOCOL_TYPE:
                        continue
                    for member_id, client_id, host, _metadata, assignment in (
                        m[:5] for m in described[5]
                    ):
                        if not assignment:
                            continue
                        try:
                            held = ConsumerProtocolMemberAssignment.decode(assignment)
                        except Exception:  # noqa: S112 (not the consumer protocol's layout)
                            continue
                        who = Member(consumer_id=member_id, host=host, client_id=client_id)
                        for tp in held.partitions():
                            out.setdefault(name, {})[tp] = who
        return out

    def _wants(self, group: str) -> bool:
        return self.groups is None or group in self.groups

    # -- __consumer_offsets -----------------------------------------------------------
    async def _drain(self, cluster: Any) -> list[_CommitRecord]:
        """Every offset commit appended since the last drain (all history the first time)."""
        parts = cluster.partitions_for_topic(OFFSETS_TOPIC)
        if not parts:
            return []  # no group has committed on this cluster yet
        if len(parts) != len(self._log_partitions):
            known = set(self._log_partitions)
            self._log_partitions = [TopicPartition(OFFSETS_TOPIC, p) for p in sorted(parts)]
            self._log.assign(self._log_partitions)
            fresh = [tp for tp in self._log_partitions if tp not in known]
            await self._log.seek_to_beginning(*fresh)
        # read_committed: the last stable offset, so an open TxnOffsetCommit is not waited
        # for. Asked through the idle reader: on the fetching consumer's connection the
        # ListOffsets answer would queue behind its long-poll Fetch (fetch.max.wait).
        targets = await self._reader.end_offsets(self._log_partitions)
        out: list[_CommitRecord] = []
        deadline = time.monotonic() + self.drain_timeout_s
        while True:
            pending = [
                tp for tp in self._log_partitions if await self._log.position(tp) < targets[tp]
            ]
            if not pending:
                break
            if time.monotonic() > deadline:
                log.warning(
                    "__consumer_offsets not read to its end within %.0fs; "
                    "continuing with the commits read so far",
                    self.drain_timeout_s,
                )
                break
            batch = await self._log.getmany(*pending, timeout_ms=500, max_records=100_000)
            for records in batch.values():
                for r in records:
                    rec = self._decode(r.key, r.value)
                    if rec is not None:
                        out.append(rec)
        return out

    def _decode(self, key: bytes | None, value: bytes | None) -> _CommitRecord | None:
        if key is None:
            return None
        try:
            k = decode_key(key)
            if k is None or not self._wants(k.group):
                return None
            return _CommitRecord(k, None if value is None else decode_value(value))
        except OffsetsRecordError as exc:
            # Counted and skipped: one odd record must not blind the lag monitor.
            self.undecodable_records += 1
            log.warning("undecodable __consumer_offsets record skipped: %s", exc)
            return None

    def _add(self, r: _CommitRecord, lag: int | None) -> None:
        k = r.key
        if r.value is None:
            self.windows.delete(k.group, k.topic, k.partition)
        else:
            self.windows.add_commit(
                k.group, k.topic, k.partition, r.value.offset, r.value.commit_timestamp_ms, lag
            )

    async def _add_history(
        self, records: list[_CommitRecord], ends: Mapping[TopicPartition, int]
    ) -> None:
        """Commits from before the tracker started: lag from the log end at commit time."""
        keep: dict[tuple[str, str, int], deque[_CommitRecord]] = {}
        for r in records:
            key = (r.key.group, r.key.topic, r.key.partition)
            if r.value is None:
                keep.pop(key, None)
                self.windows.delete(*key)
                continue
            keep.setdefault(key, deque(maxlen=self.windows.intervals)).append(r)
        wanted = {
            (TopicPartition(r.key.topic, r.key.partition), r.value.commit_timestamp_ms)
            for rs in keep.values()
            for r in rs
            if r.value is not None and TopicPartition(r.key.topic, r.key.partition) in ends
        }
        end_at = await self._ends_at(wanted, ends)
        for rs in keep.values():
            for r in rs:
                assert r.value is not None
                tp = TopicPartition(r.key.topic, r.key.partition)
                end = end_at.get((tp, r.value.commit_timestamp_ms))
                self._add(r, None if end is None else max(0, end - r.value.offset))

    async def _ends_at(
        self, wanted: set[tuple[TopicPartition, int]], ends: Mapping[TopicPartition, int]
    ) -> dict[tuple[TopicPartition, int], int]:
        """Log-end offset of each partition at each time (ListOffsets by timestamp).

        ListOffsets takes one timestamp per partition, so the pairs go in rounds.
        """
        out: dict[tuple[TopicPartition, int], int] = {}
        remaining = sorted(wanted, key=lambda x: (x[0].topic, x[0].partition, x[1]))
        while remaining:
            this_round: dict[TopicPartition, int] = {}
            rest = []
            for tp, ts in remaining:
                if tp in this_round:
                    rest.append((tp, ts))
                else:
                    this_round[tp] = ts
            found = await self._ends.offsets_for_times(this_round)
            for tp, ts in this_round.items():
                hit = found.get(tp)
                # None: no record at or after ts, so the log ended where it ends now
                out[(tp, ts)] = ends[tp] if hit is None else int(hit.offset)
            remaining = rest
        return out

    # -- lag seconds ------------------------------------------------------------------
    async def _next_timestamps(self, wanted: set[tuple[TopicPartition, int]]) -> NextRecords:
        """Timestamp (ms) of the next committed data record at or after each (tp, offset).

        Value None: there is none (only control markers, aborted records or an open
        transaction beyond the offset). A pair missing from the answer could not be read
        within ``fetch_timeout_s``. A partition is read at one offset at a time, so the
        pairs go in rounds (several groups on one partition).
        """
        out: NextRecords = {}
        todo = set()
        for key in wanted:
            cached = self._ts_cache.get(key)
            if cached is not None:
                out[key] = cached
            else:
                todo.add(key)
        rounds: list[dict[TopicPartition, int]] = []
        for tp, off in sorted(todo, key=lambda k: (k[0].topic, k[0].partition, k[1])):
            for r in rounds:
                if tp not in r:
                    r[tp] = off
                    break
            else:
                rounds.append({tp: off})
        for this_round in rounds:
            out.update(await self._read_next(this_round))
        # keep only what is still asked for, so the cache stays as small as the lag set
        self._ts_cache = {k: ts for k, ts in out.items() if ts is not None}
        return out

    async def _read_next(self, offsets: dict[TopicPartition, int]) -> NextRecords:
        reader = self._reader
        out: NextRecords = {}
        stable = await reader.end_offsets(list(offsets))  # read_committed: last stable offset
        todo = {tp: off for tp, off in offsets.items() if off < stable[tp]}
        out.update({(tp, off): None for tp, off in offsets.items() if tp not in todo})
        if not todo:
            return out
        reader.assign(list(todo))
        try:
            for tp, off in todo.items():
                reader.seek(tp, off)
            deadline = time.monotonic() + self.fetch_timeout_s
            while todo and time.monotonic() < deadline:
                batch = await reader.getmany(*todo, timeout_ms=50)
                for tp, records in batch.items():
                    if tp in todo and records:
                        out[(tp, todo.pop(tp))] = int(records[0].timestamp)
                for tp in list(todo):
                    if await reader.position(tp) >= stable[tp]:
                        out[(tp, todo.pop(tp))] = None  # read to the stable end: markers only
        finally:
            reader.unsubscribe()
        return out


def _readable_lag(lag: int, key: tuple[TopicPartition, int], next_ts: NextRecords) -> int:
    """The lag the verdict rules see: 0 when nothing readable lies beyond the commit.

    A caught-up ``read_committed`` consumer of a transactional topic has lag >= 1 (the
    markers); judged on that, an idle but healthy consumer would be STOP (or STALL if it
    re-commits). Its reported lag stays Kafka's figure.
    """
    if lag > 0 and key in next_ts and next_ts[key] is None:
        return 0
    return lag


def _lag_seconds(
    lag: int, key: tuple[TopicPartition, int], next_ts: NextRecords, now: float
) -> float | None:
    if lag == 0:
        return 0.0
    if key not in next_ts:
        return None  # not known this time
    ts = next_ts[key]
    if ts is None:
        return 0.0  # nothing readable beyond the committed offset (see module docstring)
    return max(0.0, round(now - ts / 1000.0, 3))


def _partitions(cluster: Any, topic: str) -> set[int]:
    """The topic's partitions in the metadata; empty when it no longer exists."""
    return set(cluster.partitions_for_topic(topic) or ())


async def _close(client: Any, timeout_s: float = 10.0) -> None:
    """Stop one client; one that does not stop in time is left behind with a warning."""
    stop = getattr(client, "stop", None) or client.close
    try:
        await asyncio.wait_for(stop(), timeout_s)
    except TimeoutError:
        log.warning("%s did not stop within %.0fs", type(client).__name__, timeout_s)
