"""`corpactions worker`: the stream service (faust worker) on the commands' Kafka."""

from __future__ import annotations

import argparse

from corpactions.commands import bootstrap_servers
from corpactions.settings import Settings
from corpactions.stream.worker import run_worker


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings = settings.replace(bootstrap_servers=bootstrap_servers(settings))
    return run_worker(settings)
