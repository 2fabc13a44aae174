"""One frozen settings object, read from the environment once at start-up and passed in."""

from __future__ import annotations

import datetime as dt
import os
import socket
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpactions.contracts.topics import Topics
from corpactions.domain.horizon import DEFAULT_HORIZON_YEARS, MIN_HORIZON_YEARS, horizon_for

# Past this, the calendar library's holiday rules are a guess; and each year costs
# start-up time (the calendars are built for the whole span).
MAX_HORIZON_YEARS = 50


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class KafkaSecurity:
    """How the service authenticates to a real cluster (TLS, SASL); plaintext by default.

    Read from the variables Kafka tooling users know: ``KAFKA_SECURITY_PROTOCOL``
    (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), ``KAFKA_SASL_MECHANISM`` (PLAIN,
    SCRAM-SHA-256, SCRAM-SHA-512), ``KAFKA_SASL_USERNAME``, ``KAFKA_SASL_PASSWORD``,
    ``KAFKA_SSL_CAFILE`` (PEM bundle to trust), ``KAFKA_SSL_CERTFILE`` and
    ``KAFKA_SSL_KEYFILE`` (client certificate for mutual TLS).
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for every aiokafka client (consumer, producer, admin)."""
        opts: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in {"SSL", "SASL_SSL"}:
            from aiokafka.helpers import create_ssl_context

            opts["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
            )
        if self.protocol.startswith("SASL_"):
            opts["sasl_mechanism"] = self.sasl_mechanism or "SCRAM-SHA-512"
            opts["sasl_plain_username"] = self.sasl_username
            opts["sasl_plain_password"] = self.sasl_password
        return opts

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KafkaSecurity:
        protocol = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()
        if protocol not in {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}:
            raise SettingsError(
                f"KAFKA_SECURITY_PROTOCOL={protocol!r}: use PLAINTEXT, SSL, SASL_PLAINTEXT "
                "or SASL_SSL"
            )
        mechanism = env.get("KAFKA_SASL_MECHANISM") or None
        if mechanism and mechanism not in {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}:
            raise SettingsError(f"KAFKA_SASL_MECHANISM={mechanism!r} is not supported")
        if protocol.startswith("SASL_") and not (
            env.get("KAFKA_SASL_USERNAME") and env.get("KAFKA_SASL_PASSWORD")
        ):
            raise SettingsError(f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        return cls(
            protocol=protocol,
            sasl_mechanism=mechanism,
            sasl_username=env.get("KAFKA_SASL_USERNAME") or None,
            sasl_password=env.get("KAFKA_SASL_PASSWORD") or None,
            ssl_cafile=env.get("KAFKA_SSL_CAFILE") or None,
            ssl_certfile=env.get("KAFKA_SSL_CERTFILE") or None,
            ssl_keyfile=env.get("KAFKA_SSL_KEYFILE") or None,
        )


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment (``CORPACTIONS_*``, ``KAFKA_*``)."""

    bootstrap_servers: str | None = None
    security: KafkaSecurity = field(default_factory=KafkaSecurity)
    app_id: str = "corpactions"
    topics: Topics = field(default_factory=Topics)  # names in contracts; only the prefix here
    partitions: int = 6
    replication_factor: int = 1
    web_enabled: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    # the URL other workers reach this one at (queries are forwarded between workers);
    # None: http://<web_host>:<web_port>, or this host's name when bound to every address
    web_advertised_url: str | None = None
    log_level: str = "warn"
    log_format: str = "text"  # text (one plain line a record) or json (one object a line)
    # faust group-membership timings: defaults suit a real cluster; tests lower them.
    session_timeout_s: float = 30.0
    heartbeat_interval_s: float = 3.0
    rebalance_timeout_s: float = 60.0
    # engine
    batch_size: int = 2000  # max records per poll, and so per transaction
    producer_linger_ms: int = 5
    txn_backoff_ms: float = 0.5  # CONCURRENT_TRANSACTIONS retry (see stream/kafka_tuning.py)
    # the longest a producer start, commit, abort or stop may take before the partition's
    # producer is replaced (see stream/engine.py, `bounded`)
    txn_timeout_s: float = 60.0
    tick_interval_s: float = 0.5  # how often due dates are checked when no input arrives
    # when the date events fire, market-local time on the date (issue 15): the record
    # date is reached when its settlement day has ended (positions are struck at its
    # end), the payment date when it has begun
    record_date_event_time: dt.time = dt.time(23, 59, 59)
    payment_date_event_time: dt.time = dt.time(0, 0)
    # the ISO 20022 seev.031/seev.039 documents on the notifications topic (about as much
    # work per resolution as the rest of its processing): off for users who need only JSON
    iso20022_notifications: bool = True
    # record dates are scheduled up to 31 December this many years after start-up's year
    calendar_horizon_years: int = DEFAULT_HORIZON_YEARS
    # ops: the worker's lag monitor (see corpactions.ops)
    lag_interval_s: float = 15.0  # how often lag and verdicts are sampled
    lag_groups: tuple[str, ...] = ()  # groups watched besides app_id; ("*",) = every group
    lag_window: int = 10  # commits per partition window (Burrow's `intervals`, default 10)

    def calendar_horizon(self, today: dt.date) -> dt.date:
        """The last record date scheduled, for a service started on `today`."""
        return horizon_for(today, self.calendar_horizon_years)

    @property
    def advertised_url(self) -> str:
        if self.web_advertised_url:
            return self.web_advertised_url
        host = self.web_host
        if host in {"", "0.0.0.0", "::"}:  # noqa: S104 (compared, not bound)
            host = socket.getfqdn()
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.web_port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def number(
            name: str, default: float, low: float | None = None, high: float = float("inf")
        ) -> float:
            """The variable as a number in [low, high]; with no ``low``, it must be > 0."""
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name}={raw!r} is not a number") from None
            too_low = value <= 0 if low is None else value < low
            if too_low or value > high:
                bound = "> 0" if low is None else f">= {low:g}"
                raise SettingsError(f"{name}={raw!r} is out of range ({bound}, <= {high:g})")
            return value

        if env.get("CORPACTIONS_DATE_EVENT_TIME"):
            # refused rather than mapped: it set both dates to one time, and its usual
            # value (00:00) fired the record-date event a day early for a snapshot
            raise SettingsError(
                "CORPACTIONS_DATE_EVENT_TIME is no longer read: set "
                "CORPACTIONS_RECORD_DATE_EVENT_TIME (default 23:59:59, the end of the record "
                "date) and CORPACTIONS_PAYMENT_DATE_EVENT_TIME (default 00:00, the start of "
                "the payment date) instead, or unset it"
            )
        level = env.get("CORPACTIONS_LOG_LEVEL", cls.log_level).lower()
        if level not in {"crit", "error", "warn", "info", "debug"}:
            raise SettingsError(
                f"CORPACTIONS_LOG_LEVEL={level!r}: use crit, error, warn, info or debug"
            )
        log_format = env.get("CORPACTIONS_LOG_FORMAT", cls.log_format).lower()
        if log_format not in {"text", "json"}:
            raise SettingsError(f"CORPACTIONS_LOG_FORMAT={log_format!r}: use text or json")
        return cls(
            bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            security=KafkaSecurity.from_env(env),
            app_id=env.get("CORPACTIONS_APP_ID", cls.app_id),
            topics=Topics(prefix=env.get("CORPACTIONS_TOPIC_PREFIX", "")),
            partitions=int(number("CORPACTIONS_PARTITIONS", cls.partitions, 1, 10_000)),
            replication_factor=int(number("CORPACTIONS_REPLICATION_FACTOR", 1, 1, 100)),
            web_enabled=env.get("CORPACTIONS_WEB_ENABLED", "true").lower() not in {"0", "false"},
            web_host=env.get("CORPACTIONS_WEB_HOST", cls.web_host),
            web_port=int(number("CORPACTIONS_WEB_PORT", cls.web_port, 1, 65535)),
            web_advertised_url=_url(env.get("CORPACTIONS_WEB_ADVERTISED_URL")),
            log_level=level,
            log_format=log_format,
            session_timeout_s=number("CORPACTIONS_SESSION_TIMEOUT_S", cls.session_timeout_s),
            heartbeat_interval_s=number(
                "CORPACTIONS_HEARTBEAT_INTERVAL_S", cls.heartbeat_interval_s
            ),
            rebalance_timeout_s=number("CORPACTIONS_REBALANCE_TIMEOUT_S", cls.rebalance_timeout_s),
            batch_size=int(number("CORPACTIONS_BATCH_SIZE", cls.batch_size, 1, 1_000_000)),
            producer_linger_ms=int(
                number("CORPACTIONS_PRODUCER_LINGER_MS", cls.producer_linger_ms, 0, 10_000)
            ),
            txn_backoff_ms=number("CORPACTIONS_TXN_BACKOFF_MS", cls.txn_backoff_ms, None, 1000),
            txn_timeout_s=number("CORPACTIONS_TXN_TIMEOUT_S", cls.txn_timeout_s, 1, 3600),
            tick_interval_s=number("CORPACTIONS_TICK_INTERVAL_S", cls.tick_interval_s),
            record_date_event_time=_time_of_day(
                env, "CORPACTIONS_RECORD_DATE_EVENT_TIME", cls.record_date_event_time
            ),
            payment_date_event_time=_time_of_day(
                env, "CORPACTIONS_PAYMENT_DATE_EVENT_TIME", cls.payment_date_event_time
            ),
            calendar_horizon_years=int(
                number(
                    "CORPACTIONS_CALENDAR_HORIZON_YEARS",
                    cls.calendar_horizon_years,
                    MIN_HORIZON_YEARS,
                    MAX_HORIZON_YEARS,
                )
            ),
            iso20022_notifications=_switch(
                env, "CORPACTIONS_ISO20022_NOTIFICATIONS", cls.iso20022_notifications
            ),
            lag_interval_s=number("CORPACTIONS_LAG_INTERVAL_S", cls.lag_interval_s),
            lag_groups=tuple(
                g.strip() for g in env.get("CORPACTIONS_LAG_GROUPS", "").split(",") if g.strip()
            ),
            lag_window=int(number("CORPACTIONS_LAG_WINDOW", cls.lag_window, 1, 1000)),
        )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off variable: true/false, 1/0, yes/no, on/off (any case); unset or empty is
    ``default``; anything else is refused, so a typo never turns a feature off."""
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"true", "1", "yes", "on"}:
        return True
    if raw in {"false", "0", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r}: use true or false")


def _url(raw: str | None) -> str | None:
    if not raw:
        return None
    parsed = urllib.parse.urlsplit(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise SettingsError(
            f"CORPACTIONS_WEB_ADVERTISED_URL={raw!r} is not an http(s)://host:port URL"
        )
    return raw.rstrip("/")


def _time_of_day(env: Mapping[str, str], name: str, default: dt.time) -> dt.time:
    """A market-local time of day, HH:MM[:SS] (no time zone: the market's applies)."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = dt.time.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not HH:MM[:SS]") from None
    if value.tzinfo is not None:
        raise SettingsError(f"{name}={raw!r}: give a local time, without an offset")
    return value
