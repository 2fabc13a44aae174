"""`corpactions worker`: the stream service (faust worker) on the commands' Kafka.

Before faust starts, Kafka is checked (reachable, the login accepted, the topics created
or verified): a problem is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from corpactions.broker.local import BrokerError
from corpactions.commands import bootstrap_servers
from corpactions.ops.access import check_login
from corpactions.settings import Settings
from corpactions.stream.startup import CannotStart, check_kafka


def run(args: argparse.Namespace) -> int:
    return run_agents(Settings.from_env(), "worker")


def run_agents(settings: Settings, command: str) -> int:
    """Check Kafka, then run the worker with the agents of ``settings``."""
    if not settings.running_agents:
        print(
            f"corpactions {command}: nothing to run: CORPACTIONS_AGENTS names only the "
            "notifier and CORPACTIONS_ISO20022_NOTIFICATIONS is false",
            file=sys.stderr,
        )
        return 2
    try:
        settings = settings.replace(bootstrap_servers=bootstrap_servers(settings))
        assert settings.bootstrap_servers is not None
        # a refused login or certificate, named precisely (ops/access.py; exit 2 through
        # cli.py's SettingsError), before the topics and reachability checks
        asyncio.run(check_login(settings.bootstrap_servers, settings.security))
        asyncio.run(check_kafka(settings))
    except (CannotStart, BrokerError) as exc:  # BrokerError: no Kafka named, none running
        print(f"corpactions {command}: {exc}", file=sys.stderr)
        return 2
    from corpactions.stream.worker import run_worker  # faust: loaded once Kafka is fine

    return run_worker(settings)
