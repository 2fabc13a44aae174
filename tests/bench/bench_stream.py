"""End-to-end throughput and latency on a real broker, beside raw aiokafka in the same run.

Run: .venv/bin/python tests/bench/bench_stream.py [--n 10000] [--rate 500] [--seconds 10]

Resolutions are announced ahead of their dates, as boards do: record dates fall between
a week and two years from today, so each one is validated, scheduled, kept with its
history and two pending timers, and emits its schedule event (`--past-dates` draws
2001-2030 instead: most dates have passed, so each resolution also fires its record
and payment events at once, three events per resolution).

1. The same N varied resolutions (one input partition) are consumed and re-produced by
   a plain aiokafka loop (getmany batches, send each, commit per batch), by the same loop
   with transactions (exactly once, as the service), by a naive faust relay, then
   processed by a real `corpactions worker` (validate, schedule, history, timers, one
   transaction per batch). Rates are measured between the first and the last output record's
   timestamps, so start-up and group joins are excluded from both.
2. Latency: resolutions produced at a steady rate to a running worker; for each, the
   time from its produce timestamp to the moment its schedule event is read
   (read_committed) by a consumer in this process. p50/p99 are printed.
3. With `--scale N`: N workers on N input partitions, the same resolutions, their
   combined rate against the one worker's.

Uses KAFKA_BOOTSTRAP_SERVERS when set, else starts the project's local broker.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from corpactions.stream.topics import ensure_topics
from tests.bench.bench_core import synthetic
from tests.support.kafka import Namespace, WorkerProcess, env_or_local_broker, key_of


async def produce_all(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=512 * 1024)  # fmt: skip
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=key_of(v)) for v in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def output_span(bootstrap: str, topic: str, n: int, within: float) -> tuple[int, float]:
    """Read ``n`` records (read_committed); return (count, seconds first->last timestamp)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                isolation_level="read_committed", enable_auto_commit=False,
                                group_id=None, max_poll_records=10_000)  # fmt: skip
    await consumer.start()
    first = last = None
    count = 0
    deadline = time.monotonic() + within
    try:
        while count < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    count += 1
                    first = r.timestamp if first is None else min(first, r.timestamp)
                    last = r.timestamp if last is None else max(last, r.timestamp)
    finally:
        await consumer.stop()
    span = ((last or 0) - (first or 0)) / 1000
    return count, span


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


async def send_as_the_service(
    records: list[Any], producer: AIOKafkaProducer, dst: str, state: str
) -> list[Any]:
    """Per record: itself to ``dst``, an action- and a history-sized record to ``state``,
    appended to whole batches per topic (both have one partition) and sent as batches."""
    futures: list[Any] = []
    builders: dict[str, Any] = {}

    async def append(topic: str, key: bytes, value: bytes) -> None:
        builder = builders.get(topic)
        if builder is None:
            builder = builders[topic] = producer.create_batch()
        if builder.append(key=key, value=value, timestamp=None) is None:  # full: send it
            builder.close()
            futures.append(await producer.send_batch(builder, topic, partition=0))
            builder = builders[topic] = producer.create_batch()
            builder.append(key=key, value=value, timestamp=None)

    for r in records:
        key = r.key or b""
        await append(dst, key, r.value)
        await append(state, b"a:" + key, r.value)
        await append(state, b"h:" + key, r.value[:200])
    for topic, builder in builders.items():
        builder.close()
        futures.append(await producer.send_batch(builder, topic, partition=0))
    return futures


async def passthrough(
    bootstrap: str, src: str, dst: str, n: int, exactly_once: bool, state: str | None = None
) -> None:
    """Re-produce ``n`` records as a hand-written aiokafka loop would: getmany batches,
    send each, then commit the batch's offsets; with ``exactly_once`` (the service's
    guarantee), read_committed and one transaction per batch holding records and offsets.
    With ``state``, each record also writes two records to that (compacted) topic, as
    the service writes an action and a history record per resolution, and every record
    goes out in whole batches per partition, as the service sends them: the same writes,
    with no processing at all."""
    group = f"{'rawtx' if exactly_once else 'raw'}{'-state' if state else ''}-{src}"
    consumer = AIOKafkaConsumer(src, bootstrap_servers=bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=False,
                                isolation_level="read_committed" if exactly_once
                                else "read_uncommitted", max_poll_records=2000)  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=512 * 1024,
                                transactional_id=group if exactly_once else None)  # fmt: skip
    await consumer.start()
    await producer.start()
    seen = 0
    try:
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch:
                continue
            if exactly_once:
                await producer.begin_transaction()
            if state is None:
                futures = [await producer.send(dst, r.value, key=r.key)
                           for records in batch.values() for r in records]  # fmt: skip
            else:
                futures = await send_as_the_service([r for rs in batch.values() for r in rs],
                                                    producer, dst, state)  # fmt: skip
            seen += sum(len(records) for records in batch.values())
            if exactly_once:
                offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
                await producer.send_offsets_to_transaction(offsets, group)
                await producer.commit_transaction()
            else:
                await asyncio.gather(*futures)
                await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()


