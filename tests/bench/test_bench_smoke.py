"""Every benchmark of `make bench`, `make bench-timers` and `make bench-secured` run at a
tiny size: it exits 0 and prints its last line, so that no bench rots unnoticed between
the runs that measure. The figures are not looked at (tests never assert timings).

The benches that need a broker use the tests' broker (KAFKA_BOOTSTRAP_SERVERS), except
bench_secured, which starts its own secured one. bench_stream's Quix Streams peer runs
from .venv-bench (`make bench-setup`, which `make test` runs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "bench"


def run_bench(script: str, *args: str, bootstrap: str | None = None, timeout: float = 240) -> str:
    env = dict(os.environ)
    if bootstrap is not None:
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{script} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


NO_BROKER = [
    ("bench_core.py", ("--n", "40", "--seconds", "0.03"), "bench-core: core "),
    ("bench_cli.py", ("--runs", "1"), "bench-cli: schedule "),
    ("bench_jsonl.py", ("--n", "200", "--runs", "1"), "bench-jsonl: "),
    ("bench_lifecycle.py", ("--n", "200", "--rounds", "1"), "bench-lifecycle: decode "),
    ("bench_lifecycle.py", ("--n", "200", "--rounds", "1"), "bench-history: 1 earlier "),
]


def test_the_benches_without_a_broker_run_at_a_tiny_size() -> None:
    """Side by side (each is mostly its start-up: imports and calendars)."""
    scripts = sorted({(script, args) for script, args, _ in NO_BROKER})
    running = {
        (script, args): subprocess.Popen(
            [sys.executable, str(BENCH / script), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for script, args in scripts
    }
    outputs = {}
    for (script, _args), proc in running.items():
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{out}\n{err}"
        outputs[script] = out
    for script, _, line in NO_BROKER:
        assert line in outputs[script], outputs[script]


@pytest.mark.kafka
def test_bench_stream_runs_at_a_tiny_size(kafka_bootstrap: str) -> None:
    out = run_bench(
        "bench_stream.py", "--n", "200", "--rate", "50", "--seconds", "1",
        bootstrap=kafka_bootstrap,
    )  # fmt: skip
    assert "bench-peer: service/quix = " in out, out
    assert "latency: p50 " in out, out


@pytest.mark.kafka
def test_bench_timers_runs_at_a_tiny_size(kafka_bootstrap: str) -> None:
    out = run_bench(
        "bench_timers.py", "--timers", "400", "--stable", "1", bootstrap=kafka_bootstrap
    )
    assert "bench-timers: restart " in out, out


@pytest.mark.kafka
def test_bench_secured_runs_at_a_tiny_size() -> None:
    out = run_bench("bench_secured.py", "--n", "100", "--rounds", "1")
    assert "bench-secured: SASL_SSL/PLAINTEXT = " in out, out
