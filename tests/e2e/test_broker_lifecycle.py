"""The broker as users and test runs meet it: the CLI, and no process left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corpactions.broker.local import KAFKA_VERSIONS, probe_metadata
from corpactions.settings import Settings

pytestmark = pytest.mark.kafka

CLI = [sys.executable, "-m", "corpactions.cli"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _wait_dead(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_broker_start_status_stop_via_cli(tmp_path: Path) -> None:
    env = {**os.environ, "CORPACTIONS_CACHE": str(tmp_path / "cache")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    # share the already-fetched jars instead of fetching again into the temp cache
    shared = Path(__file__).resolve().parents[2] / ".cache" / "kafka"
    (tmp_path / "cache" / "kafka").mkdir(parents=True)
    for version_dir in shared.glob("[0-9]*"):
        (tmp_path / "cache" / "kafka" / version_dir.name).symlink_to(version_dir)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)

    assert cli("broker", "status").returncode == 3
    started = cli("broker", "start")
    try:
        assert started.returncode == 0, started.stderr
        assert "kafka started" in started.stdout
        bootstrap = started.stdout.split("bootstrap ")[1].split()[0]
        assert probe_metadata(bootstrap) == 1
        again = cli("broker", "start")
        assert "already running" in again.stdout
        status = cli("broker", "status")
        assert status.returncode == 0
        assert bootstrap in status.stdout
        pid = int(status.stdout.split("pid ")[1].rstrip(")\n"))
    finally:
        stopped = cli("broker", "stop")
    assert stopped.returncode == 0
    assert "kafka stopped" in stopped.stdout
    assert _wait_dead(pid, 10)
    assert cli("broker", "status").returncode == 3
    # the broker that ran is the version asked for (CORPACTIONS_KAFKA_VERSION, the matrix's)
    version = Settings.from_env().kafka_version
    log = (tmp_path / "cache" / "kafka" / "local" / "broker.log").read_text()
    assert f"Kafka version: {version}" in log
    # and its data is not handed to another version
    other = next(v for v in KAFKA_VERSIONS if v != version)
    env["CORPACTIONS_KAFKA_VERSION"] = other
    refused = cli("broker", "start")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"corpactions: the local broker's data ({tmp_path / 'cache' / 'kafka' / 'local'}) was "
        f"written by Kafka {version}, not {other} (CORPACTIONS_KAFKA_VERSION): set "
        f"CORPACTIONS_KAFKA_VERSION={version}, or remove that folder to start afresh"
    )


def test_broker_dies_with_a_test_run_killed_by_sigkill(tmp_path: Path) -> None:
    """A run that is killed outright (no finalizers) must not leave its broker behind."""
    script = textwrap.dedent(
        f"""
        import pathlib, time
        from corpactions.broker.local import KafkaDistribution, LocalKafka
        workdir = pathlib.Path({str(tmp_path)!r})
        broker = LocalKafka(KafkaDistribution.ensure(), workdir, heap="512m")
        broker.start()
        print(broker.process.pid, flush=True)
        time.sleep(600)
        """
    )
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert run.stdout is not None
    broker_pid = int(run.stdout.readline())
    assert _alive(broker_pid)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert _wait_dead(broker_pid, 15), "broker outlived the process that owned it"


def test_missing_java_is_one_clear_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent),  # python and corpactions, no java/mvn
        "CORPACTIONS_CACHE": str(tmp_path),
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    done = subprocess.run(
        [*CLI, "broker", "start"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "`mvn` was not found on PATH: install Apache Maven" in done.stderr
    assert "Traceback" not in done.stderr
