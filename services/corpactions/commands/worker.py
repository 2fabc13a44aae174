"""`corpactions worker`: the stream service (faust worker) on the commands' Kafka."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses

from corpactions.commands import bootstrap_servers
from corpactions.ops.access import check_login
from corpactions.settings import Settings
from corpactions.stream.worker import run_worker


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings = dataclasses.replace(settings, bootstrap_servers=bootstrap_servers(settings))
    assert settings.bootstrap_servers is not None
    # a refused login or certificate: one line and exit 2 (KafkaAccessError), before the
    # clients would retry it as an unreachable broker
    asyncio.run(check_login(settings.bootstrap_servers, settings.security))
    return run_worker(settings)
