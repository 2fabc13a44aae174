"""`make faults`: the fault suite at full size on real Kafka; the last line sums it up.

    faults: lost=L duplicated=D unexpected=U wrong=W dead_lettered=X/Y faults_busy=B/F (...)

Exits non-zero when anything was lost, doubled, unexpected or wrong, a bad payload was not
dead-lettered for its reason, or a fault missed a busy worker. Sizes follow the
performance issue: 50,000 resolutions with 5 kill -9 of the worker; a 3-broker cluster
losing the transaction coordinator, then an input partition's leader; two workers ->
one -> two; 10,000 hostile payloads (8,000 of the fixed kinds, 2,000 generated)
interleaved with 10,000 valid ones. `--quick` runs the short forms' sizes.
`make faults` then runs tests/faults/mutations.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.faults import harness
from tests.support.kafka import env_or_local_broker


async def suite(bootstrap: str, workdir: Path, quick: bool) -> list[harness.Report]:
    runs: list[Callable[[], Awaitable[harness.Report]]]
    if quick:
        runs = [
            lambda: harness.kill9(bootstrap, workdir, 3000, 2, 250),
            lambda: harness.broker_loss(workdir, 2400, 150),
            lambda: harness.rebalance(bootstrap, workdir, 2400, 200),
            lambda: harness.hostile(bootstrap, workdir, 380, 300, 200),
        ]
    else:
        runs = [
            lambda: harness.kill9(bootstrap, workdir, 50_000, 5, 1000),
            lambda: harness.broker_loss(workdir, 20_000, 500),
            lambda: harness.rebalance(bootstrap, workdir, 20_000, 500),
            lambda: harness.hostile(bootstrap, workdir, 8_000, 10_000, 2_000),
        ]
    reports = []
    for run in runs:
        report = await run()
        print(report.details(), flush=True)
        reports.append(report)
    return reports


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, env_or_local_broker(Path(tmp)) as bootstrap:
        reports = asyncio.run(suite(bootstrap, Path(tmp), args.quick))
    total = {
        k: sum(getattr(r, k) for r in reports)
        for k in ("lost", "duplicated", "unexpected", "wrong", "dead_lettered", "bad_total")
    }
    faults = sum(len(r.faults) for r in reports)
    busy = faults - sum(r.missed for r in reports)
    valid = sum(r.expected for r in reports)
    print(
        f"faults: lost={total['lost']} duplicated={total['duplicated']} "
        f"unexpected={total['unexpected']} wrong={total['wrong']} "
        f"dead_lettered={total['dead_lettered']}/{total['bad_total']} "
        f"faults_busy={busy}/{faults} "
        f"({valid} valid resolutions x 4 outputs (3 events, 1 notification) "
        f"across {len(reports)} scenarios: "
        + ", ".join(f"{r.scenario} {r.seconds:.0f}s" for r in reports)
        + ")"
    )
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
