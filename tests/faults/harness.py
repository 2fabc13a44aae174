"""Fault scenarios on real Kafka: kill -9, broker loss, rebalances, hostile input.

Each scenario feeds resolutions to real `corpactions worker` processes while something
goes wrong, then reads every output topic with ``read_committed`` and checks, per
resolution, that each expected event appears exactly once, and that every bad payload
is in the dead-letter topic exactly once. The same code runs short in ``make test``
(tests/faults/test_faults.py) and long in ``make faults`` (tests/faults/run.py).

Valid resolutions here have record and payment dates in the past, so with the workers'
real clock each yields three events: DividendScheduled, RecordDateReached and
PaymentDateReached (timers fire in the transaction that scheduled them, or at the next
tick after a crash).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution

EXPECTED_TYPES = ("DividendScheduled", "RecordDateReached", "PaymentDateReached")
FAST_GROUP = {  # group membership fast enough for many crashes in a short test
    "CORPACTIONS_SESSION_TIMEOUT_S": "6",
    "CORPACTIONS_HEARTBEAT_INTERVAL_S": "1",
    "CORPACTIONS_REBALANCE_TIMEOUT_S": "15",
}


@dataclass
class Message:
    key: bytes
    value: bytes
    event_id: str | None  # None: a bad payload that must be dead-lettered
    kind: str = "valid"


@dataclass
class Report:
    scenario: str
    expected: int = 0  # valid resolutions
    lost: int = 0
    duplicated: int = 0
    bad_total: int = 0
    dead_lettered: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.dead_lettered == self.bad_total

    def line(self) -> str:
        return (
            f"{self.scenario}: lost={self.lost} duplicated={self.duplicated} "
            f"dead_lettered={self.dead_lettered}/{self.bad_total} "
            f"({self.expected} valid; {'; '.join(self.notes)})"
        )


def valid_messages(n: int, tag: str, seed: int = 1) -> list[Message]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        record = dt.date(2016, 1, 4) + dt.timedelta(days=rng.randint(0, 3000))
        security = {"local_code": f"{1000 + i % 8000}", "mic": "XTKS"}
        event_id = f"{tag}-E{i}"
        doc = example_resolution(
            message_id=f"{tag}-m{i}",
            event_id=event_id,
            security=security,
            other_listings=[],
            record_date=record.isoformat(),
            payment_date=(record + dt.timedelta(days=60)).isoformat(),
            resolved_on=record.isoformat(),
            fiscal_year_end=dt.date(record.year + (record.month > 3), 3, 31).isoformat(),
            eligible_shares=None,
            declared_total=None,
            forecast_per_share=None,
        )
        key = f"XTKS:{security['local_code']}".encode()
        out.append(Message(key, json.dumps(doc).encode(), event_id))
    return out


def hostile_messages(n: int, seed: int = 2) -> list[Message]:
    """``n`` bad payloads of many kinds; each must be dead-lettered with a reason."""
    rng = random.Random(seed)
    base = example_resolution()

    def doc(**changes: Any) -> bytes:
        d = dict(base)
        d.update(changes)
        return json.dumps(d).encode()

    def missing(name: str) -> bytes:
        d = dict(base)
        d.pop(name)
        return json.dumps(d).encode()

    kinds: list[tuple[str, Any]] = [
        ("invalid_utf8", lambda: b"\xff\xfe\xfa" + bytes(rng.randrange(256) for _ in range(40))),
        ("truncated_json", lambda: doc()[: rng.randint(1, 300)]),
        ("deeply_nested", lambda: b"[" * 100_000 + b"]" * 100_000),
        ("megabyte_string", lambda: doc(issuer={"name": "x" * 900_000})),
        ("float_money", lambda: doc(gross_amount_per_share=13.5)),
        ("nan_money", lambda: doc().replace(b'"13.50"', b"NaN")),
        ("wrong_type", lambda: doc(version="one")),
        ("date_out_of_range", lambda: doc(record_date="1899-12-29")),
        ("impossible_date", lambda: doc(record_date="2016-02-30")),
        ("unknown_mic", lambda: doc(security={"isin": "JP3152820001", "mic": "XQQQ"})),
        ("unknown_currency", lambda: doc(currency="QQQ")),
        ("huge_integer", lambda: doc(eligible_shares=10**40)),
        ("missing_field", lambda: missing("record_date")),
        ("extra_field", lambda: doc(surprise={"a": 1})),
        ("not_an_object", lambda: b"[1, 2, 3]"),
        ("empty", lambda: b""),
    ]
    out = []
    for i in range(n):
        kind, make = kinds[i % len(kinds)]
        out.append(Message(f"bad-{i}".encode(), make(), None, kind))
    return out


def interleave(valid: Sequence[Message], bad: Sequence[Message], seed: int = 3) -> list[Message]:
    merged = list(valid) + list(bad)
    random.Random(seed).shuffle(merged)
    return merged


async def produce_stream(
    bootstrap: str, topic: str, messages: Sequence[Message], rate: float | None
) -> list[tuple[Message, int, int]]:
    """Produce (optionally at ``rate``/s); return (message, partition, offset) of each."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=5,
        enable_idempotence=True,
        max_request_size=2 * 1024 * 1024,
        request_timeout_ms=60_000,
    )
    await producer.start()
    placed: list[tuple[Message, int, int]] = []
    try:
        start = time.monotonic()
        futures = []
        for i, m in enumerate(messages):
            if rate:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            futures.append((m, await producer.send(topic, m.value, key=m.key)))
        for m, fut in futures:
            meta = await fut
            placed.append((m, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return placed


async def check(
    ns: Namespace,
    scenario: str,
    placed: Sequence[tuple[Message, int, int]],
    within: float,
) -> Report:
    """Read every output (read_committed) and count losses, duplicates, dead letters."""
    t = ns.topics
    valid = [m for m, _, _ in placed if m.event_id is not None]
    bad = {(p, o): m for m, p, o in placed if m.event_id is None}
    expected_total = len(valid) * len(EXPECTED_TYPES) + len(bad)
    outs = await consume(
        ns.bootstrap,
        [t.schedules, t.record_dates, t.payment_dates, t.dead_letters],
        expected_total,
        within=within,
        settle=3.0,
    )
    report = Report(scenario, expected=len(valid), bad_total=len(bad))
    seen: Counter[tuple[str, str]] = Counter()
    ids: Counter[bytes] = Counter()
    letters: Counter[tuple[int, int]] = Counter()
    for r in outs:
        ids[r.headers.get("ce_id", b"")] += 1
        event = r.json()
        if r.topic == t.dead_letters:
            letters[(event["source_partition"], event["source_offset"])] += 1
        else:
            seen[(event["event_id"], event["type"])] += 1
    for m in valid:
        assert m.event_id is not None
        for kind in EXPECTED_TYPES:
            n = seen[(m.event_id, kind)]
            if n == 0:
                report.lost += 1
            elif n > 1:
                report.duplicated += n - 1
    report.duplicated += sum(n - 1 for n in ids.values() if n > 1)
    report.dead_lettered = sum(1 for pos in bad if letters[pos] == 1)
    report.duplicated += sum(n - 1 for pos, n in letters.items() if n > 1)
    wrongly = sum(1 for pos in letters if pos not in bad)
    if wrongly:
        report.lost += wrongly
        report.notes.append(f"{wrongly} valid resolutions dead-lettered")
    return report


def rss_mb(worker: WorkerProcess) -> float:
    assert worker.proc is not None
    status = Path(f"/proc/{worker.proc.pid}/status").read_text()
    kb = int(status.split("VmRSS:")[1].split()[0])
    return kb / 1024


# -- scenarios --------------------------------------------------------------------------


async def kill9(bootstrap: str, workdir: Path, n: int, kills: int, rate: float) -> Report:
    ns = Namespace(bootstrap, partitions=3)
    await ns.create()
    messages = valid_messages(n, f"k9{ns.token}")
    worker = WorkerProcess(ns, workdir, **FAST_GROUP).start()
    producing = asyncio.create_task(
        produce_stream(bootstrap, ns.topics.resolutions, messages, rate)
    )
    rng = random.Random(9)
    span = n / rate
    moments = sorted(rng.uniform(0.5, span) for _ in range(kills))
    started = time.monotonic()
    for moment in moments:
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        worker.kill()
        worker = WorkerProcess(ns, workdir, **FAST_GROUP).start()
    placed = await producing
    try:
        report = await check(ns, "kill-9", placed, within=120 + n / 200)
    finally:
        worker.stop()
    report.notes.append(f"{kills} kill -9 of the worker at random moments")
    return report


async def rebalance(bootstrap: str, workdir: Path, n: int, rate: float) -> Report:
    ns = Namespace(bootstrap, partitions=4)
    await ns.create()
    messages = valid_messages(n, f"rb{ns.token}")
    a = WorkerProcess(ns, workdir, **FAST_GROUP).start()
    b = WorkerProcess(ns, workdir, **FAST_GROUP).start()
    producing = asyncio.create_task(
        produce_stream(bootstrap, ns.topics.resolutions, messages, rate)
    )
    third = n / rate / 3
    await asyncio.sleep(third)
    b.stop()  # two -> one (graceful leave)
    await asyncio.sleep(third)
    c = WorkerProcess(ns, workdir, **FAST_GROUP).start()  # one -> two
    placed = await producing
    try:
        report = await check(ns, "rebalance", placed, within=120 + n / 200)
    finally:
        a.stop()
        c.stop()
    report.notes.append("two workers -> one -> two")
    return report


async def hostile(bootstrap: str, workdir: Path, n_bad: int, n_valid: int) -> Report:
    ns = Namespace(bootstrap, partitions=3)
    await ns.create()
    messages = interleave(valid_messages(n_valid, f"h{ns.token}"), hostile_messages(n_bad))
    worker = WorkerProcess(ns, workdir).start()
    await asyncio.sleep(1)
    before = rss_mb(worker)
    placed = await produce_stream(bootstrap, ns.topics.resolutions, messages, None)
    try:
        report = await check(ns, "hostile", placed, within=120 + len(messages) / 200)
        alive = worker.proc is not None and worker.proc.poll() is None
        after = rss_mb(worker) if alive else float("nan")
    finally:
        worker.stop()
    report.notes.append(f"worker alive={alive}, RSS {before:.0f} -> {after:.0f} MB")
    if not alive:
        report.lost += 1
    return report


async def broker_loss(
    workdir: Path, n: int, rate: float, kill_after_s: float | None = None
) -> Report:
    from corpactions.broker.local import KafkaDistribution, LocalKafkaCluster

    cluster = LocalKafkaCluster(KafkaDistribution.ensure(), workdir / "cluster", size=3)
    await asyncio.to_thread(cluster.start)
    try:
        bootstrap = cluster.bootstrap_servers
        ns = Namespace(bootstrap, partitions=3)
        t = ns.topics
        from corpactions.stream.topics import ensure_topics

        await ensure_topics(bootstrap, (t.resolutions, *t.outputs()), 3, 3)
        messages = valid_messages(n, f"bl{ns.token}")
        worker = WorkerProcess(ns, workdir, CORPACTIONS_REPLICATION_FACTOR="3").start()
        producing = asyncio.create_task(produce_stream(bootstrap, t.resolutions, messages, rate))
        # default: a third of the way through the stream (the worker may still be starting)
        await asyncio.sleep(n / rate / 3 if kill_after_s is None else kill_after_s)
        victim = random.Random(5).randrange(3)
        cluster.kill(victim)
        await asyncio.sleep(5)
        await asyncio.to_thread(cluster.restart, victim)
        placed = await producing
        try:
            report = await check(ns, "broker-loss", placed, within=180 + n / 200)
        finally:
            worker.stop()
        report.notes.append(f"kill -9 of broker {victim + 1} of 3 mid-stream, then restart")
        return report
    finally:
        await asyncio.to_thread(cluster.stop)
