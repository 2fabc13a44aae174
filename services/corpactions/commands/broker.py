"""`corpactions broker fetch|start|stop|status`: the project's local Apache Kafka.

Exit status: 0, except ``status`` when the broker is not running (3).
"""

from __future__ import annotations

import argparse

from corpactions.broker import daemon
from corpactions.broker.local import KafkaDistribution

EXIT_NOT_RUNNING = 3


def run(args: argparse.Namespace) -> int:
    if args.action == "fetch":
        dist = KafkaDistribution.ensure()
        print(f"kafka jars: {dist.libs}")
        return 0
    if args.action == "start":
        state, started = daemon.start()
        verb = "started" if started else "already running"
        print(f"kafka {verb}: bootstrap {state.bootstrap_servers} (pid {state.pid})")
        print(f"export KAFKA_BOOTSTRAP_SERVERS={state.bootstrap_servers}")
        return 0
    if args.action == "stop":
        print("kafka stopped" if daemon.stop() else "kafka was not running")
        return 0
    live = daemon.running()
    if live is None:
        print("kafka: not running")
        return EXIT_NOT_RUNNING
    print(f"kafka: running, bootstrap {live.bootstrap_servers} (pid {live.pid})")
    return 0
