"""`make soak`: two workers against a real broker for SOAK_MINUTES (default 120).

- Load: 200 resolutions a second, steady; about 92% new dividends (each of its own
  security), 5% replacements (REPL: the payment date a day later), 2% cancellations
  (CANC) and 1% withdrawals (WITH), each of a dividend sent 5 to 60 s earlier whose
  dates are days away.
- Clock: the workers' injected clock (CORPACTIONS_CLOCK_FILE) runs one day a minute from
  2016-01-04; record dates lie 2 to 20 days ahead of it and payment dates 3 to 15 days
  after them, so dates fire all the time.
- Worker b is restarted (SIGTERM, then a new process) every --restart-minutes.
- Sampled every 5 s: each worker's RSS; the lag (seconds from producing a resolution to
  reading its committed DividendScheduled, the longest in the window); the overdue timers
  (record and payment dates due by the clock more than 1 s ago and not yet read).

At the end the input stops, the clock moves past every date, the workers stop and every
output is read to its end offsets: each dividend must give each output it must give
exactly once (the notifications included). The last line:

    soak: minutes M, resolutions N, lost=L duplicated=D, rss_slope S MB/h, max_lag L s,
    max_overdue O s  (one line)

rss_slope is the least-squares slope of worker a's RSS (never restarted) after the first
fifth of the run; max_overdue the longest a date event came after its due instant (real
seconds). The PNG plot's path is printed before it. Exit 1 when anything was lost or
duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import heapq
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from tests.faults.harness import scrape, stop_consumer  # noqa: E402
from tests.faults.inputs import arrival  # noqa: E402
from tests.support.kafka import (  # noqa: E402
    Namespace,
    WorkerProcess,
    env_or_local_broker,
    example_resolution,
    security_key,
)

SIM_START = dt.datetime(2016, 1, 4, tzinfo=dt.UTC)
SIM_SPEED = 24 * 60  # simulated seconds per real second: a day a minute
RATE = 200  # resolutions a second
SAMPLE_S = 5.0
TYPES = (
    "DividendScheduled",
    "DividendScheduleReplaced",
    "DividendCancelled",
    "RecordDateReached",
    "PaymentDateReached",
    "seev.031.001.14",
    "seev.039.001.12",
)
INDEX = {t: i for i, t in enumerate(TYPES)}
# the settings' own defaults (the tests' faster group membership is not what runs for hours)
PRODUCTION_GROUP = {
    "CORPACTIONS_SESSION_TIMEOUT_S": "30",
    "CORPACTIONS_HEARTBEAT_INTERVAL_S": "3",
    "CORPACTIONS_REBALANCE_TIMEOUT_S": "60",
}
DRAIN_SPEED = 8  # the clock's speed-up once the input stops, until every date is past
RECORD, PAYMENT = "RecordDateReached", "PaymentDateReached"


class SimClock:
    """The workers' "now", written to their clock file several times a second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.t0 = time.monotonic()
        self.frozen: dt.datetime | None = None
        self.write()

    def now(self, at: float | None = None) -> dt.datetime:
        if self.frozen is not None:
            return self.frozen
        elapsed = (time.monotonic() if at is None else at) - self.t0
        return SIM_START + dt.timedelta(seconds=elapsed * SIM_SPEED)

    def real(self, when: dt.datetime) -> float:
        """The monotonic time at which the clock reaches ``when``."""
        return self.t0 + (when - SIM_START).total_seconds() / SIM_SPEED

    def write(self, when: dt.datetime | None = None) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text((when or self.now()).isoformat())
        os.replace(tmp, self.path)

    async def run(self) -> None:
        while True:
            self.write()
            await asyncio.sleep(0.1)


@dataclass(slots=True)
class Event:
    function: str  # the standing version's: NEWM, REPL, CANC, WITH
    record: dt.date
    payment: dt.date
    produced: float  # monotonic time its first version was sent

    def expected(self) -> list[int]:
        c = [0] * len(TYPES)
        c[INDEX["DividendScheduled"]] = c[INDEX["seev.031.001.14"]] = 1
        if self.function == "REPL":
            c[INDEX["DividendScheduleReplaced"]] = 1
            c[INDEX["seev.031.001.14"]] = 2
        if self.function in {"CANC", "WITH"}:
            c[INDEX["DividendCancelled"]] = c[INDEX["seev.039.001.12"]] = 1
        else:
            c[INDEX[RECORD]] = c[INDEX[PAYMENT]] = 1
        return c


