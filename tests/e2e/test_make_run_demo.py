"""`make run`'s command: a newcomer sees the example resolution's schedule event printed,
then the ISO 20022 document the notifier agent wrote for it, then the service's own
address and what to try, and no line that looks like a failure."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from corpactions.broker.local import free_port

GOLDEN = Path(__file__).parents[1] / "unit" / "golden"

pytestmark = pytest.mark.kafka

# what a first run that works must not print (aiokafka's ERROR lines while a fresh
# broker's partitions and coordinators settle, a traceback of any kind)
ALARMING = re.compile(r"ERROR|Traceback|NotLeaderForPartition|CoordinatorNotAvailable")


def test_demo_prints_the_event_then_the_service_url_and_nothing_alarming(
    kafka_bootstrap: str,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        # fresh topics and group: created by this run, as on a first `make run`
        "CORPACTIONS_TOPIC_PREFIX": f"demo{os.getpid()}.",
        "CORPACTIONS_APP_ID": f"corpactions-demo-{os.getpid()}",
        "CORPACTIONS_WEB_PORT": str(port),
        "CORPACTIONS_SESSION_TIMEOUT_S": "10",
        "CORPACTIONS_HEARTBEAT_INTERVAL_S": "1",
    }
    demo = subprocess.Popen(
        [sys.executable, "-m", "corpactions.cli", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        printed = []
        for line in demo.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C stops"):
                break
        out = "".join(printed)
        assert "Ctrl-C stops" in out, out[-3000:]
        event, _ = json.JSONDecoder().raw_decode(out.split("<- key JP3152820001:\n", 1)[1])
        assert event["type"] == "DividendScheduled"
        assert event["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"
        after = out.split("<- key JP3152820001:\n", 1)[1]
        assert "notifications.seev031.v1 <- key JP3152820001:\n" in after
        document = after.split("notifications.seev031.v1 <- key JP3152820001:\n", 1)[1]
        golden = (GOLDEN / "seev031.iij-fy2016-interim.xml").read_text()
        assert document.startswith(golden), document[:3000]

        # it ends with the service's own address, which answers, and what to try next
        url = f"http://localhost:{port}"
        assert f"corpactions is running: {url}" in out
        closing = out.split("corpactions is running:", 1)[1]
        assert f"curl -s {url}/actions/JP3152820001-DVCA-FY2016-INTERIM/" in closing
        assert "corpactions schedule" in closing
        assert f"{url}/calendar?from=2016-09-01&to=2016-12-31" in closing
        assert "corpactions lag" in closing
        action = f"{url}/actions/JP3152820001-DVCA-FY2016-INTERIM/"
        with urllib.request.urlopen(action) as r:  # noqa: S310 (http, our own)
            assert json.load(r)["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"
    finally:
        demo.send_signal(signal.SIGINT)
        rest, err = demo.communicate(timeout=90)
    assert demo.returncode == 0, err[-3000:]
    assert not ALARMING.findall(out + rest + err), (out + rest + err)[-3000:]
