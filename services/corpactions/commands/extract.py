"""`corpactions extract FILE|-`: an issuer's dividend announcement (text) -> board
resolutions, forecasts and what a person must confirm, as JSON; `--produce` sends them.

Exit status: 0 messages extracted (and sent, with --produce); the review may still list
inferred values. 1 the text holds no dividend, or one this command cannot read with
confidence (a value printed twice that disagrees, the issuer or listing not named, ...):
the reasons on stderr, nothing sent. 2 bad arguments, an unreadable file, a setting the
command cannot use, or Kafka unreachable.

The parser (``corpactions.announcements``, with dateparser and price-parser) is imported
here, inside run, so that no other command pays for it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import re
import sys
from typing import Any

OK, UNREADABLE, USAGE = 0, 1, 2


def _say(message: str) -> None:
    sys.stderr.write(f"corpactions extract: {message}\n")


def run(args: argparse.Namespace) -> int:
    from corpactions.announcements import OtherListingOption, Overrides, extract

    try:
        options = Overrides(
            mic=_mic(args.mic),
            isin=_isin(args.isin),
            local_code=args.local_code,
            issuer=args.issuer,
            resolved_on=_day(args.resolved_on, "--resolved-on"),
            fiscal_year_end=_day(args.fiscal_year_end, "--fiscal-year-end"),
            other_listings=tuple(
                OtherListingOption(*_other_listing(x)) for x in args.other_listing or ()
            ),
            event_ids=tuple(args.event_id or ()),
            message_ids=tuple(args.message_id or ()),
        )
        text = _text(args.file)
    except _Usage as exc:
        _say(f"error: {exc}")
        return USAGE
    result = extract(text, options)
    sys.stdout.write(json.dumps(result.document(), indent=2, ensure_ascii=False) + "\n")
    if not result.usable:
        for reason in result.errors or ["no dividend found in the text"]:
            _say(reason)
        if args.produce:
            _say("nothing sent")
        return UNREADABLE
    if args.produce:
        return _produce(args, result.records())
    return OK


class _Usage(ValueError):
    pass


def _text(path: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise _Usage(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _Usage(f"{path}: not UTF-8 text (save the announcement as plain text)") from None


def _mic(raw: str | None) -> str | None:
    if raw is None:
        return None
    from corpactions.domain.markets import market_of

    mic = raw.upper()
    try:
        market_of(mic)
    except LookupError:
        raise _Usage(
            f"--mic {raw}: not a market the service knows (e.g. XTKS, XNYS, XNAS)"
        ) from None
    return mic


def _isin(raw: str | None) -> str | None:
    if raw is None:
        return None
    from pydantic import ValidationError

    from corpactions.contracts.board_resolution import Security

    try:
        Security(isin=raw, mic="XXXX")
    except ValidationError as exc:
        raise _Usage(f"--isin {raw}: {exc.errors()[0]['msg']}") from None
    return raw


def _day(raw: str | None, flag: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _Usage(f"{flag} {raw}: give a date as YYYY-MM-DD") from None


def _other_listing(raw: str) -> tuple[str, str, str]:
    m = re.fullmatch(r"([A-Z0-9]{4}):([^:\s]{1,12}):([0-9]+(?:\.[0-9]+)?)", raw)
    if m is None or not float(m.group(3)) > 0:
        raise _Usage(
            f"--other-listing {raw}: give MIC:SYMBOL:SHARES_PER_UNIT, e.g. XNAS:IIJI:0.5 "
            "(2 ADS = 1 share)"
        )
    return m.group(1), m.group(2), m.group(3)


def _produce(args: argparse.Namespace, records: list[tuple[str, dict[str, Any]]]) -> int:
    """Send the messages to the input topic, keyed by their security (the forecasts
    first), in one transaction (idempotent, acks=all)."""
    from aiokafka.errors import KafkaError

    from corpactions.broker.local import BrokerError
    from corpactions.ops.kafka_config import ConfigError, resolve
    from corpactions.settings import Settings, SettingsError

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # its errors are ours to say
    try:
        settings = Settings.from_env()
        conn = resolve(settings, args.bootstrap_server, args.command_config)
    except (SettingsError, ConfigError, BrokerError) as exc:
        _say(f"{exc}; nothing sent")
        return USAGE
    for warning in conn.warnings:
        _say(warning)
    topic = settings.topics.resolutions
    try:
        sent = asyncio.run(_send(conn.bootstrap_servers, conn.client_options, topic, records))
    except (KafkaError, OSError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _say(f"cannot use Kafka at {conn.bootstrap_servers}: {why}; nothing sent")
        return USAGE
    for (key, _), (partition, offset) in zip(records, sent, strict=True):
        _say(f"sent to {topic} [{partition}] @ {offset}, key {key}")  # committed
    return OK


async def _send(
    bootstrap: str,
    options: dict[str, Any],
    topic: str,
    records: list[tuple[str, dict[str, Any]]],
) -> list[tuple[int, int]]:
    """One Kafka transaction: the service reads ``read_committed``, so it sees the
    announcement's messages all together or, when anything fails, none of them."""
    import uuid

    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        transactional_id=f"corpactions-extract-{uuid.uuid4().hex}",
        request_timeout_ms=15_000,
        **options,
    )
    try:
        await asyncio.wait_for(producer.start(), timeout=20)
    except BaseException:
        await producer.stop()
        raise
    try:
        async with producer.transaction():
            futures = [
                await producer.send(
                    topic, json.dumps(message, ensure_ascii=False).encode(), key=key.encode()
                )
                for key, message in records
            ]
            metas = [await f for f in futures]
        return [(m.partition, m.offset) for m in metas]
    finally:
        await producer.stop()
