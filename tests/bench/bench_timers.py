"""A million pending timers: worker memory, restart-to-ready time, and the firing tick.

Run: .venv/bin/python tests/bench/bench_timers.py [--timers 1000000]

1. In process: the cost of one firing tick with 100 dates due, when 10,000 and when
   1,000,000 dates are pending (it must not grow with what is pending): the median of
   21 ticks on each, taking turns.
2. On a real broker, the state is built by the service itself: N/2 varied resolutions
   (bench_core.synthetic: one action per security, record dates 2026-01-08 to
   2030-10-31) go through a real `corpactions worker` whose injected clock
   (CORPACTIONS_CLOCK_FILE) stands at CLOCK, before every date, so each action keeps a
   record and a payment timer: N pending. Its changelog is what the engine wrote
   (actions, histories, offsets), not an encoding of this file's. The bench waits until
   that worker's `/metrics` shows all N/2 resolutions scheduled, none dead-lettered, and
   `corpactions_timer_backlog` = N, and stops it. A second worker then starts on the
   changelog: timed from its process start until it is ready (state restored,
   partitions assigned) and its `/metrics` show `corpactions_timer_backlog` = N (the
   worker measured holds them all), still so 10 s later; then its resident memory is
   read. A `/ready` answered while it held fewer is printed as a WARNING. Both workers
   run with the deployed group timings (settings.py), not the tests' faster ones.

Goals (printed beside their figures): RSS <= 600 MB and restart to ready <= 20 s with
1,000,000 pending timers; the tick's cost must not grow with what is pending (the last
line's tick ratio: the tick's cost with N pending over its cost with 10,000). A run that
does not reach N pending timers prints `bench-timers: FAILED: ...` on stderr, exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from aiokafka import AIOKafkaConsumer, TopicPartition

from corpactions.contracts.topics import Topics
from corpactions.domain import configure_calendars
from corpactions.settings import Settings
from corpactions.stream.engine import keep_out_of_gc
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import Action, PartitionState, pack
from tests.bench.bench_core import synthetic
from tests.bench.bench_stream import produce_all, wait_ready
from tests.faults.harness import rss_mb
from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    env_or_local_broker,
    example_resolution,
)

BASE = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
# The workers' injected "now": before every record date of RECORD_DATES, so no timer
# fires while the state is built or restored (and the bench does not depend on today).
CLOCK = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RECORD_DATES = (dt.date(2026, 1, 8), dt.date(2030, 10, 31))  # the calendars end 2030
STALL_S = 180.0  # the first worker making no progress this long fails the bench
RSS_GOAL_MB = 600
READY_GOAL_S = 20
STABLE_S = 10.0  # ready with every timer this long: an expelled member has found out by then
# Group timings as deployed (settings.py defaults), not the tests' faster ones
# (tests/support/kafka.py): a restore longer than the session timeout gets a worker
# expelled from its group (no heartbeat during the assignment callback), so the
# bench measures the worker as it is configured in production.
# (pydantic fields: their defaults are in model_fields, not class attributes)
DEPLOYED = {
    f"CORPACTIONS_{name.upper()}": str(Settings.model_fields[name].default)
    for name in ("session_timeout_s", "heartbeat_interval_s", "rebalance_timeout_s")
}


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
                resolution=pack(json.dumps(doc, separators=(",", ":")).encode()),
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
    ticks = max(1, min(ticks, min(sizes) // 2 // due))  # a tiny run (the smoke test) has fewer
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


class BenchFailure(Exception):
    """The worker measured does not hold what the bench claims to measure."""


async def metrics(worker: WorkerProcess) -> dict[str, float]:
    """The worker's `/metrics` as {'name{label="v"}': value} ({} while it does not answer)."""
    url = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}/metrics"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.get(url) as resp,
        ):
            if resp.status != 200:
                return {}
            text = await resp.text()
    except (aiohttp.ClientError, TimeoutError, OSError):
        return {}
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return out


# the lifecycle agent's series (each agent's carry its name, ops/metrics.py)
READY = 'corpactions_ready{agent="lifecycle"}'
BACKLOG = 'corpactions_timer_backlog{agent="lifecycle"}'


def total(m: dict[str, float], name: str) -> int:
    """The sum of a labelled counter's samples."""
    return int(sum(v for k, v in m.items() if k == name or k.startswith(name + "{")))


