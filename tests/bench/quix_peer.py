"""The peer of ``make bench``: the service's work written as a Quix Streams application.

What a user who picks the framework instead of this service would write: exactly-once
processing (Kafka transactions), and per message the same contract, core and
serializer the service calls (`BoardResolution.model_validate_json` ->
`schedule_dividend` -> `schedule_json`), each action kept in a changelogged state store
(RocksDB plus its changelog topic), the schedule written to the output topic. No timers,
history or dedupe: the service does more per resolution than this.

Quix Streams pins pydantic below the service's, so it runs from a venv of its own
(``.venv-bench``, `make bench-setup`, requirements-bench.lock): the same code on that
pydantic.

    .venv-bench/bin/python quix_peer.py --bootstrap HOST:PORT --source IN --sink OUT --n N
                                        --state-dir DIR

Exits 0 once it has produced ``N`` schedules (and committed them), non-zero otherwise.
Its settings are the framework's defaults but for the guarantee, the group and where to
start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from quixstreams import Application, State

from corpactions.calendar_cache import default_cache
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.schedule import schedule_json
from corpactions.domain import configure_calendars, horizon_for, preload, schedule_dividend


def schedule(value: bytes, state: State) -> bytes:
    resolution = BoardResolution.model_validate_json(value)
    out = schedule_json(resolution, schedule_dividend(resolution))
    # the action, kept (changelogged) as the service keeps it; the store's default
    # serializer is JSON, so as text
    state.set(resolution.event_id, out.decode())
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--sink", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()

    # as the worker does at start-up: the horizon from today, every market built up front
    configure_calendars(horizon_for(dt.date.today()), default_cache())
    preload()

    app = Application(
        broker_address=args.bootstrap,
        consumer_group=f"quix-{args.source}",
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    source = app.topic(args.source, key_deserializer="bytes", value_deserializer="bytes")
    sink = app.topic(args.sink, key_serializer="bytes", value_serializer="bytes")
    sdf: Any = app.dataframe(source)
    sdf = sdf.apply(schedule, stateful=True)
    sdf.to_topic(sink)
    app.run(count=args.n, collect=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
