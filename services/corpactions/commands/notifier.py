"""`corpactions notifier`: a worker running only the ISO 20022 notifier agent.

The same process as `corpactions worker` with ``CORPACTIONS_AGENTS=notifier``: it reads
the schedule events in its own consumer group (``<app id>-notifier``) and writes the
seev.031/seev.039 documents; run the workers with ``CORPACTIONS_AGENTS=lifecycle`` then,
and scale each by its own replicas. Exit status 2 when documents are off
(``CORPACTIONS_ISO20022_NOTIFICATIONS=false``: nothing to run), as for `worker` otherwise.
"""

from __future__ import annotations

import argparse
import sys

from corpactions.commands.worker import run_agents
from corpactions.settings import Settings


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.iso20022_notifications:
        print(
            "corpactions notifier: CORPACTIONS_ISO20022_NOTIFICATIONS=false: no documents "
            "to write, nothing to run",
            file=sys.stderr,
        )
        return 2
    return run_agents(settings.replace(agents=("notifier",)), "notifier")
