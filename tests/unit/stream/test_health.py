"""Health that means now: overdue timers counted without firing them, and readiness
that follows the partitions a worker holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from aiokafka.structs import TopicPartition

from corpactions.settings import Settings
from corpactions.stream.engine import Engine
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier
from corpactions.stream.state import Action, PartitionState
from corpactions.stream.web import not_ready_because

T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _action(event_id: str, record: dt.datetime, payment: dt.datetime) -> Action:
    return Action(event_id, "JP0000000001", 1, "NEWM", ("m",), None, record, payment)


def test_overdue_counts_due_unfired_dates_and_the_earliest_without_popping() -> None:
    state = PartitionState()
    state.put_action(_action("A", T0, T0 + 10 * HOUR))  # record due, payment future
    state.put_action(_action("B", T0 + HOUR, T0 + 2 * HOUR))  # both due at T0 + 3h
    fired = replace(_action("C", T0, T0 + 48 * HOUR), record_fired=T0)  # fired already
    state.put_action(fired)
    moved = _action("D", T0 - HOUR, T0 + 48 * HOUR)
    state.put_action(moved)
    state.put_action(replace(moved, record_due=T0 + 24 * HOUR))  # moved: stale entry stays
    state.put_action(replace(_action("E", T0, T0), function="CANC"))  # cancelled: none
    backlog = state.timer_backlog

    assert state.overdue(T0 - 2 * HOUR) == (0, None)
    assert state.overdue(T0 + 3 * HOUR) == (3, T0)  # A record, B record + payment
    assert state.timer_backlog == backlog  # nothing popped
    assert len(state.pop_due(T0 + 3 * HOUR)) == 3  # the same dates pop_due fires


def test_overdue_walks_only_what_is_due() -> None:
    state = PartitionState()
    for i in range(10_000):
        state.put_action(_action(f"F{i}", T0 + (i + 1) * HOUR, T0 + (i + 2) * HOUR))
    state.put_action(_action("due", T0 - HOUR, T0 + HOUR))
    assert state.overdue(T0) == (1, T0 - HOUR)


def _engine() -> Engine:
    settings = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "unused:9092"})
    return Engine(settings, Lifecycle(settings.topics), lambda: T0)


async def test_ready_follows_the_partitions_held_now() -> None:
    engine = _engine()
    assert engine.not_ready_because() == "starting: no partitions assigned yet"
    engine.assigned_once.set()
    assert engine.not_ready_because() == "no partitions assigned"
    tp = TopicPartition("in", 2)
    engine._busy.add(tp)
    assert engine.not_ready_because() == "restoring partitions [2]"
    assert not engine.ready
    engine._busy.clear()
    engine.partitions[tp] = object()  # type: ignore[assignment]
    assert engine.ready
    engine.partitions.clear()  # revoked, or its producer fenced
    assert not engine.ready
    assert engine.started  # the queries' view: it has joined the group


async def test_overdue_timers_sum_over_held_partitions() -> None:
    engine = _engine()

    class Held:
        def __init__(self, state: PartitionState) -> None:
            self.state = state

    a, b = PartitionState(), PartitionState()
    a.put_action(_action("A", T0 - HOUR, T0 + HOUR))
    b.put_action(_action("B", T0 - 2 * HOUR, T0 - HOUR))
    engine.partitions = {TopicPartition("in", 0): Held(a), TopicPartition("in", 1): Held(b)}  # type: ignore[dict-item]
    assert engine.overdue_timers() == (3, 7200.0)


async def test_with_two_agents_an_idle_one_is_fine_a_restoring_one_is_not() -> None:
    settings = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "unused:9092"})
    life = Engine(settings, Lifecycle(settings.topics), lambda: T0)
    notifier = Engine(settings, Notifier(settings.topics), lambda: T0)
    both = [life, notifier]
    assert not_ready_because(both) == "starting: no partitions assigned yet"
    life.assigned_once.set()
    notifier.assigned_once.set()
    assert not_ready_because(both) == "no partitions assigned"  # neither holds any
    notifier.partitions[TopicPartition("schedules", 0)] = object()  # type: ignore[assignment]
    assert not_ready_because(both) is None  # the lifecycle is idle, the notifier busy
    notifier._busy.add(TopicPartition("schedules", 1))
    assert not_ready_because(both) == "notifier: restoring partitions [1]"
    assert not_ready_because([life]) == "no partitions assigned"  # one agent: as before