async def naive_faust(bootstrap: str, src: str, dst: str, n: int, workdir: Path) -> float:
    """Run the naive faust relay as a worker process over the same input; its rate."""
    await ensure_topics(bootstrap, [dst], 1)
    env = {
        **os.environ,
        "RELAY_BOOTSTRAP": bootstrap,
        "RELAY_SOURCE": src,
        "RELAY_SINK": dst,
        "RELAY_APP_ID": f"relay-{src}",
    }
    relay = Path(__file__).with_name("faust_relay.py")
    log = (workdir / "faust-relay.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(relay), "worker", "-l", "warn", env=env, cwd=workdir,
        stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        count, span = await output_span(bootstrap, dst, n, within=900)
    finally:
        proc.terminate()
        await proc.wait()
        log.close()
    return (count - 1) / span if span else float("nan")


def resolutions(n: int, seed: int, past_dates: bool) -> list[bytes]:
    if past_dates:
        return synthetic(n, seed=seed)
    today = dt.date.today()
    last = min(today + dt.timedelta(days=730), dt.date(2030, 10, 31))  # calendars end 2030
    return synthetic(n, seed=seed, record_dates=(today + dt.timedelta(days=7), last))


async def latency(
    bootstrap: str, ns: Namespace, rate: int, seconds: float, past_dates: bool, label: str = "lat"
) -> list[float]:
    """Produce at ``rate``/s for ``seconds``; return produce->read latencies (ms).
    ``label`` names the actions (a second run needs a new one: same ids are duplicates)."""
    # This process's own full GC passes (12-20 ms, measured with a gc callback, over the
    # throughput phases' objects) would be counted as the service's latency.
    gc.collect()
    gc.freeze()
    t = ns.topics
    values = []
    for i, v in enumerate(resolutions(int(rate * seconds), 7, past_dates)):
        doc = json.loads(v)
        doc["event_id"], doc["message_id"] = f"{label}-{i}", f"{label}-msg-{i}"
        values.append(json.dumps(doc).encode())
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed",
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    tp = TopicPartition(t.schedules, 0)
    parts = consumer.partitions_for_topic(t.schedules) or {0}
    tps = [TopicPartition(t.schedules, p) for p in parts]
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for p in tps:
        await consumer.position(p)
    del tp
    sent: dict[str, float] = {}
    got: dict[str, float] = {}
    created: dict[str, float] = {}  # output CreateTime (ms): when the worker produced it
    sent_wall: dict[str, float] = {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    await producer.start()

    async def reader() -> None:
        while len(got) < len(values):
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    key = json.loads(r.value)["event_id"]
                    got[key] = now
                    created[key] = r.timestamp

    task = asyncio.create_task(reader())
    start = time.perf_counter()
    for i, v in enumerate(values):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        event_id = json.loads(v)["event_id"]
        sent[event_id] = time.perf_counter()
        sent_wall[event_id] = time.time() * 1000
        await producer.send(t.resolutions, v, key=key_of(v))
    await producer.flush()
    try:
        await asyncio.wait_for(task, timeout=60)
    except TimeoutError:
        task.cancel()
    await producer.stop()
    await consumer.stop()
    worker_side = sorted(created[k] - sent_wall[k] for k in sent if k in created)
    if worker_side:
        print(f"  produce -> worker's output CreateTime: p50 "
              f"{worker_side[len(worker_side) // 2]:.1f} ms, "
              f"p99 {worker_side[int(len(worker_side) * 0.99)]:.1f} ms")  # fmt: skip
    return [(got[k] - sent[k]) * 1000 for k in sent if k in got]


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
    the same resolutions are produced; their combined schedule-event rate."""
    ns = Namespace(bootstrap, partitions=workers)
    await ns.create()
    procs = [WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000").start()
             for _ in range(workers)]  # fmt: skip
    try:
        for worker in procs:
            await wait_ready(worker)
        await asyncio.sleep(3)  # the last join's rebalance settles
        producing = asyncio.create_task(produce_all(bootstrap, ns.topics.resolutions, values))
        count, span = await output_span(bootstrap, ns.topics.schedules, len(values), within=600)
        await producing
    finally:
        for worker in procs:
            worker.stop()
    return (count - 1) / span if span else float("nan")


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
    ns = Namespace(bootstrap, partitions=1)
    t = ns.topics
    await ensure_topics(bootstrap, [t.resolutions, *t.outputs()], 1)
    await produce_all(bootstrap, t.resolutions, values)
    print(f"produced {n} resolutions ({sum(map(len, values)) // n} bytes average)")

    await warm_up(bootstrap, t.resolutions)
    rates = {}
    for exactly_once, label in ((False, ""), (True, ", exactly once (transactions)")):
        out = f"{t.prefix}{'rawtx' if exactly_once else 'raw'}-out"
        await ensure_topics(bootstrap, [out], 1)
        task = asyncio.create_task(passthrough(bootstrap, t.resolutions, out, n, exactly_once))
        count, span = await output_span(bootstrap, out, n, within=300)
        await task
        rates[exactly_once] = (count - 1) / span if span else float("nan")
        print(f"raw aiokafka pass-through{label}: {count} msgs, {rates[exactly_once]:,.0f} msg/s")
    raw_rate, tx_rate = rates[False], rates[True]
    # The ceiling of service/raw with free processing: the service's records, written as
    # the service writes them (whole batches, one transaction per poll).
    out, state = f"{t.prefix}rawstate-out", f"{t.prefix}rawstate-state"
    await ensure_topics(bootstrap, [out], 1)
    await ensure_topics(bootstrap, [state], 1, configs={"cleanup.policy": "compact"})
    task = asyncio.create_task(passthrough(bootstrap, t.resolutions, out, n, True, state))
    count, span = await output_span(bootstrap, out, n, within=300)
    await task
    state_rate = (count - 1) / span if span else float("nan")
    print(f"raw aiokafka pass-through, exactly once, writing what the service writes "
          f"(1 event + 2 compacted state records per input, no processing): "
          f"{state_rate:,.0f} msg/s: these writes alone would allow service/raw = "
          f"{state_rate / raw_rate:.2f}; the rest of the gap is processing")  # fmt: skip

    faust_rate = await naive_faust(bootstrap, t.resolutions, f"{t.prefix}faust-out", n, workdir)
    print(f"naive faust relay (await topic.send per message): {faust_rate:,.0f} msg/s")

    worker = WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000").start()
    try:
        await wait_ready(worker)
        if os.environ.get("BENCH_PROFILE"):  # py-spy the worker while it works the backlog
            assert worker.proc is not None
            pid, out = str(worker.proc.pid), os.environ["BENCH_PROFILE"]
            await asyncio.create_subprocess_exec(
                "py-spy", "record", "-o", out, "-d", "8", "-r", "200", "-f", "speedscope", "-p", pid
            )
        count, span = await output_span(bootstrap, t.schedules, n, within=600)
        svc_rate = (count - 1) / span if span else float("nan")
        print(f"service (worker, 1 partition): {count} schedule events, {svc_rate:,.0f} ev/s")
        lat = await latency(bootstrap, ns, rate, seconds, past_dates)
    finally:
        worker.stop()
    lat.sort()
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print(f"latency at {rate}/s for {seconds:.0f}s: {len(lat)} events, "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat[-1]:.1f} ms")  # fmt: skip
    print(f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms at {rate}/s (goal p99 <= 25 ms)")
    if scale > 1:
        scaled = await scale_out(bootstrap, values, workdir, scale)
        print(f"service, {scale} partitions x {scale} workers on this machine: {scaled:,.0f} "
              f"ev/s ({scaled / svc_rate:.2f}x one worker)")  # fmt: skip
    print(f"service / exactly-once pass-through = {svc_rate / tx_rate:.3f}: what validating, "
          "scheduling and keeping state cost beyond the guarantee")  # fmt: skip
    print(f"bench: service/raw = {svc_rate / raw_rate:.3f} (service {svc_rate:,.0f} ev/s, "
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
        asyncio.run(
            run(bootstrap, args.n, args.rate, args.seconds, logs, args.past_dates, args.scale)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
