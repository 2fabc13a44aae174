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


def dlq_run(ns: Namespace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "dlq", *args],
        env=ns.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dlq(ns: Namespace, *args: str) -> str:
    done = dlq_run(ns, *args)
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


async def test_replay_is_steered_by_reason_limit_and_range_and_says_so_in_its_exit_code(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    spawn_worker()
    first = example_resolution(message_id="a-1", event_id="JP3152820001-A")
    second = example_resolution(message_id="b-1", event_id="JP3152820001-B")
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(b"3774", json.dumps(first).encode()), (b"3774", json.dumps(second).encode())]
        + [(b"JP3152820001", b"\xff not json %d" % i) for i in range(3)],
    )
    await consume(namespace.bootstrap, [t.dead_letters], expected=5)

    typo = dlq_run(namespace, "replay", "--reason", "wrng_key")
    assert typo.returncode == 2
    assert "'wrng_key' is not a reason code" in typo.stderr
    none = dlq_run(namespace, "replay", "--reason", "domain_rule", "--json")
    assert none.returncode == 1
    assert json.loads(none.stdout)["matched"] == 0
    assert "reading" in none.stderr  # progress off a terminal: lines on stderr
    assert dlq_run(namespace, "replay", "--all", "--since", "1000000").returncode == 1
    assert dlq_run(namespace, "replay", "--all", "--until", "2000-01-01").returncode == 1

    dry = json.loads(dlq(namespace, "replay", "--reason", "undecodable", "--limit", "2",
                         "--dry-run", "--json"))  # fmt: skip
    assert dry["dry_run"] is True
    assert (dry["matched"], dry["replayed"], dry["limit"]) == (2, 2, 2)
    assert dry["replayed_by_reason"] == {"undecodable": 2}

    # --limit 1: exactly one of the two mis-keyed resolutions goes back
    one = json.loads(dlq(namespace, "replay", "--reason", "wrong_key", "--rekey",
                         "--limit", "1", "--json"))  # fmt: skip
    assert one["replayed"] == 1
    [scheduled] = await consume(namespace.bootstrap, [t.schedules], expected=1, settle=3.0)
    # then all of them, since a time before the first letter: the other one, once
    out = dlq(namespace, "replay", "--reason", "wrong_key", "--rekey", "--since", "1h")
    assert out.startswith("replayed 2 of ")
    outs = await consume(namespace.bootstrap, [t.schedules], expected=2, settle=3.0)
    assert sorted(r.json()["event_id"] for r in outs) == ["JP3152820001-A", "JP3152820001-B"]
    assert scheduled.json()["event_id"] in {"JP3152820001-A", "JP3152820001-B"}
