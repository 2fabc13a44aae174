"""Fault scenarios on real Kafka: kill -9, broker loss, rebalances, hostile input.

Each scenario feeds resolutions (valid ones, with some bad ones among them) to real
`corpactions worker` processes and strikes only when it sees the victim busy: ready, with
transactions of its own committed, new committed outputs since the previous fault, and
input still flowing (the producer holds back the rest of the stream until the victim is
ready, so a slow start cannot make a fault miss). Record and payment dates lie in the
future of the workers' injected clock (CORPACTIONS_CLOCK_FILE), which moves on at each
fault and past every date at the end, so timers are pending across every fault and fire
on whichever worker then owns the partition.

Among the inputs, later versions cross the faults: replacements (REPL) and cancellations
and withdrawals (CANC, WITH) of pending dividends, and REPLs of dividends already paid,
which must be dead-lettered (tests/faults/inputs.py, `with_later_versions`). Each clock
step before a fault makes payment dates fall due as it strikes.

kill -9 strikes inside a transaction: the victim, once busy, is watched until a
transaction of its own is open (an output or changelog partition whose last stable
offset is behind its high watermark), then frozen (SIGSTOP), seen still open, and
killed; the time from seeing it open to the kill is printed, and a kill that cannot be
made inside a transaction is a miss, which fails the scenario.

After each scenario the workers stop and the outputs are read (``read_committed``) to
their end offsets; every record must match one expected output, exactly once. The
expected schedules are printed by `corpactions schedule --jsonl` run as a separate
process over every version; the ISO 20022 notifications of a sample of new and
cancelled dividends are compared byte for byte with `corpactions schedule --format
seev031`, also separate processes, and every other one must name its event. Every bad
payload must be dead-lettered once, with its reason, key and bytes. The same code runs
short in ``make test`` (tests/faults/test_faults.py) and long in ``make faults``
(tests/faults/run.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from tests.faults.inputs import (
    CLOCK_END,
    CLOCK_START,
    DATE_TYPES,
    SEEV031,
    SEEV039,
    Message,
    arrival,
    clock_steps,
    generated_messages,
    hostile_messages,
    interleave,
    letter_problems,
    valid_messages,
    with_later_versions,
)
from tests.support.kafka import Namespace, Record, WorkerProcess

FAST_GROUP = {  # group membership fast enough for many crashes in a short test
    "CORPACTIONS_SESSION_TIMEOUT_S": "6",
    "CORPACTIONS_HEARTBEAT_INTERVAL_S": "1",
    "CORPACTIONS_REBALANCE_TIMEOUT_S": "15",
}
BUSY_TIMEOUT_S = 240.0  # generous: a fault that finds no busy victim by then is a miss
DRAIN_TIMEOUT_S = 300.0
# At the end, with the survivors ready, this long without a new output ends the wait:
# whatever is missing then is lost (a healthy worker commits within a second or two).
STALL_S = 45.0


# -- observing a worker from outside -------------------------------------------------------


@dataclass
class Metrics:
    ready: bool = False
    transactions: int = 0
    aborted: int = 0
    emitted: dict[str, int] = field(default_factory=dict)
    timer_backlog: int = 0

    @property
    def dates_emitted(self) -> int:
        return sum(self.emitted.get(t, 0) for t in DATE_TYPES)


async def scrape(worker: WorkerProcess) -> Metrics | None:
    """The worker's /metrics (None while it does not answer)."""
    text = await _get_ok(worker, "/metrics")
    if text is None:
        return None
    m = Metrics()
    readiness: list[bool] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        name = sample.partition("{")[0]  # each agent's series carries agent="..."
        number = float(value)
        if name == "corpactions_ready":
            readiness.append(number == 1)
        elif name == "corpactions_transactions_total":
            m.transactions += int(number)
        elif name == "corpactions_transactions_aborted_total":
            m.aborted += int(number)
        elif name == "corpactions_timer_backlog":
            m.timer_backlog += int(number)
        elif name == "corpactions_events_emitted_total":
            kind = sample.split('type="', 1)[1].split('"', 1)[0]
            m.emitted[kind] = m.emitted.get(kind, 0) + int(number)
    m.ready = bool(readiness) and all(readiness)  # every agent the worker runs
    return m


async def ready_partitions(worker: WorkerProcess) -> list[int] | None:
    """The partitions a ready worker holds (None while it is not ready or not answering)."""
    text = await _get_ok(worker, "/ready/")
    if text is None:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return list(body.get("partitions", []))


async def _get_ok(worker: WorkerProcess, path: str) -> str | None:
    """The body of the worker's answer to GET ``path``; None unless it answered 200."""
    url = f"http://127.0.0.1:{worker.env['CORPACTIONS_WEB_PORT']}{path}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session,
            session.get(url) as resp,
        ):
            if resp.status != 200:
                return None
            return await resp.text()
    except (aiohttp.ClientError, TimeoutError, OSError):
        return None


