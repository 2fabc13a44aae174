"""`corpactions broker start|stop|status`: one detached local broker per checkout.

Its state (pid, ports, data) lives in ``.cache/kafka/local/``; data persists across
stop/start so topics and committed offsets survive, like a real broker's.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from corpactions.broker.local import (
    BrokerError,
    KafkaDistribution,
    LocalKafka,
    default_cache_dir,
    free_port,
    probe_metadata,
)


@dataclass(frozen=True)
class DaemonState:
    pid: int
    port: int
    controller_port: int
    started_at: float

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"


def home(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / "kafka" / "local"


def _state_file(cache_dir: Path | None) -> Path:
    return home(cache_dir) / "state.json"


def read_state(cache_dir: Path | None = None) -> DaemonState | None:
    path = _state_file(cache_dir)
    try:
        return DaemonState(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running(cache_dir: Path | None = None) -> DaemonState | None:
    """The daemon's state when its process is alive and answers metadata, else None."""
    state = read_state(cache_dir)
    if state is None or not _alive(state.pid):
        return None
    try:
        probe_metadata(state.bootstrap_servers, timeout=2.0)
    except OSError:
        return None
    return state


def start(cache_dir: Path | None = None) -> tuple[DaemonState, bool]:
    """Start the detached broker unless it runs; return (state, started_now)."""
    state = running(cache_dir)
    if state is not None:
        return state, False
    old = read_state(cache_dir)
    if old is not None and _alive(old.pid):
        # alive but not answering: a hung broker; replace it.
        stop(cache_dir)
    dist = KafkaDistribution.ensure(cache_dir)
    # KRaft data written by one Kafka version is not for another to guess at (a newer
    # metadata version is unreadable to an older broker): one line, not a broker crash
    written_by = home(cache_dir) / "kafka-version"
    if written_by.exists() and written_by.read_text().strip() != dist.version:
        raise BrokerError(
            f"the local broker's data ({home(cache_dir)}) was written by Kafka "
            f"{written_by.read_text().strip()}, not {dist.version} (CORPACTIONS_KAFKA_VERSION): "
            f"set CORPACTIONS_KAFKA_VERSION={written_by.read_text().strip()}, or remove that "
            "folder to start afresh"
        )
    # Reuse the ports of the formatted data dir when free, so clients' configs stay valid.
    port = old.port if old and _port_free(old.port) else None
    cport = old.controller_port if old and port and _port_free(old.controller_port) else None
    broker = LocalKafka(
        dist, home(cache_dir), owned=False, port=port, controller_port=cport, heap="1g"
    )
    broker.start()
    written_by.write_text(f"{dist.version}\n")
    assert broker.process is not None
    assert broker.port is not None
    assert broker.controller_port is not None
    state = DaemonState(broker.process.pid, broker.port, broker.controller_port, time.time())
    _state_file(cache_dir).write_text(json.dumps(asdict(state)))
    return state, True


def _port_free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def stop(cache_dir: Path | None = None, grace: float = 20.0) -> bool:
    """Stop the detached broker; True when one was running."""
    state = read_state(cache_dir)
    if state is None or not _alive(state.pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _alive(state.pid):
        time.sleep(0.1)
        _reap(state.pid)
    if _alive(state.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(state.pid, signal.SIGKILL)
        time.sleep(0.2)
        _reap(state.pid)
    if _alive(state.pid):
        raise BrokerError(f"broker pid {state.pid} did not stop")
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


__all__ = ["DaemonState", "free_port", "read_state", "running", "start", "stop"]
