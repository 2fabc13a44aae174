"""`make run`'s command: a newcomer sees the example resolution's schedule event printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from corpactions.broker.local import free_port

pytestmark = pytest.mark.kafka


def test_demo_prints_the_schedule_event_of_the_example(kafka_bootstrap: str) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CORPACTIONS_TOPIC_PREFIX": f"demo{os.getpid()}.",
        "CORPACTIONS_APP_ID": f"corpactions-demo-{os.getpid()}",
        "CORPACTIONS_WEB_PORT": str(free_port()),
        "CORPACTIONS_SESSION_TIMEOUT_S": "10",
        "CORPACTIONS_HEARTBEAT_INTERVAL_S": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "demo", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout.split("<- key JP3152820001:\n", 1)[1]
    event, _ = json.JSONDecoder().raw_decode(printed)
    assert event["type"] == "DividendScheduled"
    assert event["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"
