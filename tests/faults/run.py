"""`make faults`: the fault suite at full size on real Kafka; the last line sums it up.

    faults: lost=L duplicated=D dead_lettered=X/Y (...)

Exits non-zero when anything was lost or doubled, or a bad payload was not dead-lettered.
Sizes follow the performance issue: 50,000 resolutions with 5 kill -9 of the worker;
a 3-broker cluster losing one broker mid-stream; two workers -> one -> two; 10,000
hostile payloads interleaved with 10,000 valid ones. `--quick` runs the short forms.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.faults import harness
from tests.support.kafka import env_or_local_broker


async def suite(bootstrap: str, workdir: Path, quick: bool) -> list[harness.Report]:
    scale = 0.05 if quick else 1.0
    reports = []
    for _name, run in (
        ("kill-9", lambda: harness.kill9(bootstrap, workdir, int(50_000 * scale), 5, 1000)),
        ("broker-loss", lambda: harness.broker_loss(workdir, int(20_000 * scale), 500)),
        ("rebalance", lambda: harness.rebalance(bootstrap, workdir, int(20_000 * scale), 500)),
        (
            "hostile",
            lambda: harness.hostile(bootstrap, workdir, int(10_000 * scale), int(10_000 * scale)),
        ),
    ):
        t0 = time.monotonic()
        report = await run()
        report.notes.append(f"{time.monotonic() - t0:.0f}s")
        print(report.line(), flush=True)
        reports.append(report)
    return reports


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, env_or_local_broker(Path(tmp)) as bootstrap:
        reports = asyncio.run(suite(bootstrap, Path(tmp), args.quick))
    lost = sum(r.lost for r in reports)
    dup = sum(r.duplicated for r in reports)
    dl = sum(r.dead_lettered for r in reports)
    bad = sum(r.bad_total for r in reports)
    valid = sum(r.expected for r in reports)
    print(
        f"faults: lost={lost} duplicated={dup} dead_lettered={dl}/{bad} "
        f"({valid} valid resolutions x 3 events across {len(reports)} scenarios: "
        + ", ".join(r.scenario for r in reports)
        + ")"
    )
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
