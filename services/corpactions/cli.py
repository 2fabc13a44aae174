"""`corpactions`: schedule | extract | worker | notifier | broker | lag | dlq | demo.
Thin wiring.

The parser is defined here; `corpactions X` runs ``corpactions.commands.X.run(args)``,
imported only when X is the command given, so `corpactions schedule` loads neither
aiokafka nor faust. This module itself imports only the standard library and the
exceptions it reports (errors.py): every command, and `--help`, starts from here.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from corpactions.errors import BrokerError, SettingsError


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with the command's own exit status (``corpactions
    lag`` is a monitoring check: 3, UNKNOWN)."""

    def __init__(
        self,
        *args: Any,
        usage_exit: int = 2,
        lazy_epilog: Callable[[], str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.usage_exit = usage_exit
        self.commands: dict[str, _Parser] = {}
        # an epilog worth an import (the contracts' models) is only written for --help
        self.lazy_epilog = lazy_epilog

    def format_help(self) -> str:
        if self.lazy_epilog is not None:
            self.epilog, self.lazy_epilog = self.lazy_epilog(), None
        return super().format_help()

    def error(self, message: str) -> NoReturn:
        self.exit(self.usage_exit, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _connection_flags(p: argparse.ArgumentParser) -> None:
    """Kafka's tools' flags (see ops/kafka_config.py); both override the environment."""
    p.add_argument(
        "--bootstrap-server",
        metavar="HOST:PORT[,...]",
        help="the Kafka cluster (default: KAFKA_BOOTSTRAP_SERVERS, else the local broker)",
    )
    p.add_argument(
        "--command-config",
        metavar="FILE",
        help="Kafka client properties (security.protocol, sasl.mechanism, sasl.jaas.config, "
        "ssl.truststore.location of a PEM file, ...), as for kafka-consumer-groups.sh",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="corpactions", description="Corporate-actions (cash dividend) service.")
    parser.add_argument("--version", action="version", version=f"corpactions {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, epilog: str = "", **kwargs: Any) -> _Parser:
        """A command whose --help ends with the environment variables it reads."""
        lazy = kwargs.pop("lazy_epilog", None)

        def full_epilog() -> str:
            own = lazy() if lazy is not None else epilog
            return "\n".join(part for part in (own, _environment(name)) if part)

        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        if "description" in kwargs:  # raw: the epilog's layout is kept, so wrap this here
            kwargs["description"] = textwrap.fill(kwargs["description"], 78)
        p: _Parser = sub.add_parser(name, lazy_epilog=full_epilog, **kwargs)
        parser.commands[name] = p
        return p

    p = add("schedule", help="print the computed schedule of one resolution (JSON, or ISO 20022)")
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
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="batch: FILE holds one resolution per line (JSON Lines); one result per line "
        'out, {"line": N, "ok": true, "schedule": ...} or {"line": N, "ok": false, '
        '"errors": [...]}; invalid lines do not stop it; exit 0 all valid, 2 any invalid, '
        "1 FILE unreadable",
    )

    p = add(
        "extract",
        help="read an issuer's dividend announcement (text) into board resolutions and "
        "forecasts (JSON), with what to review; --produce sends them",
        description="Read the text of a dividend announcement (a press release, a wire "
        "page, a filing; tables may be flattened) and print {resolutions, forecasts, review} "
        "as JSON. The options supply what the text does not say, and win over what it "
        "says with a review note.",
        epilog=EXTRACT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="the announcement as UTF-8 text; - reads stdin")
    p.add_argument("--mic", help="the primary listing's market (ISO 10383), e.g. XTKS, XNYS")
    p.add_argument("--isin", help="the share's ISIN (the Kafka key when given)")
    p.add_argument("--local-code", metavar="CODE", help="TSE securities code or US ticker")
    p.add_argument("--issuer", metavar="NAME", help="the issuer's legal name")
    p.add_argument("--resolved-on", metavar="YYYY-MM-DD", help="the board's resolution date")
    p.add_argument("--fiscal-year-end", metavar="YYYY-MM-DD", help="the dividend's fiscal year end")
    p.add_argument(
        "--other-listing",
        action="append",
        metavar="MIC:SYMBOL:SHARES_PER_UNIT",
        help="another listing, e.g. XNAS:IIJI:0.5 for 2 ADS = 1 share (repeatable)",
    )
    p.add_argument(
        "--event-id",
        action="append",
        metavar="ID",
        help="event_id, one per dividend in order (default: fresh)",
    )
    p.add_argument(
        "--message-id",
        action="append",
        metavar="ID",
        help="message_id, one per dividend (default: fresh)",
    )
    p.add_argument(
        "--produce",
        action="store_true",
        help="send the resolutions and forecasts to the board-resolutions topic, keyed by "
        "the security (only when the text was read with confidence: exit 0)",
    )
    _connection_flags(p)

    add(
        "worker",
        help="run the stream service (KAFKA_BOOTSTRAP_SERVERS or local)",
        description="Run the stream service: consume board resolutions and forecasts, emit "
        "schedules, date events, ISO 20022 notifications and dead letters, exactly once. "
        "Several workers with the same CORPACTIONS_APP_ID share the partitions as one "
        "consumer group. It first checks Kafka: a bad setting, Kafka not answering within "
        "CORPACTIONS_STARTUP_TIMEOUT_S, a refused login or certificate, or topics not as "
        "expected end it with one line on stderr and exit status 2. SIGTERM or Ctrl-C stops "
        "it after the transactions in flight.",
        epilog="exit status: 0 stopped by a signal; 2 it cannot start (the line says why)",
    )
    add(
        "notifier",
        help="run only the ISO 20022 notifier (schedule events -> seev.031/039), in its own "
        "processes (CORPACTIONS_AGENTS=notifier)",
        description="Run only the ISO 20022 notifier agent: consume the schedule events "
        "(read_committed) in its own consumer group and write the seev.031/seev.039 "
        "documents, exactly once. Scale it by starting more of them with the same "
        "CORPACTIONS_APP_ID. Start-up checks and exit statuses are the worker's.",
        epilog="exit status: 0 stopped by a signal; 2 it cannot start (the line says why)",
    )

    p = add(
        "broker",
        help="the project's local Apache Kafka",
        description="The project's local single-node KRaft Kafka, for `make run` and the "
        "tests: fetch its jars from Maven Central, start it detached, stop it, or show "
        "whether it runs.",
    )
    p.add_argument("action", choices=["fetch", "start", "stop", "status"])

    p = add(
        "lag",
        help="consumer lag and Burrow-style verdicts of every group (or --group G); a "
        "monitoring check",
        description="Consumer lag in offsets and seconds, with Burrow's verdicts, of every "
        "group on the cluster or of the groups named.",
        epilog=LAG_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage_exit=3,
    )
    p.add_argument("--group", action="append", metavar="G", help="only this group (repeatable)")
    p.add_argument(
        "--watch",
        nargs="?",
        type=_positive,
        const=5.0,
        default=None,
        metavar="SECONDS",
        help="sample every SECONDS (default 5) until Ctrl-C: the table redrawn on a "
        "terminal, else one line (--json: one JSON object) per sample",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="a JSON list of partitions (a NOTFOUND group: one row, partition fields null)",
    )
    p.add_argument(
        "--all-groups",
        action="store_true",
        help="every group on the cluster (the default without --group), as for "
        "kafka-consumer-groups --describe --all-groups",
    )
    p.add_argument(
        "--timeout",
        type=_milliseconds,
        default=30000,
        metavar="MS",
        help="give up (UNKNOWN) when Kafka does not answer within MS milliseconds, as "
        "Kafka's tools take it (default 30000)",
    )
    _connection_flags(p)

    p = add(
        "dlq",
        help="dead letters: count them by reason (list), or send them back (replay)",
        description="The dead letters of the board-resolutions topic: list them, or send "
        "chosen ones back to the topic they came from.",
        lazy_epilog=_dlq_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=["list", "replay"])
    p.add_argument(
        "--reason", action="append", metavar="CODE", help="only letters of this reason (repeatable)"
    )
    p.add_argument("--all", action="store_true", help="replay: every letter")
    p.add_argument(
        "--rekey", action="store_true", help="replay keyed by the security (wrong_key letters)"
    )
    p.add_argument("--dry-run", action="store_true", help="replay: count, send nothing")
    p.add_argument(
        "--limit", type=_count, metavar="N", help="replay at most N letters (the oldest first)"
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only letters dead-lettered at or after WHEN: an ISO time or date (UTC unless "
        "it says), a duration ago (90m, 6h, 2d), or a DLQ offset (a whole number)",
    )
    p.add_argument(
        "--until", metavar="WHEN", help="only letters before WHEN (same forms as --since)"
    )
    p.add_argument("--partition", type=_count, metavar="P", help="only the DLQ topic's partition P")
    p.add_argument(
        "--json",
        action="store_true",
        help="list: one JSON object per letter; replay: a JSON summary",
    )
    _connection_flags(p)

    p = add(
        "demo",
        help="local broker + worker + the example resolution (make run)",
        description="Start the local Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set) and a "
        "worker, send the example resolution, print the schedule event it answers with, "
        "then the service's address; Ctrl-C stops the worker, and the broker if this "
        "started it.",
    )
    p.add_argument(
        "--seed", default=None, help="resolution JSON to feed (default: the IIJ example)"
    )
    p.add_argument("--once", action="store_true", help="exit after the first output event")
    return parser


LAG_HELP = """\
exit status (monitoring plugin convention):
  0  OK        every group OK
  1  WARNING   the worst group is WARN (offsets move, lag does not shrink)
  2  CRITICAL  a group is ERR (a partition STOP, STALL or REWIND), or a group named
               with --group has no committed offset (NOTFOUND: mistyped or vanished)
  3  UNKNOWN   Kafka unreachable within --timeout, bad arguments or configuration
--watch ends (Ctrl-C) with the status of its last sample."""

EXTRACT_HELP = """\
review: each item names a field, its kind and why: inferred (not printed: derived, e.g.
  a year left out, the fiscal year end, the source of funds), conflict (printed twice,
  disagreeing), overridden (an option replaced what the text says), ignored (named in
  the text but not carried, e.g. a second listing without its ratio)
exit status: 0 messages extracted (and sent with --produce); 1 no dividend, or not read
  with confidence (a conflict, the issuer or the listing not named): reasons on stderr,
  nothing sent; 2 bad arguments, unreadable file, a setting that cannot be used, or
  Kafka unreachable"""

DLQ_HELP = """\
reasons: {reasons}
progress: a bar on a terminal, else a line on stderr every 5 seconds
exit status: 0 letters replayed (or listed), 1 none matched (or none could be
  replayed), 2 bad arguments or settings, 3 Kafka unreachable or not usable"""


def _dlq_help() -> str:
    from corpactions.contracts.events import DeadLetterCode

    reasons = textwrap.fill(", ".join(DeadLetterCode), 78, subsequent_indent="  ")
    return DLQ_HELP.format(reasons=reasons)


_KAFKA_ENV = (
    "KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, "
    "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CAFILE, KAFKA_SSL_CERTFILE, "
    "KAFKA_SSL_KEYFILE"
)
_LOCAL = (
    "CORPACTIONS_HOME, CORPACTIONS_CACHE (the local broker, when KAFKA_BOOTSTRAP_SERVERS is unset)"
)
# What each command reads from the environment beside the check every command makes of
# every variable (the worker's and the demo's: all of them, listed from settings.py).
_ENVIRONMENT = {
    "schedule": "CORPACTIONS_CALENDAR_HORIZON_YEARS, CORPACTIONS_CACHE (the calendars' "
    "cache), CORPACTIONS_HOME",
    "extract": f"with --produce: {_KAFKA_ENV}, CORPACTIONS_TOPIC_PREFIX, {_LOCAL}",
    "broker": "CORPACTIONS_HOME (the project folder, deploy/kafka/pom.xml), CORPACTIONS_CACHE "
    "(the jars and the broker's data)",
    "lag": f"{_KAFKA_ENV} (--bootstrap-server and --command-config override them), "
    f"CORPACTIONS_LAG_WINDOW, {_LOCAL}",
    "dlq": f"{_KAFKA_ENV} (--bootstrap-server and --command-config override them), "
    f"CORPACTIONS_TOPIC_PREFIX, {_LOCAL}",
}


def _environment(command: str) -> str:
    """The --help paragraph naming the variables ``command`` reads."""
    if command in _ENVIRONMENT:
        names = _ENVIRONMENT[command]
    else:  # the worker and the demo: every setting (importing settings.py, for --help only)
        from corpactions.settings import variables

        names = ", ".join(name for name, _ in variables())
    body = textwrap.fill(
        names, 78, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
    )
    return (
        f"environment:\n{body}\n  Every CORPACTIONS_* and KAFKA_* variable set is checked "
        "at start: a bad\n  value stops the command with one line naming it "
        "(docs/configuration.md)."
    )


def _version() -> str:
    from corpactions import __version__

    return __version__


def _milliseconds(raw: str) -> int:
    if not raw.isdigit() or int(raw) == 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number of milliseconds > 0")
    return int(raw)


def _positive(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{raw!r} is not > 0")
    return value


def _count(raw: str) -> int:
    if not raw.isdigit():
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number >= 0")
    return int(raw)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # in the command's parser, so that its exit status applies
        assert isinstance(parser, _Parser)
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    # Importing the command makes what lives as long as the process (modules, classes,
    # pydantic's validators): a collection meanwhile finds no garbage, and every later
    # full one (the interpreter's last two at exit too) would traverse it all again.
    gc.disable()
    try:
        command = importlib.import_module(f"corpactions.commands.{args.command}")
    finally:
        gc.freeze()
        gc.enable()
    try:
        return int(command.run(args))
    except BrokenPipeError:  # `corpactions schedule F | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit's flush
        return 141  # 128 + SIGPIPE, as a shell reports a command a pipe closed on
    except SettingsError as exc:  # a variable the command cannot use: say which, no traceback
        print(f"corpactions {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokerError as exc:
        print(f"corpactions: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
