"""Short forms of the fault suite (`make faults` runs the long ones): nothing lost or doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import harness

pytestmark = pytest.mark.kafka


async def test_kill_minus_9_of_the_worker_loses_and_doubles_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = await harness.kill9(kafka_bootstrap, tmp_path, n=1500, kills=2, rate=300)
    print(report.line())
    assert report.ok, report.line()


async def test_two_workers_to_one_to_two_loses_and_doubles_nothing(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = await harness.rebalance(kafka_bootstrap, tmp_path, n=1200, rate=200)
    print(report.line())
    assert report.ok, report.line()


async def test_hostile_payloads_all_dead_lettered_valid_ones_all_processed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    report = await harness.hostile(kafka_bootstrap, tmp_path, n_bad=320, n_valid=300)
    print(report.line())
    assert report.ok, report.line()


async def test_losing_one_broker_of_three_mid_stream_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    report = await harness.broker_loss(tmp_path, n=900, rate=150)
    print(report.line())
    assert report.ok, report.line()
