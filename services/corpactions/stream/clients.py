"""The aiokafka clients the engine works with, configured from the settings.

One group consumer reads the resolutions (``read_committed``, no auto-commit: progress
is committed by the transactions); one transactional producer per input partition
writes that partition's outputs, state and offset; a short-lived reader restores a
partition's state from the changelog.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.structs import TopicPartition

from corpactions.settings import Settings
from corpactions.stream.members import GroupMembers, MembersAssignor


def group_consumer(settings: Settings, members: GroupMembers, group_id: str | None = None) -> Any:
    """The consumer of an agent's input, in its group (``app_id``: the lifecycle's; returns
    `AIOKafkaConsumer`, aiokafka ships no types)."""
    s = settings
    group = group_id or s.app_id
    return AIOKafkaConsumer(
        bootstrap_servers=s.bootstrap_servers,
        **s.security.client_options(),
        group_id=group,
        client_id=f"{group}-consumer",
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
            MembersAssignor(members),
            RoundRobinPartitionAssignor,  # shared with versions that lack the map
        ),
    )


def transactional_producer(
    settings: Settings, tp: TopicPartition, transactional_id: str | None = None
) -> Any:
    """The producer of input partition ``tp``: its ``transactional.id`` names the
    partition (and the agent: the lifecycle's is ``<app id>-<input topic>-<partition>``),
    so the worker that takes it over fences the previous owner."""
    s = settings
    txn_id = transactional_id or f"{s.app_id}-{tp.topic}-{tp.partition}"
    return AIOKafkaProducer(
        bootstrap_servers=s.bootstrap_servers,
        **s.security.client_options(),
        client_id=f"{txn_id}-producer" if transactional_id else f"{s.app_id}-{tp.partition}",
        transactional_id=txn_id,
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


def changelog_reader(settings: Settings) -> Any:
    """A consumer that reads a changelog partition from the start, committed data only."""
    s = settings
    return AIOKafkaConsumer(
        bootstrap_servers=s.bootstrap_servers,
        **s.security.client_options(),
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
    )