class ClockFile:
    """The workers' injected "now" (CORPACTIONS_CLOCK_FILE), replaced atomically."""

    def __init__(self, path: Path, start: dt.datetime = CLOCK_START) -> None:
        self.path = path
        self.now = start
        self.set(start)

    def set(self, when: dt.datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(when.isoformat())
        os.replace(tmp, self.path)
        self.now = when


class OutputReader:
    """Reads every output topic (``read_committed``) from the beginning, in the
    background while the scenario runs (its count is the committed-output progress the
    faults wait for), and at the end to the topics' end offsets."""

    def __init__(self, bootstrap: str, topics: Sequence[str]) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.records: list[Record] = []
        self._task: asyncio.Task[None] | None = None
        self.consumer: AIOKafkaConsumer | None = None
        self.tps: list[TopicPartition] = []

    @property
    def count(self) -> int:
        return len(self.records)

    async def start(self) -> None:
        self.consumer = c = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await c.start()
        for topic in self.topics:
            parts = c.partitions_for_topic(topic)
            if not parts:
                await c._client.force_metadata_update()
                parts = c.partitions_for_topic(topic) or set()
            assert parts, f"no partitions for {topic}"
            self.tps += [TopicPartition(topic, p) for p in sorted(parts)]
        c.assign(self.tps)
        await c.seek_to_beginning(*self.tps)
        self._task = asyncio.create_task(self._loop())

    async def _read_once(self) -> None:
        assert self.consumer is not None
        batch = await self.consumer.getmany(timeout_ms=200)
        for tp, records in batch.items():
            for r in records:
                self.records.append(
                    Record(
                        tp.topic,
                        tp.partition,
                        r.offset,
                        r.key,
                        bytes(r.value or b""),
                        {k: bytes(v) for k, v in r.headers},
                    )
                )

    async def _loop(self) -> None:
        while True:
            try:
                await self._read_once()
            except KafkaError:  # a busy or lost broker: the position is kept, read on
                await asyncio.sleep(0.5)

    async def wait_for(self, n: int, within: float, stall: float | None = None) -> bool:
        """Until ``n`` records are read; False after ``within`` seconds, or after ``stall``
        seconds without a new record (what is missing then is counted as lost)."""
        deadline = time.monotonic() + within
        last, moved = self.count, time.monotonic()
        while self.count < n and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            if self.count != last:
                last, moved = self.count, time.monotonic()
            elif stall is not None and time.monotonic() - moved > stall:
                break
        return self.count >= n

    async def finish(self, within: float = 120.0) -> dict[TopicPartition, int]:
        """Read on to the end offsets (the last stable offsets: call once no transaction
        is open); returns them."""
        assert self.consumer is not None
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        c = self.consumer
        ends: dict[TopicPartition, int] = await c.end_offsets(self.tps)
        deadline = time.monotonic() + within
        while True:
            positions = [await c.position(tp) for tp in self.tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, self.tps, strict=True)):
                break
            if time.monotonic() > deadline:
                raise AssertionError("outputs could not be read to their end offsets")
            try:
                await self._read_once()
            except KafkaError:
                await asyncio.sleep(0.5)
        return ends

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, KafkaError):
                await self._task
        if self.consumer is not None:
            await stop_consumer(self.consumer)


