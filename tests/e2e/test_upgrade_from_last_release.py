"""A rolling upgrade from the last release: its worker leaves timers pending, this one
fires each exactly once.

The last release (tests/support/release.py: its tag, installed from its own lock into a
venv under .cache/releases/) runs a worker with an injected clock
(CORPACTIONS_CLOCK_FILE) at 2015-06-01, before every record and payment date. It takes
new dividends, replacements (REPL, dates a week later), cancellations (CANC) and
withdrawals (WITH), then the clock moves to 2020-01-01 so the dates before it fire under
the release. It stops (SIGTERM, as a rolling upgrade does); this checkout's worker
starts on the same topics, group and changelog, and the clock moves past every date.

What must hold, stated from the inputs alone (each dividend is of its own security, so
its dates are the ones its last version gives, at 23:59:59 and 00:00 Tokyo time:
tests/faults/inputs.py, `arrival`):
- every dividend not cancelled or withdrawn gives one RecordDateReached and one
  PaymentDateReached, with its last version's dates and version number;
- a cancelled or withdrawn one gives none (all its dates lay after its cancellation);
- the dates due before the upgrade were fired by the release, those after it by this
  worker (each worker's own /metrics count), and no output id (ce_id) appears twice.

A change to the stored records (the changelog) that this checkout cannot restore fails
here: the dates pending at the upgrade would be lost, doubled or fired at the old dates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from corpactions.broker.local import _die_with_parent
from tests.faults.harness import ClockFile, OutputReader, scrape
from tests.faults.inputs import CLOCK_END, CLOCK_START, Message, arrival, valid_messages
from tests.support.kafka import Namespace, WorkerProcess, produce
from tests.support.release import LAST_RELEASE, release_env, release_python

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(600)]

N = 40  # dividends, each of its own security
REPLACED = range(0, 6)  # REPL, version 2: record and payment dates a week later
CANCELLED = range(6, 9)  # CANC, version 2
WITHDRAWN = range(9, 11)  # WITH, version 2
UPGRADE_AT = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # dates before this fire on the release
WAIT_S = 180.0
DATES = ("RecordDateReached", "PaymentDateReached")


class ReleaseWorker(WorkerProcess):
    """`corpactions worker` of the last release, from its own venv."""

    def __init__(self, python: Path, ns: Namespace, log_dir: Path, **env: str) -> None:
        super().__init__(ns, log_dir, **env)
        self.python = python
        self.env = release_env(self.env)

    def start(self) -> ReleaseWorker:
        self.started_at = time.monotonic()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(self.python), "-m", "corpactions.cli", "worker"],
                env=self.env,
                cwd=self.log_path.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        return self


def _version(m: Message, function: str, version: int, **changes: Any) -> Message:
    doc = {**json.loads(m.value), "function": function, "version": version, **changes}
    doc["message_id"] = f"{doc['message_id']}-{function.lower()}"
    return Message(m.key, json.dumps(doc).encode(), m.event_id, function.lower())


def stream() -> tuple[list[Message], dict[str, dict[str, Any]]]:
    """The inputs, and for each event id what its last version must give."""
    firsts = valid_messages(N, "upg", seed=7)
    later: list[Message] = []
    expected: dict[str, dict[str, Any]] = {}
    week = dt.timedelta(days=7)
    for i, m in enumerate(firsts):
        assert m.event_id
        assert m.record_date
        assert m.payment_date
        want: dict[str, Any] = {
            "version": 1,
            "record_date": m.record_date,
            "payment_date": m.payment_date,
            "cancelled": False,
        }
        if i in REPLACED:
            rd, pd = m.record_date + week, m.payment_date + week
            later.append(
                _version(m, "REPL", 2, record_date=rd.isoformat(), payment_date=pd.isoformat())
            )
            want.update(version=2, record_date=rd, payment_date=pd)
        elif i in CANCELLED or i in WITHDRAWN:
            later.append(_version(m, "CANC" if i in CANCELLED else "WITH", 2))
            want.update(version=2, cancelled=True)
        expected[m.event_id] = want
    return firsts + later, expected


def due(expected: dict[str, dict[str, Any]], before: dt.datetime | None) -> int:
    """Date events due (at or before ``before``; None: all of them)."""
    return sum(
        1
        for want in expected.values()
        if not want["cancelled"]
        for kind, day in zip(DATES, (want["record_date"], want["payment_date"]), strict=True)
        if before is None or arrival(day, kind) <= before
    )


async def _ready(worker: WorkerProcess, within: float = WAIT_S) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        m = await scrape(worker)
        if m is not None and m.ready:
            return
        if worker.proc is not None and worker.proc.poll() is not None:
            break
        await asyncio.sleep(0.2)
    raise AssertionError(f"{worker.log_path.name} never became ready:\n{worker.log()[-3000:]}")


async def _until(reader: OutputReader, topics: set[str], n: int, what: str, log: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if sum(1 for r in reader.records if r.topic in topics) >= n:
            return
        await asyncio.sleep(0.2)
    got = sum(1 for r in reader.records if r.topic in topics)
    raise AssertionError(f"{what}: {got} of {n} outputs read in {WAIT_S:.0f}s\n{log[-3000:]}")


async def test_pending_dates_of_the_last_release_fire_once_after_the_upgrade(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    # fails, saying why, if the release is absent; built once, then reused
    python = await asyncio.to_thread(release_python, LAST_RELEASE)
    ns = Namespace(kafka_bootstrap, partitions=3)
    await ns.create()
    t = ns.topics
    messages, expected = stream()
    clock = ClockFile(tmp_path / "clock", CLOCK_START)
    env = {"CORPACTIONS_CLOCK_FILE": str(clock.path), "CORPACTIONS_TICK_INTERVAL_S": "0.2"}
    reader = OutputReader(kafka_bootstrap, [*t.outputs()])
    await reader.start()
    old = ReleaseWorker(python, ns, tmp_path, **env).start()
    new: WorkerProcess | None = None
    try:
        where = await asyncio.to_thread(
            subprocess.check_output,
            [str(python), "-c", "import corpactions; print(corpactions.__file__)"],
            env=old.env,
            text=True,
        )
        assert f"releases/{LAST_RELEASE}/src/" in where, where  # the release's code runs
        await _ready(old)
        await produce(kafka_bootstrap, t.resolutions, [(m.key, m.value) for m in messages])
        # every version seen by the release: a schedule event each
        await _until(reader, {t.schedules}, len(messages), "schedules by the release", old.log())
        clock.set(UPGRADE_AT)
        fired_before = due(expected, UPGRADE_AT)
        dates = {t.record_dates, t.payment_dates}
        await _until(reader, dates, fired_before, "dates due before the upgrade", old.log())
        await asyncio.sleep(2)  # anything the release would wrongly fire besides
        by_old = await scrape(old)
        assert by_old is not None
        assert old.stop() == 0, old.log()[-3000:]
        assert sum(1 for r in reader.records if r.topic in dates) == fired_before

        new = WorkerProcess(ns, tmp_path, **env).start()
        await _ready(new)
        clock.set(CLOCK_END)
        await _until(reader, dates, due(expected, None), "every date", new.log())
        await asyncio.sleep(3)  # room for a duplicate to show
        by_new = await scrape(new)
        assert by_new is not None
        assert new.stop() == 0, new.log()[-3000:]
        await reader.finish()
    finally:
        old.stop()
        if new is not None:
            new.stop()
        await reader.close()

    fired: Counter[tuple[str, str]] = Counter()
    ids = Counter(r.headers.get("ce_id", b"") for r in reader.records)
    problems = [f"ce_id {i!r} emitted {n} times" for i, n in ids.items() if n > 1]
    for r in reader.records:
        if r.topic not in dates:
            continue
        event = r.json()
        key = (event["event_id"], event["type"])
        fired[key] += 1
        want = expected.get(event["event_id"])
        if want is None or want["cancelled"]:
            problems.append(f"{key} fired, but it was cancelled or is unknown")
            continue
        day = event["record_date" if event["type"] == DATES[0] else "payment_date"]
        wanted_day = want["record_date" if event["type"] == DATES[0] else "payment_date"]
        if day != wanted_day.isoformat() or event["version"] != want["version"]:
            problems.append(
                f"{key}: {day} v{event['version']}, expected {wanted_day} v{want['version']}"
            )
    for event_id, want in expected.items():
        for kind in DATES:
            n = fired[(event_id, kind)]
            if n != (0 if want["cancelled"] else 1):
                problems.append(f"{event_id} {kind} fired {n} times")
    assert not problems, "\n".join(problems[:30])
    # who fired what: the release the dates due before the upgrade, this worker the rest
    assert by_old.dates_emitted == fired_before
    assert by_new.dates_emitted == due(expected, None) - fired_before
    assert fired_before > 0
    assert by_new.dates_emitted > 0
