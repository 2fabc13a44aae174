"""End-to-end throughput and latency on a real broker, beside raw aiokafka in the same run.

Run: .venv/bin/python tests/bench/bench_stream.py [--n 10000] [--rate 500] [--seconds 10]

Resolutions are announced ahead of their dates, as boards do: record dates fall between
a week and two years from today, so each one is validated, scheduled, kept with its
history and two pending timers, and emits its schedule event (`--past-dates` draws
2001-2030 instead: most dates have passed, so each resolution also fires its record
and payment events at once, three events per resolution).

1. The same N varied resolutions (one input partition) are consumed and re-produced by
   a plain aiokafka loop (getmany batches, send each, commit per batch), by the same loop
   with transactions (exactly once, as the service), by that loop writing what the
   service writes with no processing, by a naive faust relay, by the Quix Streams peer
   (quix_peer.py: exactly-once, the same contract, core and serializer per message, a
   changelogged state store), then processed by a real `corpactions worker` running the
   lifecycle agent (validate, schedule, history, timers, dedupe, one transaction per
   batch; CORPACTIONS_AGENTS=lifecycle: the ISO 20022 documents are the notifier's, off
   the resolutions' path, as in a deployment that runs it apart). Each runs in a process of its
   own (raw_loop.py, faust_relay.py, quix_peer.py, the worker), as the
   service does, while this process reads its output. Rates are measured between the
   first and the last output record's timestamps, so start-up and group joins are
   excluded from all. Each run must deliver all N distinct event ids exactly once
   (read_committed), or the bench fails saying which are missing: a rate is never
   printed over fewer events.
2. Latency: resolutions produced at a steady rate to a running worker; for each, the
   time from its produce timestamp to the moment its schedule event is read
   (read_committed) by a consumer in this process. p50/p99 are over every produced
   resolution: one whose event does not arrive fails the bench.
3. The notifier: `corpactions notifier` (one partition) turns every schedule event the
   two runs above wrote into its seev.031, from a backlog; its documents per second
   between the first and the last document's timestamps, every one arrived once.
4. With `--scale N`: N workers on N input partitions, the same resolutions, their
   combined rate against the one worker's (all N ids again).

Goals (printed beside their figures): service/quix >= 1.5; latency p99 <= 30 ms at
500/s; the notifier >= 8,000 documents/s on one partition. service/raw is printed for
reference, not a goal. The last lines are `bench-notifier: D documents/s (...)`,
`bench-peer: service/quix = Q (...)` and `bench: service/raw = R (...)`.
A failed run prints `bench: FAILED: ...` on stderr and exits 1.

Uses KAFKA_BOOTSTRAP_SERVERS when set, else starts the project's local broker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.broker.local import _die_with_parent
from corpactions.stream.topics import ensure_topics
from tests.bench.bench_core import synthetic
from tests.support.kafka import Namespace, WorkerProcess, env_or_local_broker, key_of

SERVICE_QUIX_GOAL = 1.5  # against the Quix Streams exactly-once peer (quix_peer.py)
LATENCY_P99_GOAL_MS = 30.0  # produce -> schedule event read (read_committed), at --rate
NOTIFIER_GOAL = 8000.0  # documents/s, the notifier agent on one partition
LIFECYCLE_ONLY = {"CORPACTIONS_AGENTS": "lifecycle"}  # the documents: the notifier's own run
LATENCY_WAIT_S = 60.0  # after the last send, the most the latency run waits for events


async def produce_all(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=512 * 1024)  # fmt: skip
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=key_of(v)) for v in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


class BenchFailure(Exception):
    """A run did not deliver what it must (every id, exactly once): the bench fails with
    this message instead of printing a figure over fewer events."""


def event_id(value: bytes) -> str:
    """The ``event_id`` of a resolution (what the raw loops and the faust relay pass
    through) or of a service event (its envelope carries the action's)."""
    return str(json.loads(value)["event_id"])


def ids_of(values: list[bytes]) -> list[str]:
    return [event_id(v) for v in values]


@dataclass
class Output:
    """What a reader saw on one topic (``read_committed``): every record's value, and
    the first and last record timestamps (ms)."""

    values: list[bytes] = field(default_factory=list)
    first: int | None = None
    last: int | None = None

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def rate(self) -> float:
        """Records per second between the first and the last output record's timestamps:
        start-up and group joins are excluded."""
        span = ((self.last or 0) - (self.first or 0)) / 1000
        return (self.count - 1) / span if span > 0 else float("nan")

    def check(self, what: str, expected: list[str], within: float) -> None:
        """Every expected id arrived exactly once, and nothing else did."""
        got = Counter(ids_of(self.values))
        missing = [i for i in expected if i not in got]
        unexpected = sorted(set(got) - set(expected))
        duplicates = sum(c - 1 for c in got.values() if c > 1)
        if missing or unexpected or duplicates:
            raise BenchFailure(
                f"{what}: {len(got)} distinct ids of {len(expected)} expected "
                f"({self.count} records read, waiting up to {within:.0f}s): {len(missing)} missing "
                f"(first {missing[:5]}), {duplicates} duplicates, {len(unexpected)} "
                f"unexpected (first {unexpected[:5]})"
            )


async def read_outputs(
    bootstrap: str, topic: str, n: int, within: float, options: dict[str, Any] | None = None
) -> Output:
    """Read ``topic`` from its beginning (read_committed) until ``n`` records arrived or
    ``within`` seconds passed (``options``: the client's TLS/SASL settings). Ids are
    decoded afterwards (`Output.check`), not while the measured process runs."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                isolation_level="read_committed", enable_auto_commit=False,
                                group_id=None, max_poll_records=10_000,
                                **(options or {}))  # fmt: skip
    await consumer.start()
    out = Output()
    deadline = time.monotonic() + within
    try:
        while out.count < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    out.values.append(r.value)
                    out.first = r.timestamp if out.first is None else min(out.first, r.timestamp)
                    out.last = r.timestamp if out.last is None else max(out.last, r.timestamp)
    finally:
        await consumer.stop()
    return out


async def spawn(
    script: Path,
    args: list[str],
    log: Path,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
) -> Any:
    """``script`` as a child process of its own (dies with this one), output to ``log``."""
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            python, str(script), *args, env=env, cwd=log.parent, stdout=out,
            stderr=asyncio.subprocess.STDOUT, preexec_fn=_die_with_parent,
        )  # fmt: skip


async def stop(proc: Any) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def tail(log: Path, chars: int = 2000) -> str:
    return log.read_text(errors="replace")[-chars:]


async def raw_loop(
    bootstrap: str,
    src: str,
    expected: list[str],
    workdir: Path,
    name: str,
    exactly_once: bool,
    state: str | None = None,
) -> float:
    """Run tests/bench/raw_loop.py over ``src`` in a process of its own; its rate, once
    every expected id has arrived on its output exactly once."""
    dst = f"{src}.{name}-out"
    await ensure_topics(bootstrap, [dst], 1)
    args = ["--bootstrap", bootstrap, "--source", src, "--sink", dst, "--n", str(len(expected))]
    if exactly_once:
        args.append("--exactly-once")
    if state is not None:
        await ensure_topics(bootstrap, [state], 1, configs={"cleanup.policy": "compact"})
        args += ["--state", state]
    log = workdir / f"{name}.log"
    proc = await spawn(Path(__file__).with_name("raw_loop.py"), args, log)
    within = 300
    code: int | None = None
    try:
        out = await read_outputs(bootstrap, dst, len(expected), within)
        with contextlib.suppress(TimeoutError):  # it commits its last batch, then exits
            code = await asyncio.wait_for(proc.wait(), 60)
    finally:
        await stop(proc)
    if code != 0:
        status = "did not finish" if code is None else f"exited with {code}"
        raise BenchFailure(
            f"{name}: the loop {status} ({out.count} of {len(expected)} records read; "
            f"log {log}):\n{tail(log)}"
        )
    out.check(name, expected, within)
    return out.rate


async def warm_up(bootstrap: str, topic: str) -> None:
    """Commit once in a throwaway group, so no measured run pays for creating the
    broker's __consumer_offsets and transaction-state topics."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"warm-{topic}",
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.commit({tp: 0})
    finally:
        await consumer.stop()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"warm-{topic}")
    await producer.start()
    try:
        async with producer.transaction():
            pass
    finally:
        await producer.stop()