async def build_state(
    ns: Namespace, workdir: Path, values: list[bytes], env: dict[str, str]
) -> int:
    """Let a worker process ``values`` (already on the input topic) until its metrics show
    every one scheduled and every date pending; stop it. Its pending timers."""
    n, timers = len(values), 2 * len(values)
    worker = WorkerProcess(ns, workdir, **env).start()
    t0 = time.monotonic()
    try:
        await wait_ready(worker, within=300)
        empty_s = time.monotonic() - worker.started_at
        print(
            f"first worker, empty state: process start to ready {empty_s:.1f} s "
            "(start-up and group join alone, for comparison)"
        )
        m: dict[str, float] = {}
        last_progress, progress = time.monotonic(), -1
        while True:
            if worker.proc is None or worker.proc.poll() is not None:
                raise BenchFailure(f"the first worker exited:\n{worker.log()[-2000:]}")
            m = await metrics(worker) or m
            done = total(m, "corpactions_resolutions_total")
            backlog = int(m.get(BACKLOG, 0))
            if done >= n:  # each counted once its transaction committed
                break
            if done != progress:
                last_progress, progress = time.monotonic(), done
            elif time.monotonic() - last_progress > STALL_S:
                raise BenchFailure(
                    f"the first worker stopped at {done:,} of {n:,} resolutions "
                    f"({backlog:,} timers pending) for {STALL_S:.0f}s:\n{worker.log()[-2000:]}"
                )
            await asyncio.sleep(2)
        print(
            f"the service scheduled {n:,} resolutions in {time.monotonic() - t0:.0f}s "
            f"(from process start): {backlog:,} timers pending"
        )
        scheduled = int(m.get('corpactions_resolutions_total{verdict="scheduled"}', 0))
        dead = total(m, "corpactions_dead_letters_total")
        if scheduled != n or dead or backlog != timers:
            verdicts = {k: v for k, v in m.items() if k.startswith("corpactions_resolutions")}
            raise BenchFailure(
                f"the first worker scheduled {scheduled:,} of {n:,} resolutions ({verdicts}), "
                f"dead-lettered {dead:,}, holds {backlog:,} timers (expected {timers:,})"
            )
    finally:
        worker.stop()
    return backlog


