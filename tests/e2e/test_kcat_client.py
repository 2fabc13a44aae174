"""A real external Kafka client (kcat, librdkafka) publishes a resolution and reads the events."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.kafka import EXAMPLE, Namespace, WorkerProcess

pytestmark = pytest.mark.kafka


def kcat(*args: str, stdin: bytes | None = None) -> str:
    exe = shutil.which("kcat")
    assert exe, "kcat is installed by `make tools` (Debian package kcat)"
    done = subprocess.run([exe, *args], input=stdin, capture_output=True, timeout=60, check=True)
    return done.stdout.decode()


def read_all(bootstrap: str, topic: str) -> list[str]:
    out = kcat(
        "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
        "-X", "isolation.level=read_committed",
        "-f", "%k\t%h\t%s\n",
    )  # fmt: skip
    return [line for line in out.splitlines() if line]


def test_kcat_publishes_a_resolution_and_reads_schedule_and_record_date_events(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    spawn_worker()
    payload = json.dumps(json.loads(EXAMPLE.read_text())).encode()  # one line
    kcat("-P", "-b", namespace.bootstrap, "-t", t.resolutions, "-k", "JP3152820001",
         stdin=payload)  # fmt: skip
    deadline = time.monotonic() + 60
    schedules: list[str] = []
    records: list[str] = []
    while time.monotonic() < deadline and not (schedules and records):
        schedules = read_all(namespace.bootstrap, t.schedules)
        records = read_all(namespace.bootstrap, t.record_dates)
        time.sleep(0.5)
    assert len(schedules) == 1
    key, headers, value = schedules[0].split("\t", 2)
    assert key == "JP3152820001"
    assert "ce_type=DividendScheduled" in headers
    assert json.loads(value)["schedule"]["primary_listing"]["ex_date"] == "2016-09-28"
    # the real clock is far past 2016-09-30: the record date fired at once
    assert len(records) == 1
    assert json.loads(records[0].split("\t", 2)[2])["record_date"] == "2016-09-30"
