"""The worker's throughput over SASL_SSL (SCRAM-SHA-512) against PLAINTEXT, in one run.

One secured broker (tests/support/secured.py: ACLs enforced); the same resolutions are
produced (as the admin, before the worker starts) into two namespaces, and one worker
per namespace works the backlog: one through the PLAINTEXT listener, one through
SASL_SSL. Both principals (``User:ANONYMOUS`` on PLAINTEXT, ``User:corpactions`` on
SASL_SSL) hold exactly the service's ACLs, so both pay the same authorizer; the
difference is TLS and SASL. The rate is schedule events per second between the first
and the last event's timestamps (start-up excluded), every id checked exactly once.

    .venv/bin/python tests/bench/bench_secured.py [--n 20000]

Prints a plaintext broker's start time and the secured one's, the rate of each run
(``--rounds``, default 2, interleaved), then
``bench-secured: SASL_SSL/PLAINTEXT = R (SASL_SSL S ev/s, PLAINTEXT P ev/s)``.
Not part of `make test` or `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from corpactions.broker.local import KafkaDistribution, LocalKafka  # noqa: E402
from corpactions.ops.acls import worker_acls  # noqa: E402
from tests.bench.bench_stream import ids_of, read_outputs, resolutions, wait_ready  # noqa: E402
from tests.support.kafka import Namespace, WorkerProcess, key_of  # noqa: E402
from tests.support.secured import SecuredKafka  # noqa: E402


async def produce_all(bootstrap: str, topic: str, values: list[bytes], opts: Any) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                                max_batch_size=512 * 1024, **opts)  # fmt: skip
    await producer.start()
    try:
        futures = [await producer.send(topic, v, key=key_of(v)) for v in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def one(cluster: SecuredKafka, listener: str, values: list[bytes], workdir: Path) -> float:
    admin = cluster.admin_options("SASL_SSL")
    ns = Namespace(
        cluster.bootstrap("SASL_SSL"),
        partitions=1,
        client_options=admin,
        security_env={} if listener == "PLAINTEXT" else cluster.env(listener),
    )
    await ns.create()
    principal = "ANONYMOUS" if listener == "PLAINTEXT" else "corpactions"
    await cluster.grant(worker_acls(ns.topics, ns.app_id), principal)
    await produce_all(ns.bootstrap, ns.topics.resolutions, values, admin)
    ns.bootstrap = cluster.bootstrap(listener)  # the worker's listener
    worker = WorkerProcess(ns, workdir, CORPACTIONS_BATCH_SIZE="2000").start()
    try:
        await wait_ready(worker)
        out = await read_outputs(
            cluster.bootstrap("SASL_SSL"), ns.topics.schedules, len(values), 600, admin
        )
        out.check(f"service over {listener}", ids_of(values), 600)
    finally:
        worker.stop()
    print(f"{listener}: {len(values)} schedule events, {out.rate:,.0f} ev/s")
    return out.rate


async def run(n: int, rounds: int, workdir: Path) -> None:
    with LocalKafka(KafkaDistribution.ensure(), workdir / "plain", heap="768m") as plain_broker:
        print(f"plaintext broker (the tests' usual one): ready in "
              f"{plain_broker.started_in or 0:.1f}s")  # fmt: skip
    t0 = time.monotonic()
    cluster = SecuredKafka.start(workdir / "secured")
    print(f"secured broker (PLAINTEXT, SASL_SSL, SSL listeners, StandardAuthorizer): "
          f"ready in {cluster.started_in:.1f}s ({time.monotonic() - t0:.1f}s with the "
          "certificates)")  # fmt: skip
    rates: dict[str, list[float]] = {"PLAINTEXT": [], "SASL_SSL": []}
    try:
        values = resolutions(n, 11, False)
        for _ in range(rounds):  # interleaved, so the broker's warm-up favours neither
            for listener in rates:
                rates[listener].append(await one(cluster, listener, values, workdir))
    finally:
        cluster.stop()
    plain, sasl = max(rates["PLAINTEXT"]), max(rates["SASL_SSL"])
    print(f"bench-secured: SASL_SSL/PLAINTEXT = {sasl / plain:.3f} (best of {rounds}: "
          f"SASL_SSL {sasl:,.0f} ev/s, PLAINTEXT {plain:,.0f} ev/s)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs per listener, interleaved")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.n, args.rounds, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
