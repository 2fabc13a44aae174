"""A transaction step aiokafka never completes fails as a Kafka error (`bounded`).

In the broker-loss fault scenario a commit once never completed: the worker held its
partitions without processing until the run gave up (lost=60000). A Kafka error is what
the engine recovers from (abort, new producer, state restored from the changelog).
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from aiokafka.errors import KafkaError, KafkaTimeoutError
from aiokafka.structs import TopicPartition

from corpactions.settings import Settings
from corpactions.stream.clock import system_clock
from corpactions.stream.engine import Engine
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.partition import PartitionProcessor, bounded


class StuckProducer:
    """Begins; its commit never completes (the transaction coordinator never answers)."""

    def __init__(self) -> None:
        self.aborted = False

    async def begin_transaction(self) -> None:
        return None

    async def commit_transaction(self) -> None:
        await asyncio.Event().wait()

    async def abort_transaction(self) -> None:
        self.aborted = True

    async def stop(self) -> None:
        return None


async def test_a_step_over_its_time_is_a_kafka_timeout() -> None:
    assert await bounded("quick", asyncio.sleep(0, "done"), 1.0) == "done"
    with pytest.raises(KafkaTimeoutError, match=r"stuck took over 0\.05s") as caught:
        await bounded("stuck", asyncio.Event().wait(), 0.05)
    assert isinstance(caught.value, KafkaError)  # what `retrying` and `_guarded` handle


async def test_a_commit_that_never_completes_aborts_and_raises() -> None:
    # below the variable's 1 s minimum on purpose: built without its checks
    settings = Settings.model_construct(bootstrap_servers="127.0.0.1:1", txn_timeout_s=0.2)
    engine = Engine(settings, Lifecycle(settings.topics), system_clock)
    stuck = StuckProducer()  # in place of the engine's transactional producer
    given = dataclasses.replace(engine.collaborators, new_producer=lambda tp: stuck)
    proc = PartitionProcessor(TopicPartition("in", 0), given)
    with pytest.raises(KafkaTimeoutError, match=r"committing took over 0\.2s"):
        await asyncio.wait_for(proc._commit([]), 5)
    assert stuck.aborted
    assert engine.stats.aborted_transactions == 1
    assert engine.stats.transactions == 0