async def changelog_records(bootstrap: str, topic: str) -> int:
    """Records the changelog holds (end offsets summed; transaction markers included)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        ends = await consumer.end_offsets(tps)
        return int(sum(ends.values()))
    finally:
        await consumer.stop()


def expulsions(log: str) -> list[str]:
    """The times (to the second) at which the worker found its group had expelled it."""
    times: list[str] = []
    for line in log.splitlines():
        found = re.search(r"\[\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d)", line)  # faust's stamp
        if found and "UnknownMemberIdError" in line and found[1] not in times[-1:]:
            times.append(found[1])
    return times


async def ready_holding_all(
    worker: WorkerProcess, n_timers: int, within: float, stable_s: float = STABLE_S
) -> float:
    """Seconds from the worker's process start until it is ready and holds all
    ``n_timers`` timers, and stays so for STABLE_S (`/metrics`: corpactions_ready and
    corpactions_timer_backlog). A first `/ready` holding fewer is reported: a worker the
    group expelled while it restored (aiokafka sends no heartbeat while the assignment
    callback runs) rejoins and restores again, still answering ready."""
    await wait_ready(worker, within=within)
    first_s = time.monotonic() - worker.started_at
    m = await metrics(worker)
    backlog = int(m.get(BACKLOG, -1))
    if backlog != n_timers:
        print(
            f"WARNING: the restarted worker answered /ready after {first_s:.1f} s holding "
            f"{backlog:,} of {n_timers:,} timers (its log: {worker.log_path}); the figure "
            "below is the time until it held all of them"
        )
    deadline = worker.started_at + within
    since: float | None = None  # when the worker last became ready with every timer
    while True:
        now = time.monotonic()
        if m.get(READY) == 1 and backlog == n_timers:
            since = now if since is None else since
            if now - since >= stable_s:
                return since - worker.started_at
        else:
            since = None
        if now > deadline:
            expelled = expulsions(worker.log())
            raise BenchFailure(
                f"the restarted worker did not hold all {n_timers:,} timers, ready, for "
                f"{STABLE_S:.0f}s within {within:.0f}s of its start (first /ready after "
                f"{first_s:.1f} s; last seen: backlog {backlog:,}, ready "
                f"{m.get(READY)}): it is not the worker this bench claims to "
                f"measure. The group expelled it {len(expelled)} times (UnknownMemberIdError "
                f"in its log, at {', '.join(expelled[:12])}): a restore that outlasts the "
                f"session timeout ({DEPLOYED['CORPACTIONS_SESSION_TIMEOUT_S']} s) gets the "
                "worker expelled, as aiokafka sends no heartbeat while the assignment "
                f"callback runs. Log: {worker.log_path}"
            )
        await asyncio.sleep(1)
        m = await metrics(worker)
        backlog = int(m.get(BACKLOG, -1))


async def restart(
    bootstrap: str, workdir: Path, n_timers: int, stable_s: float = STABLE_S
) -> tuple[float, float]:
    parts = 6
    ns = Namespace(bootstrap, partitions=parts)
    await ns.create()
    clock = workdir / "clock"
    clock.write_text(CLOCK.isoformat())
    env = {"CORPACTIONS_CLOCK_FILE": str(clock), "CORPACTIONS_BATCH_SIZE": "2000", **DEPLOYED}
    values = synthetic(n_timers // 2, seed=23, record_dates=RECORD_DATES)
    t0 = time.monotonic()
    await produce_all(bootstrap, ns.topics.resolutions, values)
    print(f"produced {len(values):,} resolutions in {time.monotonic() - t0:.0f}s")
    await build_state(ns, workdir, values, env)
    del values
    changelog = Topics(ns.topics.prefix).changelog(ns.app_id)
    print(f"changelog {changelog}: {await changelog_records(bootstrap, changelog):,} offsets")

    worker = WorkerProcess(ns, workdir, **env).start()
    try:
        ready_s = await ready_holding_all(worker, n_timers, within=600, stable_s=stable_s)
        print(
            f"restarted worker: ready holding corpactions_timer_backlog = {n_timers:,} "
            f"(/metrics) {ready_s:.1f} s after its start, and still {stable_s:g} s later"
        )
        rss = rss_mb(worker)
    finally:
        worker.stop()
    return ready_s, rss


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument(
        "--stable", type=float, default=STABLE_S, help="seconds ready with every timer"
    )
    args = parser.parse_args()
    if args.timers % 2:
        parser.error("--timers must be even (each action holds a record and a payment timer)")
    if args.timers < 200:
        parser.error("--timers must be at least 200 (a tick fires 100 actions' dates)")
    small, large = tick_costs((min(10_000, args.timers), args.timers))
    print(
        f"tick firing 100 due: {small * 1000:.2f} ms with 10,000 pending, "
        f"{large * 1000:.2f} ms with {args.timers:,} pending (ratio {large / small:.2f}; "
        "goal: no growth with what is pending)"
    )
    with tempfile.TemporaryDirectory() as tmp, env_or_local_broker(Path(tmp)) as bootstrap:
        logs = Path(os.environ.get("BENCH_LOG_DIR", tmp))
        logs.mkdir(parents=True, exist_ok=True)
        try:
            ready_s, rss = asyncio.run(restart(bootstrap, logs, args.timers, args.stable))
        except BenchFailure as failure:
            print(f"bench-timers: FAILED: {failure}", file=sys.stderr)
            if "BENCH_LOG_DIR" not in os.environ:
                print("(the logs named were temporary: BENCH_LOG_DIR=dir keeps them)",
                      file=sys.stderr)  # fmt: skip
            return 1
    print(
        f"{args.timers:,} pending timers: worker RSS {rss:,.0f} MB (goal <= {RSS_GOAL_MB:,}: "
        f"{verdict(rss <= RSS_GOAL_MB)}), restart to ready {ready_s:.1f} s "
        f"(goal <= {READY_GOAL_S}: {verdict(ready_s <= READY_GOAL_S)})"
    )
    print(
        f"goals with 1,000,000 pending: restart to ready <= {READY_GOAL_S} s, "
        f"RSS <= {RSS_GOAL_MB} MB, tick ratio ~1 (no growth)"
    )
    print(
        f"bench-timers: restart {ready_s:.1f} s, rss {rss:,.0f} MB, "
        f"tick ratio {large / small:.2f} ({args.timers:,} pending timers)"
    )
    return 0


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    sys.exit(main())
