"""`make run`'s command: a newcomer sees the example resolution's schedule event printed,
then the ISO 20022 document the notifier agent wrote for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpactions.broker.local import free_port

GOLDEN = Path(__file__).parents[1] / "unit" / "golden"

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
    event, end = json.JSONDecoder().raw_decode(printed)
    assert event["type"] == "DividendScheduled"
    assert event["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"
    after = printed[end:]
    assert "notifications.seev031.v1 <- key JP3152820001:\n" in after
    document = after.split("<- key JP3152820001:\n", 1)[1]
    assert document.encode() == (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
