"""`corpactions dlq list|replay` against a real worker: a mis-keyed resolution is
dead-lettered, replayed under its security's key, scheduled once; replayed again, it
changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, example_resolution, produce

pytestmark = pytest.mark.kafka


def dlq(ns: Namespace, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "dlq", *args],
        env=ns.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_mis_keyed_resolution_is_replayed_once_under_its_security_key(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    spawn_worker()
    iij = json.dumps(example_resolution()).encode()
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"3774", iij), (b"JP3152820001", b"\xff not json")],  # local code, not the ISIN
    )
    letters = await consume(namespace.bootstrap, [t.dead_letters], expected=2)
    assert sorted(r.json()["reason"]["code"] for r in letters) == ["undecodable", "wrong_key"]

    listed = json.loads(dlq(namespace, "list", "--json"))
    assert sorted(x["reason"] for x in listed) == ["undecodable", "wrong_key"]
    assert "2 dead letters" in dlq(namespace, "list")
    assert dlq(namespace, "replay", "--reason", "wrong_key", "--dry-run").startswith(
        "would replay 1 of 2 (wrong_key 1)"
    )

    out = dlq(namespace, "replay", "--reason", "wrong_key", "--rekey")
    assert out.startswith("replayed 1 of 2 (wrong_key 1)")
    [schedule] = await consume(namespace.bootstrap, [t.schedules], expected=1)
    assert schedule.key == b"JP3152820001"
    assert schedule.json()["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"

    # Again, then a later event of the same security (same key, same partition): once that
    # one is scheduled, the second replay has been seen, and was a duplicate.
    assert dlq(namespace, "replay", "--reason", "wrong_key", "--rekey").startswith("replayed 1")
    later = example_resolution(message_id="iij-2017-1", event_id="JP3152820001-FY2017")
    next_event = (b"JP3152820001", json.dumps(later).encode())
    await produce(namespace.bootstrap, t.resolutions, [next_event])
    outs = await consume(namespace.bootstrap, [t.schedules], expected=2, settle=1.5)
    assert sorted(r.json()["event_id"] for r in outs) == [
        "JP3152820001-DVCA-FY2016-INTERIM",
        "JP3152820001-FY2017",
    ]
    replayed = [r for r in outs if r.json()["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"]
    assert len(replayed) == 1
    # the undecodable letter cannot be re-keyed: skipped, not sent
    dry = dlq(namespace, "replay", "--all", "--rekey", "--dry-run")
    assert "skipped: not_a_resolution 1" in dry
