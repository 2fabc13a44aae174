"""Partitions are restored outside aiokafka's rebalance callback (`Engine.assign`).

aiokafka resumes a member's heartbeats only when `on_partitions_assigned` returns, so a
restore inside it that outlasts the session timeout got the member expelled and the
restore started again, for ever (a million timers: about 40 s here). The callback now
pauses what it was given and returns; a task per partition restores it and hands it to
the poll loop. The consumer and the restore here are stand-ins: what is tested is the
engine's bookkeeping (the fault suite and `make bench-timers` run it on a real broker).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from corpactions.settings import Settings
from corpactions.stream.clock import system_clock
from corpactions.stream.engine import Engine
from corpactions.stream.lifecycle import Lifecycle

TP0, TP1 = TopicPartition("in", 0), TopicPartition("in", 1)


class Consumer:
    def __init__(self) -> None:
        self.paused: set[TopicPartition] = set()
        self.seeks: dict[TopicPartition, int] = {}

    def pause(self, *tps: TopicPartition) -> None:
        self.paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused.difference_update(tps)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks[tp] = offset


class Proc:
    def __init__(self, tp: TopicPartition, next_offset: int) -> None:
        self.tp = tp
        self.state = SimpleNamespace(next_offset=next_offset)
        self.closed = False

    async def close(self) -> None:
        self.closed = True


def engine(consumer: Consumer) -> tuple[Engine, dict[TopicPartition, asyncio.Event], list[Proc]]:
    settings = Settings(bootstrap_servers="127.0.0.1:1")
    e = Engine(settings, Lifecycle(settings.topics), system_clock)
    e.consumer = consumer  # type: ignore[assignment]
    gates = {TP0: asyncio.Event(), TP1: asyncio.Event()}
    made: list[Proc] = []

    async def take(tp: TopicPartition) -> Any:  # a restore that lasts until its gate opens
        proc = Proc(tp, 40 + tp.partition)
        made.append(proc)
        try:
            await gates[tp].wait()
        except BaseException:
            await proc.close()
            raise
        return proc

    e._take = take  # type: ignore[method-assign]
    return e, gates, made


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_callback_returns_before_the_restore_ends_the_partition_waits_paused() -> None:
    consumer = Consumer()
    e, gates, _ = engine(consumer)
    await asyncio.wait_for(e.assign({TP0, TP1}), 1)  # returns with both restores pending
    assert e.started
    assert not e.ready
    assert consumer.paused == {TP0, TP1}
    assert e.not_ready_because() == "restoring partitions [0, 1]"
    assert e.assigned_count() == 2

    gates[TP1].set()
    await settle()
    assert set(e.partitions) == {TP1}  # each partition goes on as soon as it is restored
    assert consumer.paused == {TP0}
    assert consumer.seeks == {TP1: 41}
    assert e.progress[TP1] == 41
    assert not e.ready

    gates[TP0].set()
    await settle()
    assert set(e.partitions) == {TP0, TP1}
    assert consumer.paused == set()
    assert consumer.seeks == {TP0: 40, TP1: 41}
    assert e.ready


async def test_a_partition_revoked_while_restored_is_dropped_and_its_producer_closed() -> None:
    consumer = Consumer()
    e, gates, made = engine(consumer)
    await e.assign({TP0, TP1})
    await settle()
    await e.revoke({TP0})
    assert [p.closed for p in made if p.tp == TP0] == [True]
    assert e.assigned_count() == 1  # TP1 still restoring; TP0 neither held nor busy
    gates[TP0].set()
    gates[TP1].set()
    await settle()
    assert set(e.partitions) == {TP1}
    assert TP0 not in consumer.seeks


async def test_a_restore_that_keeps_failing_stops_the_worker() -> None:
    consumer = Consumer()
    e, _, _ = engine(consumer)
    failures: list[BaseException] = []
    e.on_fatal = failures.append

    async def take(tp: TopicPartition) -> Any:
        raise KafkaError("changelog unreadable")

    e._take = take  # type: ignore[method-assign]
    import corpactions.stream.engine as engine_module

    window, engine_module.RETRY_WINDOW_S = engine_module.RETRY_WINDOW_S, 0.0
    try:
        await e.assign({TP0})
        await settle()
    finally:
        engine_module.RETRY_WINDOW_S = window
    assert len(failures) == 1
    assert isinstance(failures[0], KafkaError)
    assert TP0 not in e.partitions