async def stop_consumer(consumer: AIOKafkaConsumer) -> None:
    """``consumer.stop()``, whatever its fetches were doing.

    aiokafka 0.14's ``Fetcher.close`` cancels its in-flight fetch tasks and awaits them
    unguarded, so one sleeping in its retry backoff (after a request timed out on a busy
    broker) re-raises that cancellation out of ``stop()``: that is not ours to propagate,
    unless this task itself is being cancelled."""
    try:
        await consumer.stop()
    except KafkaError:
        pass
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def open_transactions(bootstrap: str, topics: Sequence[str]) -> list[str]:
    """Partitions whose last stable offset is behind their high watermark: a transaction
    holding records there is open (or its markers are being written)."""
    for attempt in range(5):
        try:
            return await _open_transactions(bootstrap, topics)
        except KafkaError:
            if attempt == 4:
                raise
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` (metadata fetched for them: a fresh client has none)."""
    await consumer._client.force_metadata_update()
    tps = []
    for topic in topics:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            await consumer._client._metadata_update(consumer._client.cluster, [topic])
            parts = consumer.partitions_for_topic(topic)
        if not parts:
            raise AssertionError(f"no metadata for {topic}")
        tps += [TopicPartition(topic, p) for p in sorted(parts)]
    return tps


async def kill_in_transaction(
    bootstrap: str, worker: WorkerProcess, topics: Sequence[str], within: float
) -> tuple[float | None, str]:
    """SIGKILL ``worker`` while a transaction of its own is open on ``topics``.

    Freeze it (SIGSTOP: it can neither commit nor abort now) on seeing a transaction open
    (a partition's last stable offset behind its high watermark read just before), or
    every third look even without (a busy worker's transactions last milliseconds, often
    less than one look), let requests already sent land (0.3 s: an EndTxn in flight
    completes at the broker), and read again: a transaction still open now is held by
    the frozen worker, so SIGKILL; none, let it go on (SIGCONT) and look again. Returns
    the seconds from first seeing the transaction open to the kill and how it went, or
    (None, why) when no kill inside a transaction was made within ``within`` seconds."""
    assert worker.proc is not None
    pid = worker.proc.pid
    rc = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    ru = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_uncommitted")
    await rc.start()
    await ru.start()
    t0, looks, freezes, seen_open = time.monotonic(), 0, 0, 0
    rng = random.Random(pid)
    try:
        tps = await _partitions(rc, topics)
        while time.monotonic() - t0 < within and worker.proc.poll() is None:
            hw = await ru.end_offsets(tps)
            lso = await rc.end_offsets(tps)
            looks += 1
            seen: float | None = None
            if any(lso[tp] < hw[tp] for tp in tps):
                seen, seen_open = time.monotonic(), seen_open + 1
            elif looks % 3:
                continue
            os.killpg(pid, signal.SIGSTOP)
            freezes += 1
            await asyncio.sleep(0.3)
            hw2, lso2 = await ru.end_offsets(tps), await rc.end_offsets(tps)
            if any(lso2[tp] < hw2[tp] for tp in tps):
                seen = seen or time.monotonic()
                os.killpg(pid, signal.SIGKILL)
                killed = time.monotonic()
                worker.kill()  # reaps it
                how = "after seeing it open" if seen_open and seen < killed - 0.05 else "blind"
                return killed - seen, (
                    f"frozen (SIGSTOP) {how}, seen open while frozen, killed; freeze "
                    f"{freezes} of {looks} looks"
                )
            os.killpg(pid, signal.SIGCONT)
            await asyncio.sleep(rng.uniform(0, 0.05))
    except KafkaError as exc:
        return None, f"watching for an open transaction failed: {exc!r}"
    finally:
        if worker.proc is not None and worker.proc.poll() is None:
            os.killpg(pid, signal.SIGCONT)
        await rc.stop()
        await ru.stop()
    return None, (
        f"no kill inside a transaction in {within:.0f}s ({looks} looks, {seen_open} saw one "
        f"open, {freezes} freezes found none open)"
    )


async def _open_transactions(bootstrap: str, topics: Sequence[str]) -> list[str]:
    rc = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    ru = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_uncommitted")
    await rc.start()
    await ru.start()
    try:
        tps = await _partitions(rc, topics)
        lso = await rc.end_offsets(tps)
        hw = await ru.end_offsets(tps)
    finally:
        await rc.stop()
        await ru.stop()
    return [f"{tp.topic.rsplit('.', 2)[-2]}[{tp.partition}]" for tp in tps if lso[tp] < hw[tp]]


# -- faults --------------------------------------------------------------------------------


@dataclass
class Hit:
    """One fault and what its victim was doing when it struck."""

    what: str
    victim: str
    ready: bool = False
    transactions: int = 0  # the victim's own committed transactions (its /metrics)
    emitted: int = 0  # events it had emitted
    dates_emitted: int = 0  # of which record/payment dates
    outputs_before: int = 0  # committed outputs (all workers) at the previous fault
    outputs_at: int = 0  # ... and at this one
    stream_running: bool = False  # input still being produced
    open_txn: list[str] = field(default_factory=list)  # partitions with a transaction open
    clock: str = ""
    note: str = ""
    # kill -9 of a worker: it must strike inside one of its transactions
    txn_required: bool = False
    seen_to_kill_s: float | None = None  # from seeing the transaction open to the kill
    payments_due: int = 0  # payment dates falling due at the clock step before it

    @property
    def busy(self) -> bool:
        return (
            self.ready
            and self.transactions > 0
            and self.emitted > 0
            and self.outputs_at > self.outputs_before
            and self.stream_running
            and (not self.txn_required or (bool(self.open_txn) and self.seen_to_kill_s is not None))
        )

    def line(self) -> str:
        txn = f"open transaction in {','.join(self.open_txn)}" if self.open_txn else "no open txn"
        if self.txn_required:
            txn += (
                f", killed {self.seen_to_kill_s:.3f}s after seeing it open"
                if self.seen_to_kill_s is not None
                else ", never killed inside a transaction"
            )
        return (
            f"{self.what} -> {self.victim}: {'BUSY' if self.busy else 'MISSED'} "
            f"(had committed {self.transactions} txns, {self.emitted} events incl. "
            f"{self.dates_emitted} dates; outputs {self.outputs_before}->{self.outputs_at}; "
            f"{txn}; clock {self.clock}, {self.payments_due} payment dates due at its step"
            f"{'; ' + self.note if self.note else ''})"
        )


@dataclass
class Report:
    scenario: str
    expected: int = 0  # valid resolutions
    outputs: int = 0  # records read
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    wrong: int = 0  # outputs or letters whose content is not what the input must give
    bad_total: int = 0
    dead_lettered: int = 0
    fired_after_last_fault: int = 0  # date events due only after the last clock step
    fired_by_survivors: int = 0  # ... as counted by the workers alive then (their /metrics)
    faults: list[Hit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def missed(self) -> int:
        return sum(1 for h in self.faults if not h.busy)

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.unexpected == 0
            and self.wrong == 0
            and self.dead_lettered == self.bad_total
            and self.missed == 0
            and all(h.payments_due > 0 for h in self.faults)
            and self.fired_by_survivors == self.fired_after_last_fault
            and not self.problems
        )

    def line(self) -> str:
        return (
            f"{self.scenario}: lost={self.lost} duplicated={self.duplicated} "
            f"unexpected={self.unexpected} wrong={self.wrong} "
            f"dead_lettered={self.dead_lettered}/{self.bad_total} "
            f"faults_busy={len(self.faults) - self.missed}/{len(self.faults)} "
            f"({self.expected} valid -> {self.outputs} outputs read; dates fired after the "
            f"last fault {self.fired_after_last_fault}, by the survivors "
            f"{self.fired_by_survivors}; {self.seconds:.0f}s"
            + ("; " + "; ".join(self.notes) if self.notes else "")
            + ")"
        )

    def details(self) -> str:
        lines = [self.line()] + [f"  fault {h.line()}" for h in self.faults]
        lines += [f"  problem: {p}" for p in self.problems[:20]]
        return "\n".join(lines)


class Scenario:
    """The moving parts of one scenario: topics, clock, reader, producer, faults."""

    def __init__(
        self, name: str, ns: Namespace, workdir: Path, messages: Sequence[Message]
    ) -> None:
        self.name = name
        self.ns = ns
        self.workdir = workdir
        self.messages = list(messages)
        self.clock = ClockFile(workdir / f"clock-{ns.token}")
        t = ns.topics
        self.outputs = [
            t.schedules,
            t.record_dates,
            t.payment_dates,
            t.notifications,
            t.dead_letters,
        ]
        self.changelog = f"{t.prefix}{ns.app_id}.state-changelog.v2"
        # the notifier agent runs in each worker (CORPACTIONS_AGENTS' default): its
        # documents are among the outputs checked, its changelog among the transactions'
        self.notifier_changelog = f"{t.prefix}{ns.app_id}-notifier.state-changelog.v2"
        self.written = [*self.outputs, self.changelog, self.notifier_changelog]
        self.reader = OutputReader(ns.bootstrap, self.outputs)
        self.report = Report(name)
        self.placed: list[tuple[Message, int, int]] = []
        self.gates: list[tuple[int, asyncio.Event]] = []
        self.producing: asyncio.Task[None] | None = None
        self.mark = 0  # committed outputs at the previous fault
        self.t0 = time.monotonic()
        self.workers: list[WorkerProcess] = []
        self.timeline: list[str] = []
        self.expect = expectations(self.messages)
        self.window_payments = 0  # payment dates due at the last clock step
        # what `corpactions schedule` prints, as separate processes, from the start (they
        # take seconds on a busy machine)
        self.printed: Printed | None = None
        self._cli_task: asyncio.Task[Printed] | None = asyncio.create_task(
            asyncio.to_thread(print_expected, self.expect)
        )

    def lap(self, what: str) -> None:
        self.timeline.append(f"[{time.monotonic() - self.t0:.0f}s {what}]")

    def spawn(self, **env: str) -> WorkerProcess:
        w = WorkerProcess(
            self.ns, self.workdir, CORPACTIONS_CLOCK_FILE=str(self.clock.path), **env
        ).start()
        self.workers.append(w)
        return w

    def gate_stream(self, faults: int) -> list[asyncio.Event]:
        """Hold the stream at (j+1)/(faults+1) of its length until fault j's victim is
        ready: a victim that starts slowly still finds input flowing."""
        n = len(self.messages)
        events = []
        for j in range(faults):
            ev = asyncio.Event()
            self.gates.append(((j + 1) * n // (faults + 1), ev))
            events.append(ev)
        return events

    def start_producing(self, rate: float | None) -> None:
        self.producing = asyncio.create_task(self._produce(rate))

    @property
    def stream_running(self) -> bool:
        return self.producing is not None and not self.producing.done()

    async def _produce(self, rate: float | None) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.ns.bootstrap,
            acks="all",
            linger_ms=5,
            enable_idempotence=True,
            max_request_size=2 * 1024 * 1024,
            request_timeout_ms=60_000,
        )
        await producer.start()
        futures = []
        try:
            start = time.monotonic()
            gates = sorted(self.gates, key=lambda g: g[0])
            for sent, m in enumerate(self.messages):
                while gates and sent >= gates[0][0]:
                    held = time.monotonic()
                    await gates.pop(0)[1].wait()
                    start += time.monotonic() - held  # no burst to catch up after a hold
                if rate:
                    delay = start + sent / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                futures.append(
                    (m, await producer.send(self.ns.topics.resolutions, m.value, key=m.key))
                )
            for m, fut in futures:
                meta = await fut
                self.placed.append((m, meta.partition, meta.offset))
        finally:
            await producer.stop()

    def step_clock(self, j: int, faults: int) -> None:
        """Before fault j: move "now" a step through the dates, so some timers fall due
        (payment dates among them, which fire while the fault strikes) and the rest stay
        pending."""
        before, after = self.clock.now, clock_steps(faults)[j]
        self.window_payments = sum(
            1
            for e in self.expect.values()
            if not e.cancelled and before < arrival(e.payment_date, DATE_TYPES[1]) <= after
        )
        self.clock.set(after)

    async def until_busy(
        self, victim: WorkerProcess, what: str, extra: Callable[[], Awaitable[bool]] | None = None
    ) -> Hit:
        """Wait until ``victim`` is busy (see `Hit.busy`), then return the hit to record;
        the caller strikes at once."""
        hit = Hit(what, Path(victim.log_path).name, outputs_before=self.mark)
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            m = await scrape(victim)
            if m is not None:
                hit.ready, hit.transactions = m.ready, m.transactions
                hit.emitted, hit.dates_emitted = sum(m.emitted.values()), m.dates_emitted
            hit.outputs_at = self.reader.count
            hit.stream_running = self.stream_running
            if hit.busy and (extra is None or await extra()):
                break
            if time.monotonic() > deadline or (victim.proc and victim.proc.poll() is not None):
                hit.note = "gave up waiting for a busy victim"
                break
            await asyncio.sleep(0.1)
        hit.clock = self.clock.now.date().isoformat()
        hit.payments_due = self.window_payments
        self.mark = hit.outputs_at
        return hit

    async def wait_ready(self, worker: WorkerProcess, within: float = BUSY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            m = await scrape(worker)
            if m is not None and m.ready:
                return
            if worker.proc is not None and worker.proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        raise AssertionError(
            f"worker {worker.log_path.name} never became ready:\n" + worker.log()[-3000:]
        )

    async def finish(self, survivors: Sequence[WorkerProcess]) -> Report:
        """After the faults: the whole stream in, the clock past every date, every output
        committed; then stop the workers and check everything read to the end."""
        assert self.producing is not None
        await self.producing
        self.lap("stream produced")
        for w in survivors:
            await self.wait_ready(w)
        # everything due by the last clock step committed; only then the survivors' counts
        last_step = self.clock.now
        bad = sum(1 for m, _, _ in self.placed if m.event_id is None)
        by_step = sum(e.outputs(last_step) for e in self.expect.values())
        await self.reader.wait_for(by_step + bad, DRAIN_TIMEOUT_S, STALL_S)
        self.lap("all due by the last step read")
        before = {id(w): await scrape(w) for w in survivors}
        self.clock.set(CLOCK_END)
        every = sum(e.outputs(None) for e in self.expect.values())
        await self.reader.wait_for(every + bad, DRAIN_TIMEOUT_S, STALL_S)
        self.lap("all dates read")
        after = {id(w): await scrape(w) for w in survivors}
        fired = 0
        for w in survivors:
            b, a = before[id(w)], after[id(w)]
            if a is None or b is None:
                self.report.problems.append(f"{w.log_path.name}: /metrics unreachable")
                continue
            fired += a.dates_emitted - b.dates_emitted
        self.report.fired_by_survivors = fired
        for w in self.workers:
            w.stop()
        self.lap("workers stopped")
        await self._settle_transactions()
        await self.reader.finish()
        self.lap("read to the end")
        if self._cli_task is not None:
            self.printed = await self._cli_task
        self.check(last_step)
        self.lap("checked")
        self.report.notes.append(" ".join(self.timeline))
        self.report.seconds = time.monotonic() - self.t0
        return self.report

    async def _settle_transactions(self) -> None:
        deadline = time.monotonic() + 120
        while True:
            still = await open_transactions(self.ns.bootstrap, self.outputs)
            if not still:
                return
            if time.monotonic() > deadline:
                self.report.problems.append(f"transactions left open after stop: {still}")
                return
            await asyncio.sleep(1)

    def check(self, last_step: dt.datetime) -> None:
        """Every record read against what the inputs must give (module docstring)."""
        r, t = self.report, self.ns.topics
        expect = self.expect
        printed = self.printed
        assert printed is not None
        bad: dict[tuple[Any, Any], Message] = {
            (p, o): m for m, p, o in self.placed if m.event_id is None
        }
        r.expected, r.bad_total, r.outputs = len(expect), len(bad), self.reader.count
        seen: Counter[tuple[str, str]] = Counter()
        ce_ids: Counter[bytes] = Counter()
        letters: Counter[tuple[Any, Any]] = Counter()
        r.problems += printed.problems
        topic_of = {
            "DividendScheduled": t.schedules,
            "DividendScheduleReplaced": t.schedules,
            "DividendCancelled": t.schedules,
            "RecordDateReached": t.record_dates,
            "PaymentDateReached": t.payment_dates,
        }
        for rec in self.reader.records:
            ce_ids[rec.headers.get("ce_id", b"")] += 1
            if rec.topic == t.notifications:
                key = (
                    rec.headers.get("ce_subject", b"").decode(),
                    rec.headers.get("ce_type", b"").decode(),
                )
                e = expect.get(key[0])
                if e is None or not e.counts[key[1]]:
                    r.unexpected += 1
                    r.problems.append(f"unexpected notification {key}")
                    continue
                seen[key] += 1
                problems = _notification_problems(e, key[1], seen[key], rec.value, printed)
                if problems:
                    r.wrong += 1
                    r.problems.append(f"{key}: {problems}")
                continue
            try:
                event = rec.json()
            except ValueError:
                r.unexpected += 1
                r.problems.append(
                    f"undecodable output at {rec.topic}[{rec.partition}]@{rec.offset}"
                )
                continue
            if rec.topic == t.dead_letters:
                pos = (event.get("source_partition"), event.get("source_offset"))
                letters[pos] += 1
                letter_of = bad.get(pos)
                if letter_of is None:
                    r.unexpected += 1
                    r.problems.append(
                        f"dead letter for {pos}, which is no bad input: "
                        f"{event.get('reason', {}).get('code')}"
                    )
                    continue
                if letters[pos] == 1:
                    problems = letter_problems(letter_of, event, t.resolutions)
                    if problems:
                        r.wrong += 1
                        r.problems.append(f"{letter_of.kind} at {pos}: {'; '.join(problems)}")
                continue
            key = (event.get("event_id"), event.get("type"))
            e = expect.get(key[0])
            if e is None or not e.counts[key[1]] or topic_of[key[1]] != rec.topic:
                r.unexpected += 1
                r.problems.append(f"unexpected {key} on {rec.topic}")
                continue
            seen[key] += 1
            if seen[key] > 1:
                continue
            problems = _output_problems(e, event, rec, printed, last_step)
            if problems:
                r.wrong += 1
                r.problems.append(f"{key}: {'; '.join(problems)}")
        for event_id, e in expect.items():
            for kind, wanted in e.counts.items():
                n = seen[(event_id, kind)]
                if n < wanted:
                    r.lost += wanted - n
                    if r.lost <= 5:
                        r.problems.append(f"lost {kind} of {event_id} ({e.story})")
                elif n > wanted:
                    r.duplicated += n - wanted
                    r.problems.append(f"{kind} of {event_id} read {n} times ({e.story})")
        r.duplicated += sum(n - 1 for pos, n in letters.items() if n > 1 and pos in bad)
        r.dead_lettered = sum(1 for pos in bad if letters[pos] == 1)
        missing = [bad[pos].kind for pos in bad if letters[pos] == 0]
        if missing:
            r.problems.append(f"not dead-lettered: {Counter(missing).most_common(5)}")
        dup_ids = sum(n - 1 for n in ce_ids.values() if n > 1)
        if dup_ids and not r.duplicated:
            r.duplicated += dup_ids
        r.fired_after_last_fault = sum(
            e.outputs(None) - e.outputs(last_step) for e in expect.values()
        )
        versions = Counter(e.story for e in expect.values())
        r.notes.append(
            "inputs: "
            + ", ".join(f"{n} {story}" for story, n in sorted(versions.items()))
            + f"; {sum(1 for m in bad.values() if m.kind == 'repl_after_payment')} REPL of a "
            f"paid dividend; checked by `corpactions schedule` processes: {printed.summary}"
        )

    async def close(self) -> None:
        for w in self.workers:
            w.stop()
        await self.reader.close()
        if self._cli_task is not None and not self._cli_task.done():
            self._cli_task.cancel()


# -- what each event must give, and what `corpactions schedule` prints for it ---------------


@dataclass
class Expect:
    """An event's versions in the stream and the outputs they must give."""

    first: Message
    last: Message  # the version that stands (a REPL, CANC or WITH, else the first)

    @property
    def cancelled(self) -> bool:
        return self.last.function in {"CANC", "WITH"}

    @property
    def replaced(self) -> bool:
        return self.last.function == "REPL"

    @property
    def story(self) -> str:
        return {"NEWM": "new", "REPL": "replaced", "CANC": "cancelled", "WITH": "withdrawn"}[
            self.last.function
        ]

    @property
    def record_date(self) -> dt.date:
        assert self.last.record_date is not None
        return self.last.record_date

    @property
    def payment_date(self) -> dt.date:
        assert self.last.payment_date is not None
        return self.last.payment_date

    @property
    def counts(self) -> Counter[str]:
        c: Counter[str] = Counter({"DividendScheduled": 1, SEEV031: 1})
        if self.replaced:
            c.update({"DividendScheduleReplaced": 1, SEEV031: 1})
        if self.cancelled:
            c.update({"DividendCancelled": 1, SEEV039: 1})
        else:
            c.update({"RecordDateReached": 1, "PaymentDateReached": 1})
        return c

    def outputs(self, by: dt.datetime | None) -> int:
        """How many outputs it gives once "now" is ``by`` (None: past every date)."""
        n = sum(self.counts.values())
        if self.cancelled or by is None:
            return n
        due = (arrival(self.record_date, DATE_TYPES[0]), arrival(self.payment_date, DATE_TYPES[1]))
        return n - sum(1 for d in due if d > by)


def expectations(messages: Sequence[Message]) -> dict[str, Expect]:
    out: dict[str, Expect] = {}
    for m in messages:
        if m.event_id is None:
            continue
        if m.event_id in out:
            out[m.event_id].last = m
        else:
            out[m.event_id] = Expect(m, m)
    return out


SAMPLE = 6  # notifications compared byte for byte, of new and of cancelled dividends each


@dataclass
class Printed:
    """What `corpactions schedule` printed, each run as its own process."""

    schedules: dict[tuple[str, int], Any]  # (event id, version) -> the schedule
    notifications: dict[tuple[str, int], bytes]  # a sample: (event id, version) -> document
    problems: list[str]
    summary: str


def _corpactions(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=600,
        check=False,
    )


def print_expected(expect: dict[str, Expect]) -> Printed:
    """`corpactions schedule --jsonl -` over every first version and REPL (one process);
    `corpactions schedule --format seev031 -` for a sample of new and cancelled ones (a
    process each: a REPL's notification links to one only the service knows it sent)."""
    versions = [e.first for e in expect.values()] + [e.last for e in expect.values() if e.replaced]
    problems: list[str] = []
    done = _corpactions("schedule", "--jsonl", "-", stdin=b"\n".join(m.value for m in versions))
    schedules: dict[tuple[str, int], Any] = {}
    for line in done.stdout.splitlines():
        row = json.loads(line)
        m = versions[row["line"] - 1]
        if row["ok"]:
            schedules[(m.event_id or "", m.version)] = row["schedule"]
        else:
            problems.append(f"`corpactions schedule` refused {m.event_id} v{m.version}: {row}")
    if done.returncode != 0 or len(schedules) != len(versions):
        problems.append(
            f"`corpactions schedule --jsonl` exit {done.returncode}, "
            f"{len(schedules)}/{len(versions)} schedules: {done.stderr[-500:]!r}"
        )
    news = [e.first for e in expect.values() if not e.cancelled and not e.replaced][:SAMPLE]
    cancels = [e.last for e in expect.values() if e.cancelled][:SAMPLE]
    notifications: dict[tuple[str, int], bytes] = {}
    for m in news + cancels:
        one = _corpactions("schedule", "--format", "seev031", "-", stdin=m.value)
        if one.returncode != 0:
            problems.append(f"`corpactions schedule --format seev031` {m.event_id}: {one.stderr!r}")
        notifications[(m.event_id or "", m.version)] = one.stdout
    summary = (
        f"{len(schedules)} schedules (--jsonl), {len(notifications)} notifications "
        f"({len(news)} new, {len(cancels)} cancelled) byte for byte"
    )
    return Printed(schedules, notifications, problems, summary)


def _notification_problems(
    e: Expect, kind: str, nth: int, value: bytes, printed: Printed
) -> str | None:
    """The nth notification of type ``kind`` for ``e`` against what it must be."""
    version = 2 if (kind == SEEV039 or nth == 2) else 1
    exact = printed.notifications.get((e.first.event_id or "", version))
    if exact is not None:
        return None if value == exact else "differs from `corpactions schedule --format seev031`"
    if (e.first.event_id or "").encode() not in value:
        return "does not name its event"
    return None


def _output_problems(
    e: Expect, event: dict[str, Any], rec: Record, printed: Printed, last_step: dt.datetime
) -> list[str]:
    out = []
    if rec.key != e.first.key:
        out.append(f"key {rec.key!r}, input's {e.first.key!r}")
    if rec.headers.get("ce_id", b"").decode() != event.get("id"):
        out.append("ce_id header differs from the event's id")
    kind = event["type"]
    version = {"DividendScheduled": 1, "DividendCancelled": 2, "DividendScheduleReplaced": 2}.get(
        kind, e.last.version
    )
    if event.get("version") != version:
        out.append(f"version {event.get('version')}, expected {version}")
    if kind == "DividendScheduleReplaced" and event.get("previous_version") != 1:
        out.append(f"previous_version {event.get('previous_version')}")
    if kind == "DividendCancelled" and event.get("function") != e.last.function:
        out.append(f"function {event.get('function')}, input's {e.last.function}")
    # a cancellation carries the last schedule emitted, the first version's
    wanted = printed.schedules.get(
        (e.first.event_id or "", 1 if kind == "DividendCancelled" else version)
    )
    if wanted is None or event.get("schedule") != wanted:
        out.append("schedule differs from `corpactions schedule`")
    emitted = dt.datetime.fromisoformat(event["emitted_at"])
    if kind in DATE_TYPES:
        day = e.record_date if kind == "RecordDateReached" else e.payment_date
        name = "record_date" if kind == "RecordDateReached" else "payment_date"
        if event.get(name) != day.isoformat():
            out.append(f"{name} {event.get(name)}, input's {day}")
        due = dt.datetime.fromisoformat(event["due_at"])
        if due != arrival(day, kind):
            out.append(f"due_at {due}, expected {arrival(day, kind)}")
        if emitted < due:
            out.append(f"fired at {emitted}, before it was due ({due})")
        if due > last_step and emitted != CLOCK_END:
            out.append(f"due after the last clock step yet fired at {emitted}")
    return out


async def _with_scenario(
    name: str,
    ns: Namespace,
    workdir: Path,
    messages: Sequence[Message],
    body: Callable[[Scenario], Awaitable[list[WorkerProcess]]],
) -> Report:
    sc = Scenario(name, ns, workdir, messages)
    await sc.reader.start()
    try:
        survivors = await body(sc)
        return await sc.finish(survivors)
    finally:
        await sc.close()


def mixed_stream(n: int, tag: str, faults: int = 1) -> list[Message]:
    """``n`` valid resolutions with one bad payload (light kinds) per 20 among them (a
    worker that replays input after a fault dead-letters those twice), and later versions
    of some that cross the ``faults`` (inputs.py, `with_later_versions`)."""
    bad = hostile_messages(max(1, n // 20), heavy=False)
    return with_later_versions(valid_messages(n, tag), bad, faults)


# -- scenarios -------------------------------------------------------------------------------


async def kill9(bootstrap: str, workdir: Path, n: int, kills: int, rate: float) -> Report:
    ns = Namespace(bootstrap, partitions=3)
    await ns.create()

    async def body(sc: Scenario) -> list[WorkerProcess]:
        gates = sc.gate_stream(kills)
        worker = sc.spawn(**FAST_GROUP)
        sc.start_producing(rate)
        for j in range(kills):
            await sc.wait_ready(worker)
            sc.step_clock(j, kills)
            gates[j].set()
            hit = await sc.until_busy(worker, f"kill -9 #{j + 1}")
            hit.txn_required = True
            # busy; now strike inside one of its transactions
            struck = await kill_in_transaction(
                bootstrap, worker, [*sc.outputs, sc.changelog], BUSY_TIMEOUT_S
            )
            worker.kill()  # (when no transaction was seen open: a miss, killed all the same)
            sc.lap(f"kill {j + 1}")
            hit.seen_to_kill_s, hit.note = struck
            await asyncio.sleep(1.0)  # a commit's markers land in ms; an open txn stays
            hit.open_txn = await open_transactions(bootstrap, sc.written)
            sc.report.faults.append(hit)
            worker = sc.spawn(**FAST_GROUP)
        return [worker]

    stream = mixed_stream(n, f"k9{ns.token}", kills)
    report = await _with_scenario("kill-9", ns, workdir, stream, body)
    report.notes.append(f"{kills} kill -9 of a busy worker")
    return report


async def rebalance(bootstrap: str, workdir: Path, n: int, rate: float) -> Report:
    partitions = 4
    ns = Namespace(bootstrap, partitions=partitions)
    await ns.create()

    async def body(sc: Scenario) -> list[WorkerProcess]:
        gates = sc.gate_stream(2)
        a = sc.spawn(**FAST_GROUP)
        b = sc.spawn(**FAST_GROUP)
        sc.start_producing(rate)
        await sc.wait_ready(a)
        await sc.wait_ready(b)
        sc.step_clock(0, 2)
        gates[0].set()

        async def both_hold() -> bool:
            pa, pb = await ready_partitions(a), await ready_partitions(b)
            return bool(pa) and bool(pb)

        hit = await sc.until_busy(b, "two -> one: b leaves (SIGTERM)", both_hold)
        hit.open_txn = await open_transactions(bootstrap, sc.written)
        b.stop()
        sc.report.faults.append(hit)

        async def a_holds_all() -> bool:
            return len(await ready_partitions(a) or []) == partitions

        # a must have taken b's partitions over and committed since, before c joins
        sc.step_clock(1, 2)
        gates[1].set()
        hit = await sc.until_busy(a, "one -> two: c joins, takes partitions from a", a_holds_all)
        hit.open_txn = await open_transactions(bootstrap, sc.written)
        c = sc.spawn(**FAST_GROUP)
        sc.report.faults.append(hit)
        await sc.wait_ready(c)
        return [a, c]

    stream = mixed_stream(n, f"rb{ns.token}", 2)
    report = await _with_scenario("rebalance", ns, workdir, stream, body)
    report.notes.append("two workers -> one -> two, each hand-over from a busy worker")
    return report


async def hostile(
    bootstrap: str, workdir: Path, n_bad: int, n_valid: int, n_generated: int
) -> Report:
    ns = Namespace(bootstrap, partitions=3)
    await ns.create()
    messages = interleave(
        valid_messages(n_valid, f"h{ns.token}"),
        hostile_messages(n_bad),
        generated_messages(n_generated),
    )
    alive = True
    rss: list[float] = []

    async def body(sc: Scenario) -> list[WorkerProcess]:
        nonlocal alive
        worker = sc.spawn()
        await sc.wait_ready(worker)
        rss.append(rss_mb(worker))
        sc.start_producing(None)
        assert sc.producing is not None
        await sc.producing
        # one output per input now (schedule or dead letter); the dates after the clock moves
        await sc.reader.wait_for(len(messages), DRAIN_TIMEOUT_S, STALL_S)
        alive = worker.proc is not None and worker.proc.poll() is None
        rss.append(rss_mb(worker) if alive else float("nan"))
        return [worker]

    report = await _with_scenario("hostile", ns, workdir, messages, body)
    kinds = Counter(m.kind.split(":")[0] for m in messages if m.event_id is None)
    report.notes.append(
        f"{len(kinds)} kinds ({n_generated} generated); worker alive={alive}, "
        f"RSS {rss[0]:.0f} -> {rss[-1]:.0f} MB"
    )
    if not alive:
        report.problems.append("the worker died")
    return report


def rss_mb(worker: WorkerProcess) -> float:
    assert worker.proc is not None
    status = Path(f"/proc/{worker.proc.pid}/status").read_text()
    kb = int(status.split("VmRSS:")[1].split()[0])
    return kb / 1024


async def _broker_roles(bootstrap: str, input_topic: str, txn_ids: Sequence[str]) -> Any:
    """From metadata: the leader of each input partition, and the transaction
    coordinator of each transactional id (node ids)."""
    from aiokafka.client import AIOKafkaClient, CoordinationType

    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        await client.force_metadata_update()
        leaders = {
            p: client.cluster.leader_for_partition(TopicPartition(input_topic, p))
            for p in sorted(client.cluster.partitions_for_topic(input_topic) or ())
        }
        coordinators = {}
        for tid in txn_ids:
            coordinators[tid] = await client.coordinator_lookup(CoordinationType.TRANSACTION, tid)
    finally:
        await client.close()
    return leaders, coordinators


async def broker_loss(
    workdir: Path, n: int, rate: float, strikes: Sequence[str] = ("coordinator", "leader")
) -> Report:
    """A 3-node cluster loses, while the worker is busy, the transaction coordinator of
    partition 0's producer, and (after it is back) the leader of an input partition."""
    from corpactions.broker.local import KafkaDistribution, LocalKafkaCluster

    cluster = LocalKafkaCluster(KafkaDistribution.ensure(), workdir / "cluster", size=3)
    await asyncio.to_thread(cluster.start)
    try:
        bootstrap = cluster.bootstrap_servers
        ns = Namespace(bootstrap, partitions=3, replication=3)
        await ns.create()
        t = ns.topics
        # the engine's transactional.id per input partition (stream/engine.py)
        txn_ids = [f"{ns.app_id}-{t.resolutions}-{p}" for p in range(ns.partitions)]

        async def body(sc: Scenario) -> list[WorkerProcess]:
            gates = sc.gate_stream(len(strikes))
            worker = sc.spawn(CORPACTIONS_REPLICATION_FACTOR="3")
            sc.start_producing(rate)
            for j, role in enumerate(strikes):
                await sc.wait_ready(worker)
                sc.step_clock(j, len(strikes))
                gates[j].set()
                hit = await sc.until_busy(worker, f"broker loss #{j + 1}")
                leaders, coordinators = await _broker_roles(bootstrap, t.resolutions, txn_ids)
                if role == "coordinator":
                    node = coordinators[txn_ids[0]]
                    shared = [p for p, tid in enumerate(txn_ids) if coordinators[tid] == node]
                    what = f"transaction coordinator of partitions {shared}"
                else:
                    p = j % ns.partitions
                    node = leaders[p]
                    led = [q for q, n_ in leaders.items() if n_ == node]
                    what = f"leader of input partitions {led}"
                hit.open_txn = await open_transactions(bootstrap, sc.written)
                cluster.kill(node - 1)
                hit.what = f"kill -9 of broker {node} ({what})"
                sc.report.faults.append(hit)
                # the worker must get on without it before it comes back
                mark = sc.reader.count
                progressed = await sc.reader.wait_for(mark + 1, 90)
                hit.note = (
                    "outputs committed while it was down"
                    if progressed
                    else ("no output committed while it was down (90 s)")
                )
                await asyncio.to_thread(cluster.restart, node - 1)
            return [worker]

        report = await _with_scenario(
            "broker-loss", ns, workdir, mixed_stream(n, f"bl{ns.token}", len(strikes)), body
        )
        report.notes.append("3-node cluster, each broker killed -9 while its role was in use")
        return report
    finally:
        await asyncio.to_thread(cluster.stop)
