"""`corpactions`: schedule | worker | broker | lag | dlq | demo. Thin wiring.

The parser is defined here; `corpactions X` runs ``corpactions.commands.X.run(args)``,
imported only when X is the command given, so `corpactions schedule` loads neither
aiokafka nor faust.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from corpactions.broker.local import BrokerError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpactions", description="Corporate-actions (cash dividend) service."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "schedule", help="print the computed schedule of one resolution (JSON, or ISO 20022)"
    )
    p.add_argument("file", help="a board resolution as JSON; - reads stdin")
    p.add_argument(
        "--history",
        metavar="FILE",
        help="the security's earlier messages (dividend forecasts, board resolutions) as a "
        "JSON array, in publication order: the fiscal roll-up counts them",
    )
    p.add_argument(
        "--format",
        choices=["json", "seev031"],
        default="json",
        help="json: the schedule (default); seev031: the ISO 20022 notification the "
        "service publishes (seev.031, or seev.039 for a cancellation)",
    )

    sub.add_parser("worker", help="run the stream service (KAFKA_BOOTSTRAP_SERVERS or local)")

    p = sub.add_parser("broker", help="the project's local Apache Kafka")
    p.add_argument("action", choices=["fetch", "start", "stop", "status"])

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

    p = sub.add_parser("demo", help="local broker + worker + the example resolution (make run)")
    p.add_argument(
        "--seed", default=None, help="resolution JSON to feed (default: the IIJ example)"
    )
    p.add_argument("--once", action="store_true", help="exit after the first output event")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = importlib.import_module(f"corpactions.commands.{args.command}")
    try:
        return int(command.run(args))
    except BrokerError as exc:
        print(f"corpactions: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
