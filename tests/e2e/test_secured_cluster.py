"""The service on a secured cluster (issue 17): SASL_SSL with SCRAM-SHA-512 and mutual
TLS, ACLs enforced by KRaft's StandardAuthorizer, certificates made for the run.

One secured broker for the module. The service's principal (``corpactions``) holds
exactly the ACLs ``ops/acls.py`` lists (README's table) and nothing else; the tests
produce and read as ``admin``, a super user.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from corpactions.ops.acls import Acl, dlq_acls, worker_acls
from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    consume,
    example_resolution,
    produce,
    tokyo_resolutions,
)
from tests.support.secured import SecuredKafka

pytestmark = pytest.mark.kafka

LISTENERS = ["SASL_SSL", "SSL"]
ENV = {"CORPACTIONS_TICK_INTERVAL_S": "0.1"}
IIJ = b"JP3152820001"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    cluster = SecuredKafka.start(tmp_path_factory.mktemp("secured"))
    print(f"\nsecured kafka: SASL_SSL and SSL listeners ready in {cluster.started_in:.1f}s")
    try:
        yield cluster
    finally:
        cluster.stop()


def granted(ns: Namespace) -> list[Acl]:
    """Exactly what README lists for the service and for `corpactions dlq`."""
    return [*worker_acls(ns.topics, ns.app_id), *dlq_acls(ns.topics)]


def namespace_on(secured: SecuredKafka, listener: str, **env: str) -> Namespace:
    return Namespace(
        secured.bootstrap(listener),
        client_options=secured.admin_options(listener),
        security_env=secured.env(listener, **env),
    )


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def spawn(workers: list[WorkerProcess], ns: Namespace, tmp_path: Path, **env: str) -> WorkerProcess:
    worker = WorkerProcess(ns, tmp_path, **ENV, **env).start()
    workers.append(worker)
    return worker


def set_clock(path: Path, iso: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(iso)
    tmp.replace(path)


def cli(ns: Namespace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", *args],
        env=ns.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def no_secret_in(texts: list[str], secured: SecuredKafka) -> None:
    for secret in (*secured.passwords.values(), secured.pki.store_password):
        for text in texts:
            assert secret not in text


@pytest.mark.parametrize("listener", LISTENERS)
async def test_worker_exactly_once_across_kill_9_and_lag_and_dlq(
    secured: SecuredKafka, listener: str, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    ns = namespace_on(secured, listener)
    await ns.create()
    await secured.grant(granted(ns))
    admin = secured.admin_options(listener)
    t = ns.topics
    every = [t.schedules, t.record_dates, t.payment_dates, t.dead_letters]
    clock = tmp_path / "clock"
    set_clock(clock, "2016-11-04T06:00:00+00:00")  # after the record date, before payment

    first = spawn(workers, ns, tmp_path, CORPACTIONS_CLOCK_FILE=str(clock))
    batch = [(IIJ, json.dumps(example_resolution()).encode()), *tokyo_resolutions(30)]
    batch.append((b"XTKS:9999", b"{not json"))  # one dead letter, for `corpactions dlq`
    await produce(ns.bootstrap, t.resolutions, batch, admin)
    # a crash mid-stream: whatever the first worker committed stays, the rest is redone
    await consume(ns.bootstrap, [t.schedules], 5, within=90, options=admin)
    first.kill()
    second = spawn(workers, ns, tmp_path, CORPACTIONS_CLOCK_FILE=str(clock))
    outs = await consume(ns.bootstrap, every, 63, within=90, settle=1, options=admin)
    assert Counter(r.json()["type"] for r in outs) == {
        "DividendScheduled": 31,
        "RecordDateReached": 31,
        "BoardResolutionRejected": 1,
    }, second.log()[-3000:]

    set_clock(clock, "2016-12-06T03:00:00+00:00")  # the payment date, in Tokyo
    outs = await consume(ns.bootstrap, every, 94, within=90, settle=3, options=admin)
    kinds = Counter(r.json()["type"] for r in outs)
    assert kinds["PaymentDateReached"] == 31, second.log()[-3000:]
    assert len(outs) == 94  # nothing twice, across the kill -9
    events = {(r.json()["type"], r.json()["event_id"]) for r in outs if r.topic != t.dead_letters}
    assert len(events) == 93

    lag = cli(ns, "lag", "--group", ns.app_id, "--json")
    assert lag.returncode in (0, 1), lag.stderr  # OK or WARN: the group reads over TLS
    rows = json.loads(lag.stdout)
    assert {r["topic"] for r in rows} == {t.resolutions}
    assert sum(r["committed_offset"] for r in rows) == len(batch)

    # without Read on __consumer_offsets (optional): the figures stay, the verdicts go
    offsets_topic = [a for a in granted(ns) if a.name == "__consumer_offsets"]
    await secured.revoke(offsets_topic)
    blind = cli(ns, "lag", "--group", ns.app_id, "--json")
    assert blind.returncode == 0, blind.stderr
    blind_rows = json.loads(blind.stdout)
    assert [r["committed_offset"] for r in blind_rows] == [r["committed_offset"] for r in rows]
    assert {r["status"] for r in blind_rows} == {"OK"}

    listed = cli(ns, "dlq", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [x["reason"] for x in json.loads(listed.stdout)] == ["undecodable"]
    replayed = cli(ns, "dlq", "replay", "--reason", "undecodable")
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.startswith("replayed 1 of 1"), replayed.stdout
    letters = await consume(ns.bootstrap, [t.dead_letters], 2, within=60, options=admin)
    assert len(letters) == 2  # the replayed letter went back through the worker
    second.stop()
    texts = [first.log(), second.log(), lag.stderr, listed.stderr, replayed.stderr]
    no_secret_in([*texts, secured.broker.log_file.read_text()], secured)


WRONG = "not-the-password-7f3a"


@pytest.mark.parametrize(
    ("listener", "change", "line"),
    [
        pytest.param(
            "SASL_SSL",
            {"KAFKA_SASL_PASSWORD": WRONG},
            "refused the SCRAM-SHA-512 login of KAFKA_SASL_USERNAME=corpactions",
            id="wrong-password",
        ),
        pytest.param(
            "SSL",
            {"cert": "untrusted"},
            "refused the TLS handshake",
            id="client-cert-from-untrusted-ca",
        ),
        pytest.param("SSL", {"cert": "expired"}, "expired on 2020-02-01", id="expired-cert"),
        pytest.param(
            "SASL_SSL",
            {"cafile": "untrusted"},
            "presented a certificate this client does not trust",
            id="broker-cert-untrusted",
        ),
    ],
)
async def test_a_refused_login_is_one_line_exit_2_and_nothing_processed(
    secured: SecuredKafka, listener: str, change: dict[str, str], line: str, tmp_path: Path
) -> None:
    env = secured.env(listener, cert=change.get("cert", ""))
    env |= {k: v for k, v in change.items() if k.startswith("KAFKA_")}
    if change.get("cafile"):
        env["KAFKA_SSL_CAFILE"] = str(secured.pki.untrusted_ca)
    ns = Namespace(
        secured.bootstrap(listener),
        client_options=secured.admin_options(listener),
        security_env=env,
    )
    await ns.create()
    await secured.grant(granted(ns))
    admin = secured.admin_options(listener)
    await produce(
        ns.bootstrap,
        ns.topics.resolutions,
        [(IIJ, json.dumps(example_resolution()).encode())],
        admin,
    )

    t0 = time.monotonic()
    done = cli(ns, "worker")
    took = time.monotonic() - t0
    assert done.returncode == 2, done.stderr[-3000:]
    [message] = done.stderr.strip().splitlines()
    assert line in message, message
    assert message.startswith("corpactions worker: ")
    assert took < 30, took
    outs = await consume(ns.bootstrap, list(ns.topics.outputs()), 1, within=3, options=admin)
    assert outs == []
    # the operator commands say the same, each with its own exit status
    lag = cli(ns, "lag", "--group", ns.app_id)
    assert (lag.returncode, lag.stderr.count("\n")) == (3, 1), lag.stderr
    assert lag.stderr.startswith("corpactions lag: UNKNOWN: ")
    assert line in lag.stderr
    dlq = cli(ns, "dlq", "list")
    assert dlq.stderr.count("\n") == 1, dlq.stderr
    assert line in dlq.stderr
    assert dlq.returncode not in (0, 1), dlq.stderr
    texts = [done.stdout, done.stderr, lag.stdout, lag.stderr, dlq.stdout, dlq.stderr]
    texts.append(secured.broker.log_file.read_text())
    no_secret_in(texts, secured)
    assert not [text for text in texts if WRONG in text]


@pytest.mark.parametrize(
    "missing",
    [
        pytest.param(lambda ns: Acl("Group", ns.app_id, "Read", ""), id="group"),
        pytest.param(
            lambda ns: Acl("TransactionalId", f"{ns.app_id}-", "Write", "", prefixed=True),
            id="transactional-id",
        ),
        pytest.param(
            lambda ns: Acl("Topic", ns.topics.schedules, "Write", ""),
            id="output-topic",
            # A known defect (issue 32's note): when the broker's TOPIC_AUTHORIZATION_FAILED
            # aborts the transaction while its batches are still being appended, aiokafka
            # raises IllegalOperation ("not in transaction") instead, which is not read as a
            # denial: the worker logs "engine failed" and its fatal path did not end the
            # process within 120 s (seen twice in clean-clone CI, worker log captured).
            marks=pytest.mark.xfail(
                reason="denial surfacing as IllegalOperation: not yet handled", strict=False
            ),
        ),
    ],
)
async def test_one_acl_less_stops_the_worker_with_a_line_naming_it(
    secured: SecuredKafka,
    missing: Callable[[Namespace], Acl],
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    ns = namespace_on(secured, "SASL_SSL")
    await ns.create()
    gone = missing(ns)
    acls = [
        a
        for a in granted(ns)
        if (a.resource, a.name, a.operation) != (gone.resource, gone.name, gone.operation)
    ]
    assert len(acls) == len(granted(ns)) - 1
    await secured.grant(acls)
    admin = secured.admin_options("SASL_SSL")
    await produce(
        ns.bootstrap,
        ns.topics.resolutions,
        [(IIJ, json.dumps(example_resolution()).encode())],
        admin,
    )
    worker = spawn(workers, ns, tmp_path)
    assert worker.proc is not None
    try:
        code = await asyncio.to_thread(worker.proc.wait, 120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker did not stop within 120 s:\n{worker.log()[-5000:]}")
    log = worker.log()
    assert code == 2, log[-3000:]
    [line] = [x for x in log.splitlines() if "Kafka denied access" in x]
    # the line names every operation the worker needs on it (the schedules topic: Write
    # for the lifecycle, Read for the notifier)
    needs = re.search(r"needs ([A-Za-z, ]+) on (\S+) (\S+)", line)
    assert needs is not None, line
    assert gone.operation in needs.group(1).split(", "), line
    assert (needs.group(2), needs.group(3).rstrip("*")) == (gone.resource, gone.name), line
    assert "Traceback" not in log, log[-3000:]
    no_secret_in([log], secured)
