"""Records taken from the consumer while a transaction commits (`Engine.fetch_ahead`).

The consumer here is a stand-in that hands out given batches: what is tested is the
engine's bookkeeping of records taken early, not Kafka (the integration and fault suites
run the same code on a real broker, through rewinds and rebalances).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from corpactions.settings import Settings
from corpactions.stream.clock import system_clock
from corpactions.stream.engine import Engine
from corpactions.stream.lifecycle import Lifecycle

TP0, TP1 = TopicPartition("in", 0), TopicPartition("in", 1)


class Consumer:
    """Hands out the queued batches, one per getmany, then nothing."""

    def __init__(self, *batches: dict[TopicPartition, list[int]] | Exception) -> None:
        self.batches = list(batches)
        self.calls: list[int] = []
        # what `kafka_tuning.rebalancing` reads (aiokafka's SubscriptionState)
        self._subscription = SimpleNamespace(reassignment_in_progress=False)

    async def getmany(self, timeout_ms: int = 0) -> dict[TopicPartition, list[int]]:
        self.calls.append(timeout_ms)
        if not self.batches:
            return {}
        batch = self.batches.pop(0)
        if isinstance(batch, Exception):
            raise batch
        return batch


def engine(consumer: Consumer, *tps: TopicPartition) -> Engine:
    settings = Settings(bootstrap_servers="127.0.0.1:1")
    e = Engine(settings, Lifecycle(settings.topics), system_clock)
    e.consumer = consumer  # type: ignore[assignment]
    e.partitions = {tp: object() for tp in tps}  # type: ignore[misc]
    return e


async def test_records_taken_during_a_commit_come_first_with_their_processor() -> None:
    consumer = Consumer({TP0: [5, 6]}, {TP0: [7], TP1: [1]}, {TP0: [8]})
    e = engine(consumer, TP0, TP1)
    owner0, owner1 = e.partitions[TP0], e.partitions[TP1]
    await e.fetch_ahead()
    await e.fetch_ahead()  # a second commit in the same poll (another partition's tick)
    assert consumer.calls == [0, 0]  # never waits: the commit is what it overlaps
    assert await e._poll(500) == {TP0: (owner0, [5, 6, 7]), TP1: (owner1, [1])}
    assert await e._poll(500) == {TP0: (None, [8])}  # then the consumer, as before
    assert consumer.calls == [0, 0, 500]


async def test_records_taken_for_a_processor_since_replaced_are_not_its_successors() -> None:
    consumer = Consumer({TP0: [5, 6]}, {TP0: [9]})
    e = engine(consumer, TP0)
    await e.fetch_ahead()
    rebuilt = object()  # a failed transaction rewound the partition: seeked back to 5
    e.partitions[TP0] = rebuilt  # type: ignore[assignment]
    await e.fetch_ahead()  # what the consumer fetched after the seek replaces them
    assert await e._poll(500) == {TP0: (rebuilt, [9])}


async def test_the_loop_skips_records_whose_processor_is_gone() -> None:
    consumer = Consumer({TP0: [5, 6]})
    e = engine(consumer, TP0)
    await e.fetch_ahead()
    e.partitions[TP0] = object()  # type: ignore[assignment]  # re-taken in a rebalance
    ((tp, (owner, records)),) = (await e._poll(500)).items()
    assert owner is not e.partitions[tp]  # `_run` processes only owner None or current
    assert records == [5, 6]


async def test_records_of_partitions_not_held_are_not_kept() -> None:
    e = engine(Consumer({TP1: [3]}), TP0)
    await e.fetch_ahead()
    assert e._fetched_ahead == {}


async def test_an_error_polling_early_is_raised_by_the_next_poll() -> None:
    consumer = Consumer(KafkaError("coordinator gone"), {TP0: [1]})
    e = engine(consumer, TP0)
    await e.fetch_ahead()  # inside a transaction: must not abort it
    await e.fetch_ahead()  # and no further early polls until the loop has raised it
    assert consumer.calls == [0]
    with pytest.raises(KafkaError, match="coordinator gone"):
        await e._poll(500)
    assert await e._poll(500) == {TP0: (None, [1])}


async def test_nothing_is_taken_early_while_the_group_rebalances() -> None:
    """aiokafka's getmany waits for the new assignment, which waits for our revocation,
    which waits for the transaction calling fetch_ahead: it must not call getmany then."""
    consumer = Consumer({TP0: [5, 6]})
    e = engine(consumer, TP0)
    consumer._subscription.reassignment_in_progress = True
    await e.fetch_ahead()
    assert consumer.calls == []
    assert e._fetched_ahead == {}
    consumer._subscription.reassignment_in_progress = False
    await e.fetch_ahead()
    assert consumer.calls == [0]
