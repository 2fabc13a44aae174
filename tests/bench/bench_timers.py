"""A million pending timers: worker memory, restart-to-ready time, and the firing tick.

Run: .venv/bin/python tests/bench/bench_timers.py [--timers 1000000]

1. In process: the cost of one firing tick with 100 dates due, when 10,000 and when
   1,000,000 dates are pending (it must not grow with what is pending): the median of
   21 ticks on each, taking turns.
2. On a real broker: the state changelog of a worker holding N/2 actions (each with a
   future record and payment date, so N timers) is written as the engine writes it, then
   a `corpactions worker` starts on it: the time from process start to `/ready` (state
   restored, partitions assigned) and its resident memory once ready are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from aiokafka import AIOKafkaProducer

from corpactions.domain import configure_calendars
from corpactions.settings import Settings
from corpactions.stream.engine import changelog_topic, keep_out_of_gc
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import Action, PartitionState
from corpactions.stream.topics import ensure_topics
from tests.bench.bench_stream import wait_ready
from tests.faults.harness import rss_mb
from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    env_or_local_broker,
    example_resolution,
)

BASE = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def actions(n_actions: int) -> list[Action]:
    template = example_resolution()
    out = []
    for i in range(n_actions):
        doc = dict(template, event_id=f"T{i}", message_id=f"m{i}")
        record = BASE + dt.timedelta(minutes=i)
        out.append(
            Action(
                event_id=f"T{i}",
                security_key=f"XTKS:{i % 4000}",
                version=1,
                function="NEWM",
                message_ids=(f"m{i}",),
                resolution=json.dumps(doc, separators=(",", ":")),
                record_due=record,
                payment_due=record + dt.timedelta(days=60),
            )
        )
    return out


def pending_state(pending_timers: int) -> PartitionState:
    """A partition holding ``pending_timers // 2`` actions, frozen as the engine leaves it."""
    state = PartitionState()
    for a in actions(pending_timers // 2):
        state.actions[a.event_id] = a
    state.rebuild_timers()
    keep_out_of_gc([state])  # as the engine does once it has taken a partition
    return state


def tick_costs(sizes: tuple[int, int], due: int = 100, ticks: int = 21) -> tuple[float, float]:
    """Median seconds of an on_tick that fires ``due`` dates, with each of ``sizes`` dates
    pending. The two states take turns, tick after tick (action i's record date is
    BASE + i minutes, so tick k fires actions k*due .. k*due + due - 1): a slower moment
    of the host slows both alike."""
    configure_calendars(Settings().calendar_horizon(dt.date.today()))  # as a worker does
    life = Lifecycle(Settings().topics)
    states = [pending_state(n) for n in sizes]
    samples: list[list[float]] = [[], []]
    for k in range(ticks):
        now = BASE + dt.timedelta(minutes=(k + 1) * due - 1)
        for state, out in zip(states, samples, strict=True):
            t0 = time.perf_counter()
            fired = life.on_tick(state, now)
            out.append(time.perf_counter() - t0)
            assert len(fired.outputs) == due, len(fired.outputs)
    small, large = (sorted(s)[len(s) // 2] for s in samples)
    return small, large


async def write_changelog(bootstrap: str, topic: str, items: list[Action], parts: int) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        max_batch_size=1024 * 1024,
        compression_type=None,
    )
    await producer.start()
    try:
        pending = []
        for i, a in enumerate(items):
            key = ("a:" + a.event_id).encode()
            pending.append(await producer.send(topic, a.encode(), key=key, partition=i % parts))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def restart(bootstrap: str, workdir: Path, n_timers: int) -> tuple[float, float]:
    parts = 6
    ns = Namespace(bootstrap, partitions=parts)
    await ns.create()
    settings = Settings(app_id=ns.app_id, topics=ns.topics)
    topic = changelog_topic(settings)
    await ensure_topics(bootstrap, [topic], parts, configs={"cleanup.policy": "compact"})
    t0 = time.monotonic()
    await write_changelog(bootstrap, topic, actions(n_timers // 2), parts)
    print(f"wrote {n_timers // 2:,} actions ({n_timers:,} timers) in {time.monotonic() - t0:.0f}s")
    worker = WorkerProcess(ns, workdir).start()
    try:
        await wait_ready(worker, within=600)
        ready_s = time.monotonic() - worker.started_at
        rss = rss_mb(worker)
    finally:
        worker.stop()
    return ready_s, rss


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=1_000_000)
    args = parser.parse_args()
    small, large = tick_costs((10_000, args.timers))
    print(
        f"tick firing 100 due: {small * 1000:.2f} ms with 10,000 pending, "
        f"{large * 1000:.2f} ms with {args.timers:,} pending (ratio {large / small:.2f})"
    )
    with tempfile.TemporaryDirectory() as tmp, env_or_local_broker(Path(tmp)) as bootstrap:
        ready_s, rss = asyncio.run(restart(bootstrap, Path(tmp), args.timers))
    print(
        f"bench-timers: {args.timers:,} pending timers: worker RSS {rss:,.0f} MB "
        f"(goal <= 1024), restart to ready {ready_s:.1f} s (goal <= 60), "
        f"tick with 100 due {large * 1000:.2f} ms vs {small * 1000:.2f} ms at 10,000 pending"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
