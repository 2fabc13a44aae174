"""`corpactions`: schedule | worker | lag | dlq | broker | demo. Thin wiring."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from corpactions.broker.local import BrokerError


def _cmd_schedule(args: argparse.Namespace) -> int:
    from corpactions.schedule_cmd import run

    return int(run(args.file, sys.stdout, sys.stderr))


def _cmd_broker(args: argparse.Namespace) -> int:
    from corpactions.broker import daemon
    from corpactions.broker.local import KafkaDistribution

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
        return 3
    print(f"kafka: running, bootstrap {live.bootstrap_servers} (pid {live.pid})")
    return 0


def _bootstrap_or_local() -> str:
    """KAFKA_BOOTSTRAP_SERVERS, else the local broker from `corpactions broker start`."""
    import os

    from corpactions.broker import daemon

    env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if env:
        return env
    state = daemon.running()
    if state is None:
        raise BrokerError(
            "no Kafka: set KAFKA_BOOTSTRAP_SERVERS, or run `corpactions broker start` first"
        )
    return state.bootstrap_servers


def _cmd_worker(args: argparse.Namespace) -> int:
    import dataclasses

    from corpactions.settings import Settings
    from corpactions.stream.worker import run_worker

    settings = Settings.from_env()
    if not settings.bootstrap_servers:
        settings = dataclasses.replace(settings, bootstrap_servers=_bootstrap_or_local())
    return run_worker(settings)


def _cmd_lag(args: argparse.Namespace) -> int:
    from corpactions.ops.lag_cmd import run_lag
    from corpactions.settings import Settings

    settings = Settings.from_env()
    return run_lag(
        settings.bootstrap_servers or _bootstrap_or_local(),
        args.group or None,
        watch=args.watch,
        as_json=args.json,
        client_options=settings.security.client_options(),
        intervals=settings.lag_window,
        out=sys.stdout,
    )


def _cmd_dlq(args: argparse.Namespace) -> int:
    from corpactions.ops.dlq import run_dlq
    from corpactions.settings import Settings

    if args.action == "replay" and not (args.reason or args.all):
        print("corpactions dlq replay: name the --reason(s) to replay, or --all", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    return run_dlq(
        args.action,
        settings.bootstrap_servers or _bootstrap_or_local(),
        settings.topics.dead_letters,
        settings.security.client_options(),
        sys.stdout,
        reasons=args.reason or (),
        rekey=args.rekey,
        dry_run=args.dry_run,
        as_json=args.json,
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    from corpactions.demo import run_demo

    return run_demo(args.seed, keep_running=not args.once)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpactions", description="Corporate-actions (cash dividend) service."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("schedule", help="print the computed schedule of one resolution (JSON)")
    p.add_argument("file", help="a board resolution as JSON; - reads stdin")
    p.set_defaults(func=_cmd_schedule)

    p = sub.add_parser("worker", help="run the stream service (KAFKA_BOOTSTRAP_SERVERS or local)")
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("broker", help="the project's local Apache Kafka")
    p.add_argument("action", choices=["fetch", "start", "stop", "status"])
    p.set_defaults(func=_cmd_broker)

    p = sub.add_parser(
        "lag", help="consumer lag and Burrow-style verdicts of every group (or --group G)"
    )
    p.add_argument("--group", action="append", metavar="G", help="only this group (repeatable)")
    p.add_argument(
        "--watch",
        nargs="?",
        type=float,
        const=5.0,
        default=None,
        metavar="SECONDS",
        help="refresh every SECONDS (default 5) until Ctrl-C",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list of partitions")
    p.set_defaults(func=_cmd_lag)

    p = sub.add_parser(
        "dlq", help="dead letters: count them by reason (list), or send them back (replay)"
    )
    p.add_argument("action", choices=["list", "replay"])
    p.add_argument("--reason", action="append", metavar="CODE", help="replay: only this reason")
    p.add_argument("--all", action="store_true", help="replay: every letter")
    p.add_argument(
        "--rekey", action="store_true", help="replay keyed by the security (wrong_key letters)"
    )
    p.add_argument("--dry-run", action="store_true", help="replay: count, send nothing")
    p.add_argument("--json", action="store_true", help="list: one JSON object per letter")
    p.set_defaults(func=_cmd_dlq)

    p = sub.add_parser("demo", help="local broker + worker + the example resolution (make run)")
    p.add_argument(
        "--seed", default=None, help="resolution JSON to feed (default: the IIJ example)"
    )
    p.add_argument("--once", action="store_true", help="exit after the first output event")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokerError as exc:
        print(f"corpactions: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