@dataclass
class Soak:
    ns: Namespace
    clock: SimClock
    events: dict[str, Event] = field(default_factory=dict)
    seen: dict[str, bytearray] = field(default_factory=dict)
    unexpected: int = 0
    sent: int = 0
    dates_read: int = 0
    due: list[tuple[float, str, str]] = field(default_factory=list)  # (real due, id, kind)
    due_passed: int = 0
    window_lag: float = 0.0
    max_lag: float = 0.0
    max_overdue: float = 0.0
    samples: list[dict[str, float]] = field(default_factory=list)
    recent: collections.deque[str] = field(default_factory=collections.deque)
    docs: dict[str, dict[str, object]] = field(default_factory=dict)  # the recent ones'
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    consumer: AIOKafkaConsumer | None = None

    # -- input ------------------------------------------------------------------------
    def newm(self, n: int) -> tuple[bytes, bytes, str]:
        rng = self.rng
        today = self.clock.now().date()
        record = today + dt.timedelta(days=rng.randint(2, 20))
        payment = record + dt.timedelta(days=rng.randint(3, 15))
        event_id = f"soak-{self.ns.token}-{n}"
        doc = example_resolution(
            message_id=f"m{n}",
            event_id=event_id,
            security={"local_code": f"s{n}", "mic": "XTKS"},
            other_listings=[],
            record_date=record.isoformat(),
            payment_date=payment.isoformat(),
            resolved_on=(today - dt.timedelta(days=1)).isoformat(),
            fiscal_year_end=dt.date(record.year + (record.month > 3), 3, 31).isoformat(),
            gross_amount_per_share=f"{rng.randint(1, 20_000) / 100:.2f}",
            eligible_shares=rng.randint(1, 10**9),
            declared_total=None,
            forecast_per_share=None,
        )
        self.events[event_id] = Event("NEWM", record, payment, time.monotonic())
        self.docs[event_id] = doc
        self.recent.append(event_id)
        self.push_dates(event_id)
        return security_key(doc), json.dumps(doc).encode(), event_id

    def later(self, function: str) -> tuple[bytes, bytes] | None:
        """Version 2 of a dividend sent 5 to 60 s ago (its dates days away), or None."""
        now = time.monotonic()
        while self.recent and now - self.events[self.recent[0]].produced > 60:
            self.docs.pop(self.recent.popleft(), None)
        for _ in range(len(self.recent)):
            event_id = self.recent.popleft()
            if now - self.events[event_id].produced < 5:
                self.recent.appendleft(event_id)
                return None
            e = self.events[event_id]
            doc = dict(self.docs.pop(event_id))
            doc.update(function=function, version=2, message_id=f"{doc['message_id']}-2")
            if function == "REPL":
                e.payment += dt.timedelta(days=1)
                doc["payment_date"] = e.payment.isoformat()
            e.function = function
            if function == "REPL":  # its payment date moved (the old entry goes stale)
                heapq.heappush(
                    self.due, (self.clock.real(arrival(e.payment, PAYMENT)), event_id, PAYMENT)
                )
            return security_key(doc), json.dumps(doc).encode()
        return None

    def push_dates(self, event_id: str) -> None:
        e = self.events[event_id]
        if e.function in {"CANC", "WITH"}:
            return
        for kind, day in ((RECORD, e.record), (PAYMENT, e.payment)):
            heapq.heappush(self.due, (self.clock.real(arrival(day, kind)), event_id, kind))

    async def produce(self, until: float) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.ns.bootstrap, acks="all", linger_ms=5, enable_idempotence=True
        )
        await producer.start()
        try:
            start, n = time.monotonic(), 0
            while time.monotonic() < until:
                target = int((time.monotonic() - start) * RATE)
                while n < target:
                    roll = self.rng.random()
                    function = (
                        "REPL"
                        if roll < 0.05
                        else "CANC"
                        if roll < 0.07
                        else "WITH"
                        if roll < 0.08
                        else None
                    )
                    message = self.later(function) if function else None
                    if message is None:
                        key, value, _ = self.newm(n)
                    else:
                        key, value = message
                    await producer.send(self.ns.topics.resolutions, value, key=key)
                    n += 1
                    self.sent += 1
                await asyncio.sleep(0.02)
            await producer.flush()
        finally:
            await producer.stop()

    # -- output -----------------------------------------------------------------------
    async def read(self) -> None:
        t = self.ns.topics
        self.consumer = c = AIOKafkaConsumer(
            *t.outputs(),
            bootstrap_servers=self.ns.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await c.start()
        while True:
            batch = await c.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batch.values():
                for r in records:
                    self.take(r.topic, r.value or b"", dict(r.headers), now)

    async def read_to_end(self, within: float = 120.0) -> None:
        """Until the reader's positions reach the end offsets (the workers stopped)."""
        c = self.consumer
        assert c is not None
        tps = list(c.assignment())
        ends = await c.end_offsets(tps)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            positions = [await c.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                return
            await asyncio.sleep(0.5)
        print("soak: the outputs could not be read to their end offsets", file=sys.stderr)

    def take(self, topic: str, value: bytes, headers: dict[str, bytes], now: float) -> None:
        t = self.ns.topics
        if topic == t.notifications:
            event_id = headers.get("ce_subject", b"").decode()
            kind = headers.get("ce_type", b"").decode()
        elif topic == t.dead_letters:
            self.unexpected += 1
            print(f"soak: dead letter {value[:300]!r}", file=sys.stderr)
            return
        else:
            event = json.loads(value)
            event_id, kind = event["event_id"], event["type"]
            if kind in (RECORD, PAYMENT):
                self.dates_read += 1
                due = self.clock.real(dt.datetime.fromisoformat(event["due_at"]))
                self.max_overdue = max(self.max_overdue, now - due)
            elif kind == "DividendScheduled" and event_id in self.events:
                lag = now - self.events[event_id].produced
                self.window_lag = max(self.window_lag, lag)
                self.max_lag = max(self.max_lag, lag)
        if event_id not in self.events or kind not in INDEX:
            self.unexpected += 1
            return
        counts = self.seen.setdefault(event_id, bytearray(len(TYPES)))
        counts[INDEX[kind]] = min(255, counts[INDEX[kind]] + 1)

    def overdue(self, now: float) -> int:
        """Date events due more than 1 s ago (by the clock) and not yet read."""
        while self.due and self.due[0][0] <= now - 1.0:
            _, event_id, kind = heapq.heappop(self.due)
            e = self.events[event_id]
            day = e.record if kind == RECORD else e.payment
            stale = e.function in {"CANC", "WITH"} or self.clock.real(arrival(day, kind)) > now
            if not stale:
                self.due_passed += 1
        return max(0, self.due_passed - self.dates_read)

    def check(self) -> tuple[int, int]:
        lost = duplicated = 0
        for event_id, e in self.events.items():
            got = self.seen.get(event_id, bytearray(len(TYPES)))
            for want, n in zip(e.expected(), got, strict=True):
                lost += max(0, want - n)
                duplicated += max(0, n - want)
        return lost, duplicated + self.unexpected


async def ready(w: WorkerProcess, within: float = 300.0) -> WorkerProcess:
    deadline = time.monotonic() + within
    while not ((m := await scrape(w)) and m.ready):
        if w.proc is None or w.proc.poll() is not None or time.monotonic() > deadline:
            w.stop()
            raise SystemExit(f"soak: a worker did not start:\n{w.log()[-2000:]}")
        await asyncio.sleep(0.5)
    return w


def rss_mb(worker: WorkerProcess) -> float:
    if worker.proc is None or worker.proc.poll() is not None:
        return float("nan")
    try:
        status = Path(f"/proc/{worker.proc.pid}/status").read_text()
    except FileNotFoundError:
        return float("nan")
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    pts = [(x, y) for x, y in points if y == y]  # NaN: the worker was not up
    if len(pts) < 2:
        return float("nan")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    var = sum((x - mx) ** 2 for x, _ in pts)
    if var == 0:
        return float("nan")
    return sum((x - mx) * (y - my) for x, y in pts) / var * 3600


def plot(samples: list[dict[str, float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [s["t"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    axes[0].plot(minutes, [s["rss_a"] for s in samples], label="worker a (kept)")
    axes[0].plot(minutes, [s["rss_b"] for s in samples], label="worker b (restarted)")
    for s in samples:
        if s.get("restart"):
            axes[0].axvline(s["t"] / 60, color="grey", lw=0.5, ls=":")
    axes[0].set_ylabel("RSS (MB)")
    axes[0].legend(loc="upper left")
    axes[1].plot(minutes, [s["lag"] for s in samples], color="tab:red")
    axes[1].set_ylabel("lag: produce -> schedule\nread, max in 5 s (s)")
    axes[2].plot(minutes, [s["overdue"] for s in samples], color="tab:purple")
    axes[2].set_ylabel("dates overdue > 1 s\n(not yet read)")
    axes[2].set_xlabel("minutes (the workers' clock: a day a minute)")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


async def soak(bootstrap: str, workdir: Path, minutes: float, restart_minutes: float) -> int:
    ns = Namespace(bootstrap, partitions=4)
    await ns.create()
    clock = SimClock(workdir / "clock")
    clock.frozen = SIM_START  # until the load starts
    s = Soak(ns, clock)
    env = {**PRODUCTION_GROUP, "CORPACTIONS_CLOCK_FILE": str(clock.path)}
    ticking = asyncio.create_task(clock.run())
    reading = asyncio.create_task(s.read())
    restarts = 0
    # one after the other: two first members joining a group whose coordinator is still
    # being elected (a fresh broker) were seen to wait on each other for good
    a = await ready(WorkerProcess(ns, workdir, **env).start())
    b = await ready(WorkerProcess(ns, workdir, **env).start())
    try:
        clock.t0 = time.monotonic()  # the clock starts with the load
        clock.frozen = None
        t0 = clock.t0
        end = t0 + minutes * 60
        producing = asyncio.create_task(s.produce(end))
        next_restart = t0 + restart_minutes * 60
        while not producing.done():
            await asyncio.sleep(SAMPLE_S)
            now = time.monotonic()
            restarted = 0.0
            if now >= next_restart and now < end - 30:
                b.stop()
                b = WorkerProcess(ns, workdir, **env).start()
                restarts += 1
                restarted = 1.0
                next_restart += restart_minutes * 60
            s.samples.append(
                {
                    "t": now - t0,
                    "rss_a": rss_mb(a),
                    "rss_b": rss_mb(b),
                    "lag": s.window_lag,
                    "overdue": float(s.overdue(now)),
                    "restart": restarted,
                }
            )
            s.window_lag = 0.0
            last = s.samples[-1]
            print(
                f"soak: {last['t'] / 60:5.1f} min, sent {s.sent}, rss a {last['rss_a']:.0f} "
                f"b {last['rss_b']:.0f} MB, lag {last['lag']:.1f} s, overdue {last['overdue']:.0f}",
                flush=True,
            )
        await producing
        ran = (time.monotonic() - t0) / 60
        # the input stopped: the clock runs DRAIN_SPEED times as fast until every date is
        # past (not at once: a month of dates in one burst is no steady state)
        last_date = max((e.payment for e in s.events.values()), default=SIM_START.date())
        final = dt.datetime.combine(last_date + dt.timedelta(days=2), dt.time(), dt.UTC)
        ticking.cancel()
        while (now_sim := clock.now()) < final:
            clock.frozen = min(final, now_sim + dt.timedelta(seconds=SIM_SPEED * DRAIN_SPEED))
            clock.write(clock.frozen)
            await asyncio.sleep(1)
        want = sum(sum(e.expected()) for e in s.events.values())
        deadline, last_n, moved = time.monotonic() + 600, -1, time.monotonic()
        while time.monotonic() < deadline:
            n = sum(sum(c) for c in s.seen.values()) + s.unexpected
            if n >= want:
                break
            if n != last_n:
                last_n, moved = n, time.monotonic()
            elif time.monotonic() - moved > 60:
                break
            await asyncio.sleep(1)
        await asyncio.sleep(5)  # room for a duplicate to show
        a.stop()
        b.stop()
        await s.read_to_end()
    finally:
        a.stop()
        b.stop()
        ticking.cancel()
        reading.cancel()
        if s.consumer is not None:
            await stop_consumer(s.consumer)
    lost, duplicated = s.check()
    warm = [(x["t"], x["rss_a"]) for x in s.samples if x["t"] >= minutes * 60 / 5]
    slope = slope_mb_per_hour(warm)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    png = ROOT / ".cache" / "soak" / f"soak-{stamp}.png"
    line = (
        f"soak: minutes {ran:.0f}, resolutions {s.sent}, lost={lost} duplicated={duplicated}, "
        f"rss_slope {slope:.1f} MB/h, max_lag {s.max_lag:.1f} s, max_overdue {s.max_overdue:.1f} s"
    )
    plot(s.samples, png, f"{line}\n2 workers, 4 partitions, {RATE}/s, b restarted {restarts}x")
    print(f"soak: plot {png}")
    print(line)
    return 0 if lost == 0 and duplicated == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument(
        "--restart-minutes",
        type=float,
        default=None,
        help="restart worker b this often (default: a sixth of the run, at most 10)",
    )
    args = parser.parse_args()
    restart = args.restart_minutes or min(10.0, max(0.5, args.minutes / 6))
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, env_or_local_broker(Path(tmp)) as bs:
        return asyncio.run(soak(bs, Path(tmp), args.minutes, restart))


if __name__ == "__main__":
    sys.exit(main())
