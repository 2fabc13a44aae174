"""Short forms of the fault suite (`make faults` runs the long ones).

Each fault strikes a busy worker while timers are pending; afterwards every output is read
to the end and must be exactly what the inputs give (tests/faults/harness.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import harness

pytestmark = pytest.mark.kafka


def _assert_ok(report: harness.Report) -> None:
    print(report.details())
    assert report.ok, report.details()


async def test_kill_minus_9_of_a_busy_worker_loses_and_doubles_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    _assert_ok(await harness.kill9(kafka_bootstrap, tmp_path, n=3000, kills=2, rate=250))


async def test_two_workers_to_one_to_two_loses_and_doubles_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    _assert_ok(await harness.rebalance(kafka_bootstrap, tmp_path, n=2400, rate=200))


async def test_hostile_payloads_each_dead_lettered_for_its_own_reason(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    _assert_ok(
        await harness.hostile(kafka_bootstrap, tmp_path, n_bad=380, n_valid=300, n_generated=200)
    )


@pytest.mark.timeout(600)  # a 3-node cluster of its own; the coordinator's loss stalls
# commits until CORPACTIONS_TXN_TIMEOUT_S (60 s) replaces the producer
async def test_losing_the_coordinator_then_a_leader_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    _assert_ok(await harness.broker_loss(tmp_path, n=2400, rate=150))