async def naive_faust(bootstrap: str, src: str, expected: list[str], workdir: Path) -> float:
    """Run the naive faust relay as a worker process over the same input; its rate, once
    every expected id has arrived on its output exactly once."""
    dst = f"{src}.faust-out"
    await ensure_topics(bootstrap, [dst], 1)
    env = {
        **os.environ,
        "RELAY_BOOTSTRAP": bootstrap,
        "RELAY_SOURCE": src,
        "RELAY_SINK": dst,
        "RELAY_APP_ID": f"relay-{src}",
    }
    log = workdir / "faust-relay.log"
    proc = await spawn(Path(__file__).with_name("faust_relay.py"), ["worker", "-l", "warn"],
                       log, env)  # fmt: skip
    within = 900
    try:
        out = await read_outputs(bootstrap, dst, len(expected), within)
    finally:
        await stop(proc)
    if out.count < len(expected):
        print(f"naive faust relay log (tail):\n{tail(log)}", file=sys.stderr)
    out.check("naive faust relay", expected, within)
    return out.rate


QUIX_PYTHON = Path(__file__).resolve().parents[2] / ".venv-bench" / "bin" / "python"


async def quix_peer(bootstrap: str, src: str, expected: list[str], workdir: Path) -> float:
    """Run the Quix Streams exactly-once peer (quix_peer.py, from .venv-bench) over the
    same input; its rate, once every expected id has arrived on its output exactly once.

    Quix Streams gives each output its input's timestamp, so its output topic stamps
    records when the broker appends them (LogAppendTime): the rate is still measured
    between the first and the last output record, as for the other runs."""
    python = Path(os.environ.get("BENCH_QUIX_PYTHON", QUIX_PYTHON))
    if not await asyncio.to_thread(python.exists):
        raise BenchFailure(
            f"the Quix Streams peer needs its venv ({python}): run `make bench-setup` "
            "(make bench does), or set BENCH_QUIX_PYTHON"
        )
    dst = f"{src}.quix-out"
    await ensure_topics(bootstrap, [dst], 1, configs={"message.timestamp.type": "LogAppendTime"})
    state_dir = workdir / "quix-state"
    args = ["--bootstrap", bootstrap, "--source", src, "--sink", dst,
            "--n", str(len(expected)), "--state-dir", str(state_dir)]  # fmt: skip
    log = workdir / "quix-peer.log"
    proc = await spawn(Path(__file__).with_name("quix_peer.py"), args, log, python=str(python))
    within = 900
    code: int | None = None
    try:
        reading = asyncio.create_task(read_outputs(bootstrap, dst, len(expected), within))
        exited = asyncio.create_task(proc.wait())
        await asyncio.wait({reading, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done() and not reading.done():  # it failed: what it committed, then why
            await asyncio.sleep(2)
            reading.cancel()
            raise BenchFailure(f"quix peer: the app exited with {exited.result()} before "
                               f"its output was complete (log {log}):\n{tail(log)}")  # fmt: skip
        out = await reading
        with contextlib.suppress(TimeoutError):  # it commits its last checkpoint, then exits
            code = await asyncio.wait_for(exited, 60)
    finally:
        await stop(proc)
    if code != 0:
        status = "did not finish" if code is None else f"exited with {code}"
        raise BenchFailure(
            f"quix peer: the app {status} ({out.count} of {len(expected)} records read; "
            f"log {log}):\n{tail(log)}"
        )
    out.check("quix exactly-once peer", expected, within)
    return out.rate


def resolutions(n: int, seed: int, past_dates: bool) -> list[bytes]:
    if past_dates:
        return synthetic(n, seed=seed)
    today = dt.date.today()
    last = min(today + dt.timedelta(days=730), dt.date(2030, 10, 31))  # calendars end 2030
    return synthetic(n, seed=seed, record_dates=(today + dt.timedelta(days=7), last))


async def latency(
    bootstrap: str, ns: Namespace, rate: int, seconds: float, past_dates: bool, label: str = "lat"
) -> list[float]:
    """Produce at ``rate``/s for ``seconds``; return the produce->read latency (ms) of
    every produced resolution's schedule event. One that never arrives (within
    LATENCY_WAIT_S of the last send), arrives twice, or an event nobody produced, fails
    the bench: the percentiles are over every produced event, never a shrunken sample.
    ``label`` names the actions (a second run needs a new one: same ids are duplicates)."""
    # This process's own full GC passes (12-20 ms, measured with a gc callback, over the
    # throughput phases' objects) would be counted as the service's latency.
    gc.collect()
    gc.freeze()
    t = ns.topics
    values, ids = [], []
    for i, v in enumerate(resolutions(int(rate * seconds), 7, past_dates)):
        doc = json.loads(v)
        doc["event_id"], doc["message_id"] = f"{label}-{i}", f"{label}-msg-{i}"
        values.append(json.dumps(doc).encode())
        ids.append(doc["event_id"])
    expected = set(ids)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed",
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    parts = consumer.partitions_for_topic(t.schedules) or {0}
    tps = [TopicPartition(t.schedules, p) for p in parts]
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for p in tps:
        await consumer.position(p)
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    created: dict[str, float] = {}  # output CreateTime (ms): when the worker produced it
    sent_wall: dict[str, float] = {}
    duplicates: list[str] = []
    unexpected: list[str] = []
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()

    async def reader() -> None:
        while len(got) < len(values):
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    key = event_id(r.value)
                    if key not in expected:
                        unexpected.append(key)
                    elif key in got:
                        duplicates.append(key)
                    else:
                        got[key] = now
                        created[key] = r.timestamp

    task = asyncio.create_task(reader())
    start = time.perf_counter()
    for i, (key, v) in enumerate(zip(ids, values, strict=True)):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[key] = time.perf_counter()
        sent_wall[key] = time.time() * 1000
        await producer.send(t.resolutions, v, key=key_of(v))
    await producer.flush()
    try:
        await asyncio.wait_for(task, timeout=LATENCY_WAIT_S)
        await asyncio.sleep(1)  # a duplicate would follow closely
        batch = await consumer.getmany(timeout_ms=500)
        for records in batch.values():
            for r in records:
                key = event_id(r.value)
                (duplicates if key in expected else unexpected).append(key)
    except TimeoutError:
        pass
    finally:
        await producer.stop()
        await consumer.stop()
    missing = [k for k in ids if k not in got]
    if missing or duplicates or unexpected:
        raise BenchFailure(
            f"latency: {len(got)} of {len(ids)} produced resolutions' schedule events read "
            f"within {LATENCY_WAIT_S:.0f}s of the last send: {len(missing)} missing (first "
            f"{missing[:5]}), {len(duplicates)} duplicates (first {duplicates[:5]}), "
            f"{len(unexpected)} unexpected (first {unexpected[:5]})"
        )
    worker_side = sorted(created[k] - sent_wall[k] for k in ids)
    print(f"  produce -> worker's output CreateTime: p50 "
          f"{worker_side[len(worker_side) // 2]:.1f} ms, "
          f"p99 {worker_side[int(len(worker_side) * 0.99)]:.1f} ms")  # fmt: skip
    return [(got[k] - sent[k]) * 1000 for k in ids]


async def wait_ready(worker: WorkerProcess, within: float = 90) -> None:
    import aiohttp

    url = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}/ready/"
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(worker.log()[-2000:])


async def scale_out(bootstrap: str, values: list[bytes], workdir: Path, workers: int) -> float:
    """``workers`` worker processes sharing as many input partitions, all ready before
    the same resolutions are produced; their combined schedule-event rate, once every
    resolution's schedule event has arrived exactly once."""
    ns = Namespace(bootstrap, partitions=workers)
    await ns.create()
    procs = [WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000", **LIFECYCLE_ONLY).start()
             for _ in range(workers)]  # fmt: skip
    within = 600
    try:
        for worker in procs:
            await wait_ready(worker)
        await asyncio.sleep(3)  # the last join's rebalance settles
        producing = asyncio.create_task(produce_all(bootstrap, ns.topics.resolutions, values))
        out = await read_outputs(bootstrap, ns.topics.schedules, len(values), within)
        await producing
    finally:
        for worker in procs:
            worker.stop()
    out.check(f"service, {workers} workers", ids_of(values), within)
    return out.rate


_EVENT_ID = re.compile(rb"<CorpActnEvtId>([^<]*)</CorpActnEvtId>")


async def notifier(bootstrap: str, ns: Namespace, expected: list[str], workdir: Path) -> float:
    """`corpactions notifier` on the schedule events written so far (one partition): its
    documents/s, once each expected action's document arrived exactly once."""
    proc = WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000")
    proc.command = "notifier"
    proc.start()
    within = 600
    try:
        docs = await read_outputs(bootstrap, ns.topics.notifications, len(expected), within)
    finally:
        proc.stop()
    got = Counter(m.group(1).decode() for v in docs.values if (m := _EVENT_ID.search(v)))
    missing = [i for i in expected if i not in got]
    duplicates = sum(c - 1 for c in got.values() if c > 1)
    if missing or duplicates or len(got) != len(expected):
        raise BenchFailure(
            f"notifier: {len(got)} distinct documents of {len(expected)} expected "
            f"({docs.count} read within {within}s): {len(missing)} missing (first "
            f"{missing[:5]}), {duplicates} duplicates; log: {proc.log_path}"
        )
    return docs.rate


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


async def run(
    bootstrap: str,
    n: int,
    rate: int,
    seconds: float,
    workdir: Path,
    past_dates: bool,
    scale: int,
) -> None:
    values = resolutions(n, 11, past_dates)
    expected = ids_of(values)
    assert len(set(expected)) == n, "the generated resolutions' ids must be distinct"
    ns = Namespace(bootstrap, partitions=1)
    t = ns.topics
    await ensure_topics(bootstrap, [t.resolutions, *t.outputs()], 1)
    await produce_all(bootstrap, t.resolutions, values)
    print(f"produced {n} resolutions ({sum(map(len, values)) // n} bytes average); each run "
          "below must deliver all of their ids exactly once, in a process of its own")  # fmt: skip

    await warm_up(bootstrap, t.resolutions)
    raw_rate = await raw_loop(bootstrap, t.resolutions, expected, workdir, "raw", False)
    print(f"raw aiokafka pass-through: {n} ids, {raw_rate:,.0f} msg/s")
    tx_rate = await raw_loop(bootstrap, t.resolutions, expected, workdir, "rawtx", True)
    print(f"raw aiokafka pass-through, exactly once (transactions): {n} ids, "
          f"{tx_rate:,.0f} msg/s")  # fmt: skip
    # The ceiling of service/raw with free processing: the service's records, written as
    # the service writes them (whole batches, one transaction per poll).
    state_rate = await raw_loop(bootstrap, t.resolutions, expected, workdir, "rawstate", True,
                                state=f"{t.resolutions}.rawstate-state")  # fmt: skip
    print(f"raw aiokafka pass-through, exactly once, writing what the service writes "
          f"(1 event + 2 compacted state records per input, no processing): {n} ids, "
          f"{state_rate:,.0f} msg/s: these writes alone would allow service/raw = "
          f"{state_rate / raw_rate:.2f}; the rest of the gap is processing")  # fmt: skip

    faust_rate = await naive_faust(bootstrap, t.resolutions, expected, workdir)
    print(f"naive faust relay (await topic.send per message): {n} ids, {faust_rate:,.0f} msg/s")
    quix_rate = await quix_peer(bootstrap, t.resolutions, expected, workdir)
    print(f"Quix Streams peer (exactly-once; contract, core, schedule_json, changelogged "
          f"state per message): {n} ids, {quix_rate:,.0f} msg/s")  # fmt: skip

    worker = WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000", **LIFECYCLE_ONLY).start()
    within = 600
    try:
        await wait_ready(worker)
        if os.environ.get("BENCH_PROFILE"):  # py-spy the worker while it works the backlog
            assert worker.proc is not None
            pid, out = str(worker.proc.pid), os.environ["BENCH_PROFILE"]
            await asyncio.create_subprocess_exec(
                "py-spy", "record", "-o", out, "-d", "8", "-r", "200", "-f", "speedscope", "-p", pid
            )
        schedules = await read_outputs(bootstrap, t.schedules, n, within)
        schedules.check("service (worker, 1 partition)", expected, within)
        svc_rate = schedules.rate
        print(f"service (worker, 1 partition): {n} ids' schedule events, {svc_rate:,.0f} ev/s")
        lat = await latency(bootstrap, ns, rate, seconds, past_dates)
    finally:
        worker.stop()
    lat.sort()
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"latency at {rate}/s for {seconds:.0f}s: all {len(lat)} produced events, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat[-1]:.1f} ms")  # fmt: skip
    print(
        f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms at {rate}/s, produce -> a "
        f"read_committed consumer's receipt of the schedule event "
        f"(goal p99 <= {LATENCY_P99_GOAL_MS:g} ms: {verdict(p99 <= LATENCY_P99_GOAL_MS)})"
    )
    lat_ids = [f"lat-{i}" for i in range(int(rate * seconds))]  # latency()'s event ids
    docs_rate = await notifier(bootstrap, ns, [*expected, *lat_ids], workdir)
    if scale > 1:
        scaled = await scale_out(bootstrap, values, workdir, scale)
        print(f"service, {scale} partitions x {scale} workers on this machine: {n} ids, "
              f"{scaled:,.0f} ev/s ({scaled / svc_rate:.2f}x one worker)")  # fmt: skip
    print(f"service / exactly-once pass-through = {svc_rate / tx_rate:.3f}: what validating, "
          "scheduling and keeping state cost beyond the guarantee")  # fmt: skip
    ratio = svc_rate / raw_rate
    print(f"service/raw = {ratio:.3f} (for reference: not a goal)")
    print(f"bench-notifier: {docs_rate:,.0f} documents/s (seev.031 from a backlog of "
          f"{len(expected) + len(lat_ids)} schedule events, one partition; goal >= "
          f"{NOTIFIER_GOAL:,.0f}: {verdict(docs_rate >= NOTIFIER_GOAL)})")  # fmt: skip
    peer = svc_rate / quix_rate
    print(
        f"service/quix = {peer:.3f} (goal >= {SERVICE_QUIX_GOAL:g}: "
        f"{verdict(peer >= SERVICE_QUIX_GOAL)})"
    )
    print(f"bench-peer: service/quix = {peer:.3f} (service {svc_rate:,.0f} ev/s, "
          f"quix exactly-once {quix_rate:,.0f} ev/s)")  # fmt: skip
    print(f"bench: service/raw = {ratio:.3f} (service {svc_rate:,.0f} ev/s, "
          f"raw aiokafka {raw_rate:,.0f} msg/s, naive faust {faust_rate:,.0f} msg/s)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--past-dates", action="store_true", help="3 events per resolution")
    parser.add_argument("--scale", type=int, default=1, help="also run N workers, N partitions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, env_or_local_broker(Path(tmp)) as bootstrap:
        logs = Path(os.environ.get("BENCH_LOG_DIR", tmp))
        logs.mkdir(parents=True, exist_ok=True)
        try:
            asyncio.run(
                run(bootstrap, args.n, args.rate, args.seconds, logs, args.past_dates, args.scale)
            )
        except BenchFailure as failure:
            print(f"bench: FAILED: {failure}", file=sys.stderr)
            if "BENCH_LOG_DIR" not in os.environ:
                print("(the logs named were temporary: BENCH_LOG_DIR=dir keeps them)",
                      file=sys.stderr)  # fmt: skip
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
