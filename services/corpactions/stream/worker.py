"""Run the faust app as a worker process (``corpactions worker``) with the real clock."""

from __future__ import annotations

import logging

import faust

from corpactions.settings import Settings
from corpactions.stream.app import create_app
from corpactions.stream.clock import clock_from_env

# Loggers that log every produced/fetched message at DEBUG. faust's `-l warn` sets the
# root level, but these keep their own handlers' checks cheap only when set explicitly.
_NOISY = ("aiokafka", "faust.topics", "faust.transport", "mode")


def run_worker(settings: Settings) -> int:
    app = create_app(settings, clock_from_env())
    level = {"crit": logging.CRITICAL, "error": logging.ERROR, "warn": logging.WARNING}.get(
        settings.log_level, logging.INFO if settings.log_level == "info" else logging.DEBUG
    )
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()  # blocks; handles SIGINT/SIGTERM gracefully
    return 0
