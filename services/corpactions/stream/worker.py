"""Run the faust app as a worker process (``corpactions worker``) with the real clock."""

from __future__ import annotations

import logging

import faust

from corpactions.settings import Settings
from corpactions.stream.app import create_app
from corpactions.stream.clock import clock_for
from corpactions.stream.logs import logging_config

# Loggers that log every produced/fetched message at DEBUG. faust's `-l warn` sets the
# root level, but these keep their own handlers' checks cheap only when set explicitly.
_NOISY = ("aiokafka", "faust.topics", "faust.transport", "mode")


def run_worker(settings: Settings) -> int:
    app = create_app(settings, clock_for(settings.clock_file))
    level = {"crit": logging.CRITICAL, "error": logging.ERROR, "warn": logging.WARNING}.get(
        settings.log_level, logging.INFO if settings.log_level == "info" else logging.DEBUG
    )
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    worker = faust.Worker(
        app,
        loglevel=settings.log_level,
        quiet=True,
        # our handler and formatter (text or JSON, never colour codes), not faust's
        logging_config=logging_config(settings.log_format, level),
    )
    # faust's start-up spinner writes ESC[?25l / ESC[?25h (hide/show the cursor) even
    # when its output is a file or a pipe; a log line says "Ready" instead (at info)
    worker.spinner = None
    worker.execute_from_commandline()  # blocks; handles SIGINT/SIGTERM gracefully
    return 0
