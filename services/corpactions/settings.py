"""One frozen settings object, read from the environment once at start-up and passed in.

Every variable the service reads is a field here (a pydantic model), each with its
variable's name as its alias and a description: docs/configuration.md's table is
generated from these fields (``python -m corpactions.settings --markdown``) and a test
fails when the two drift. No other module reads the environment.

The models read the environment themselves (`_FromEnvironment`: a variable per field
alias, keyword arguments first) rather than through pydantic-settings: that is all this
service used of it (its own source replaced pydantic-settings' env source; no .env
file, no nested delimiters), and importing pydantic-settings cost every command, even
`corpactions schedule`, several times what reading and checking every variable costs.

Values are parsed strictly, because a setting that is silently read as something else
is worse than one refused: booleans are true/false, 1/0, yes/no, on/off (any case);
numbers are written as numbers (whole where whole: ``6.7`` partitions is refused, not
6) within their range; ids are non-empty and legal in a Kafka topic name. A bad value
raises :class:`SettingsError`, one line naming the variable; the commands print it and
exit 2 (``corpactions lag``: 3, UNKNOWN).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
import socket
import sys
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import core_schema

from corpactions.contracts.topics import Topics
from corpactions.domain.horizon import DEFAULT_HORIZON_YEARS, MIN_HORIZON_YEARS, horizon_for
from corpactions.errors import SettingsError as SettingsError  # raised here; re-exported

# Past this, the calendar library's holiday rules are a guess; and each year costs
# start-up time (the calendars are built for the whole span).
MAX_HORIZON_YEARS = 50
# Kafka's limit on a topic name (kafka.common.internals.Topic: 249 characters)
_TOPIC_NAME_MAX = 249
_TOPIC_CHARS = re.compile(r"[A-Za-z0-9._-]*")
# The Apache Kafka versions the local broker can run (`corpactions broker`, `demo`, the
# tests; `make test-matrix` runs the end-to-end and fault suites on each), the default first
KafkaVersion = Literal["4.1.1", "3.9.1", "4.4.0"]
KAFKA_VERSIONS: tuple[str, ...] = get_args(KafkaVersion)
KAFKA_VERSION: KafkaVersion = "4.1.1"
RETIRED = {
    # refused rather than mapped: it set both dates to one time, and its usual value
    # (00:00) fired the record-date event a day early for a snapshot
    "CORPACTIONS_DATE_EVENT_TIME": (
        "CORPACTIONS_DATE_EVENT_TIME is no longer read: set "
        "CORPACTIONS_RECORD_DATE_EVENT_TIME (default 23:59:59, the end of the record "
        "date) and CORPACTIONS_PAYMENT_DATE_EVENT_TIME (default 00:00, the start of "
        "the payment date) instead, or unset it"
    ),
}


# -- how a variable's text becomes a value ------------------------------------------------

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _bool(raw: object) -> object:
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise ValueError("is not a boolean: use true/false, 1/0, yes/no or on/off")
    return raw


@dataclass(frozen=True)
class Whole:
    """Metadata of a whole-number setting: digits (an optional minus), in [low, high]."""

    low: int
    high: int

    def parse(self, raw: object) -> object:
        if isinstance(raw, str):
            text = raw.strip()
            if not re.fullmatch(r"-?[0-9]+", text):
                raise ValueError("is not a whole number")
            raw = int(text)
        if isinstance(raw, int) and not isinstance(raw, bool) and not self.low <= raw <= self.high:
            raise ValueError(f"is out of range ({self.shown})")
        return raw

    @property
    def shown(self) -> str:
        return f"{self.low}..{self.high}" if self.high < 2**62 else f">= {self.low}"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_before_validator_function(self.parse, handler(source))


@dataclass(frozen=True)
class Number:
    """Metadata of a number setting: digits with an optional decimal point (no exponent,
    nan or inf: a setting is written as a person reads it), in its range."""

    low: float = 0
    high: float = float("inf")
    low_open: bool = True  # low itself excluded

    def parse(self, raw: object) -> object:
        if isinstance(raw, str):
            text = raw.strip()
            if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
                raise ValueError("is not a number (digits, optionally with a decimal point)")
            raw = float(text)
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            too_low = raw <= self.low if self.low_open else raw < self.low
            if too_low or raw > self.high:
                raise ValueError(f"is out of range ({self.shown})")
        return raw

    @property
    def shown(self) -> str:
        bound = f"> {self.low:g}" if self.low_open else f">= {self.low:g}"
        return bound if self.high == float("inf") else f"{bound}, <= {self.high:g}"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        return core_schema.no_info_before_validator_function(self.parse, handler(source))


def _word(*choices: str) -> Callable[[object], object]:
    def parse(raw: object) -> object:
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word not in choices:
                raise ValueError(f"use {', '.join(choices[:-1])} or {choices[-1]}")
            return word
        return raw

    return parse


def _optional(raw: object) -> object:
    """An empty variable is an unset one (a ConfigMap key left blank)."""
    return None if isinstance(raw, str) and not raw.strip() else raw


def _time_of_day(raw: object) -> object:
    """A market-local time of day, HH:MM[:SS] (no time zone: the market's applies)."""
    if not isinstance(raw, str):
        return raw
    try:
        value = dt.time.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("is not HH:MM[:SS]") from None
    if value.tzinfo is not None:
        raise ValueError("give a local time, without an offset")
    return value


def _url(raw: object) -> object:
    if not isinstance(raw, str) or not raw.strip():
        return None if isinstance(raw, str) else raw
    parsed = urllib.parse.urlsplit(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ValueError("is not an http(s)://host:port URL")
    return raw.rstrip("/")


def _groups(raw: object) -> object:
    if isinstance(raw, str):
        return tuple(g.strip() for g in raw.split(",") if g.strip())
    return raw


def _bootstrap(raw: object) -> object:
    """``host:port[,host:port]``; empty is unset (the local broker)."""
    if not isinstance(raw, str):
        return raw
    if not raw.strip():
        return None
    for part in raw.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"is not host:port: {part.strip()!r} (a list: host:port,host:port)")
    return ",".join(p.strip() for p in raw.split(","))


def _file(raw: object) -> object:
    """A file the service reads at start-up (a CA bundle, a certificate): it must be there."""
    if not isinstance(raw, str) or not raw.strip():
        return None if isinstance(raw, str) else raw
    path = Path(raw.strip())
    if not path.is_file():
        raise ValueError("is no file (missing, or a folder)")
    if not os.access(path, os.R_OK):
        raise ValueError("is not readable by this user")
    return str(path)


Bool = Annotated[bool, BeforeValidator(_bool)]
Text = Annotated[str | None, BeforeValidator(_optional)]


TimeOfDay = Annotated[
    dt.time,
    BeforeValidator(_time_of_day),
    PlainSerializer(lambda t: t.isoformat(), return_type=str),
]


# -- the sources: the process environment, or a mapping given to from_env -----------------

_GIVEN: ContextVar[Mapping[str, str] | None] = ContextVar("corpactions_settings_env", default=None)


class _FromEnvironment(BaseModel):
    """A model whose fields are read from the variables their aliases name: keyword
    arguments first, then the environment (``os.environ``, or the mapping `from_env` was
    given; case-sensitive, as on Linux; an empty value reaches the field's own parsing,
    which decides whether empty means unset or is refused). No .env file, no secrets
    directory: Kubernetes gives secrets as variables, or files the variables name."""

    model_config = ConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        validate_default=False,
        extra="ignore",
        hide_input_in_errors=True,
    )

    def __init__(self, **given: Any) -> None:
        env = _GIVEN.get()
        env = os.environ if env is None else env
        read = {
            name: env[variable]
            for name, variable in _variables(type(self)).items()
            if variable in env and name not in given and variable not in given
        }
        super().__init__(**read, **given)


def _var(name: str, description: str, default_doc: str | None = None, **kw: Any) -> Any:
    """A field read from variable ``name``; ``default_doc`` is how docs/configuration.md
    shows a default that is not a plain value."""
    extra: dict[str, Any] | None = {"default_doc": default_doc} if default_doc is not None else None
    return Field(validation_alias=name, description=description, json_schema_extra=extra, **kw)


# -- the settings ---------------------------------------------------------------------------


class KafkaSecurity(_FromEnvironment):
    """How the service authenticates to a real cluster (TLS, SASL); plaintext by default.

    Read from the variables Kafka tooling users know: ``KAFKA_SECURITY_PROTOCOL``
    (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), ``KAFKA_SASL_MECHANISM`` (PLAIN,
    SCRAM-SHA-256, SCRAM-SHA-512), ``KAFKA_SASL_USERNAME``, ``KAFKA_SASL_PASSWORD``,
    ``KAFKA_SSL_CAFILE`` (PEM bundle to trust), ``KAFKA_SSL_CERTFILE`` and
    ``KAFKA_SSL_KEYFILE`` (client certificate for mutual TLS).
    """

    protocol: Annotated[
        Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
        BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    ] = _var(
        "KAFKA_SECURITY_PROTOCOL",
        "PLAINTEXT, SSL (TLS; with a client certificate: mutual TLS), SASL_PLAINTEXT or SASL_SSL",
        default="PLAINTEXT",
    )
    sasl_mechanism: Annotated[
        Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None,
        BeforeValidator(lambda v: _optional(v.strip().upper() if isinstance(v, str) else v)),
    ] = _var(
        "KAFKA_SASL_MECHANISM",
        "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (SASL_* protocols)",
        "SCRAM-SHA-512",
        default=None,
    )
    sasl_username: Text = _var(
        "KAFKA_SASL_USERNAME", "the SASL user (required by SASL_*)", "unset", default=None
    )
    sasl_password: Text = _var(
        "KAFKA_SASL_PASSWORD",
        "its password (required by SASL_*; from a Secret, never logged)",
        "unset",
        default=None,
        repr=False,
    )
    ssl_cafile: Annotated[str | None, BeforeValidator(_file)] = _var(
        "KAFKA_SSL_CAFILE",
        "PEM bundle of the CAs to trust (SSL, SASL_SSL)",
        "the system's CAs",
        default=None,
    )
    ssl_certfile: Annotated[str | None, BeforeValidator(_file)] = _var(
        "KAFKA_SSL_CERTFILE",
        "PEM client certificate chain for mutual TLS (may hold the key too)",
        "unset",
        default=None,
    )
    ssl_keyfile: Annotated[str | None, BeforeValidator(_file)] = _var(
        "KAFKA_SSL_KEYFILE", "PEM private key of the client certificate", "unset", default=None
    )

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSecurity:
        if self.protocol.startswith("SASL_") and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        if self.ssl_keyfile and not self.ssl_certfile:
            raise ValueError("KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE")
        # credentials the protocol would not use: the service would connect without them
        # (a protocol left out, or misspelt, must not downgrade it to PLAINTEXT silently)
        unused = []
        if not self.protocol.startswith("SASL_"):
            unused += [
                variable
                for variable, value in (
                    ("KAFKA_SASL_MECHANISM", self.sasl_mechanism),
                    ("KAFKA_SASL_USERNAME", self.sasl_username),
                    ("KAFKA_SASL_PASSWORD", self.sasl_password),
                )
                if value
            ]
        if not self.protocol.endswith("SSL"):
            unused += [
                variable
                for variable, value in (
                    ("KAFKA_SSL_CAFILE", self.ssl_cafile),
                    ("KAFKA_SSL_CERTFILE", self.ssl_certfile),
                    ("KAFKA_SSL_KEYFILE", self.ssl_keyfile),
                )
                if value
            ]
        if unused:
            wanted = "SASL_SSL or SASL_PLAINTEXT" if "SASL" in unused[0] else "SSL or SASL_SSL"
            raise ValueError(
                f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} set but "
                f"KAFKA_SECURITY_PROTOCOL is {self.protocol}, which does not use "
                f"{'it' if len(unused) == 1 else 'them'}: set KAFKA_SECURITY_PROTOCOL "
                f"({wanted}), or unset {'it' if len(unused) == 1 else 'them'}"
            )
        return self

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> KafkaSecurity:
        with _reading(env):
            return _build(cls)


def _topic_part(what: str, empty_ok: bool) -> Callable[[object], object]:
    def parse(raw: object) -> object:
        if not isinstance(raw, str):
            return raw
        if not raw and not empty_ok:
            raise ValueError(f"is empty: {what} is required")
        if not _TOPIC_CHARS.fullmatch(raw):
            raise ValueError(f"{what} may hold only ASCII letters, digits, '.', '_' and '-'")
        return raw

    return parse


class Settings(_FromEnvironment):
    """Everything the service reads from its environment (``CORPACTIONS_*``, ``KAFKA_*``)."""

    # -- Kafka ----------------------------------------------------------------------------
    bootstrap_servers: Annotated[str | None, BeforeValidator(_bootstrap)] = _var(
        "KAFKA_BOOTSTRAP_SERVERS",
        "`host:port[,host:port]`; when set, no local broker is started (tests too)",
        "local broker",
        default=None,
    )
    security: KafkaSecurity = Field(
        default_factory=KafkaSecurity, description="the KAFKA_* variables below"
    )
    app_id: Annotated[str, BeforeValidator(_topic_part("the app id", empty_ok=False))] = _var(
        "CORPACTIONS_APP_ID",
        "consumer group, transactional id prefix and changelog name (`<app id>.state-"
        "changelog.v2`): one per deployment",
        default="corpactions",
    )
    topic_prefix: Annotated[str, BeforeValidator(_topic_part("a prefix", empty_ok=True))] = _var(
        "CORPACTIONS_TOPIC_PREFIX",
        "prefix for every topic (isolates environments and tests)",
        "empty",
        default="",
    )
    startup_timeout_s: Annotated[float, Number(0, 3600)] = _var(
        "CORPACTIONS_STARTUP_TIMEOUT_S",
        "how long `worker` and `demo` wait for Kafka at start-up before they give up with "
        "one line (exit 2; a supervisor restarts them)",
        default=30.0,
    )
    # -- topics ---------------------------------------------------------------------------
    create_topics: Bool = _var(
        "CORPACTIONS_CREATE_TOPICS",
        "true: create missing topics; false: only verify that they exist as docs/operations.md's "
        "topics table says (for a platform team that owns them); either way the worker "
        "refuses to start when the input and the changelog differ in partitions",
        default=True,
    )
    partitions: Annotated[int, Whole(1, 10_000)] = _var(
        "CORPACTIONS_PARTITIONS",
        "partitions of the input and changelog topics (and of the outputs the service "
        "creates); bounds the useful number of workers",
        default=6,
    )
    replication_factor: Annotated[int, Whole(1, 100)] = _var(
        "CORPACTIONS_REPLICATION_FACTOR",
        "replication of topics the service creates (3 on a real cluster)",
        default=1,
    )
    min_insync_replicas: Annotated[int | None, Whole(1, 100), BeforeValidator(_optional)] = _var(
        "CORPACTIONS_MIN_INSYNC_REPLICAS",
        "`min.insync.replicas` of topics the service creates (at most the replication "
        "factor; 2 with 3 replicas)",
        "the broker's",
        default=None,
    )
    dlq_retention_ms: Annotated[int, Whole(-1, 2**63 - 1)] = _var(
        "CORPACTIONS_DLQ_RETENTION_MS",
        "`retention.ms` of the dead-letter topic the service creates: -1 keeps every "
        "letter until deleted (they are the only copy of refused input)",
        default=-1,
    )
    # -- the worker's HTTP server ---------------------------------------------------------
    web_enabled: Bool = _var(
        "CORPACTIONS_WEB_ENABLED",
        "the worker's HTTP server (queries, /ready/, /health/, /metrics/)",
        default=True,
    )
    web_host: str = _var(
        "CORPACTIONS_WEB_HOST", "address it binds (0.0.0.0: every address)", default="127.0.0.1"
    )
    web_port: Annotated[int, Whole(1, 65535)] = _var(
        "CORPACTIONS_WEB_PORT", "its port", default=6066
    )
    # the URL other workers reach this one at (queries are forwarded between workers);
    # None: http://<web_host>:<web_port>, or this host's name when bound to every address
    web_advertised_url: Annotated[str | None, BeforeValidator(_url)] = _var(
        "CORPACTIONS_WEB_ADVERTISED_URL",
        "where the other workers reach this one; in Kubernetes, the pod's IP "
        "(`deploy/k8s/deployment.yaml`)",
        "`http://<host>:<port>` (the host's name when bound to 0.0.0.0)",
        default=None,
    )
    # -- logs -----------------------------------------------------------------------------
    log_level: Annotated[str, BeforeValidator(_word("crit", "error", "warn", "info", "debug"))] = (
        _var("CORPACTIONS_LOG_LEVEL", "crit, error, warn, info or debug", default="warn")
    )
    log_format: Annotated[str, BeforeValidator(_word("text", "json"))] = _var(
        "CORPACTIONS_LOG_FORMAT",
        "`text`: one plain line a record; `json`: one JSON object a line (see Logs)",
        default="text",
    )
    # -- group membership (faust): defaults suit a real cluster; tests lower them ---------
    session_timeout_s: Annotated[float, Number()] = _var(
        "CORPACTIONS_SESSION_TIMEOUT_S",
        "group session timeout (tests use 10)",
        default=30.0,
    )
    heartbeat_interval_s: Annotated[float, Number()] = _var(
        "CORPACTIONS_HEARTBEAT_INTERVAL_S", "group heartbeat (tests use 1)", default=3.0
    )
    rebalance_timeout_s: Annotated[float, Number()] = _var(
        "CORPACTIONS_REBALANCE_TIMEOUT_S", "group rebalance timeout (tests use 20)", default=60.0
    )
    # -- engine ---------------------------------------------------------------------------
    batch_size: Annotated[int, Whole(1, 1_000_000)] = _var(
        "CORPACTIONS_BATCH_SIZE", "max records per poll, hence per transaction", default=2000
    )
    producer_linger_ms: Annotated[int, Whole(0, 10_000)] = _var(
        "CORPACTIONS_PRODUCER_LINGER_MS", "the producers' `linger.ms`", default=5
    )
    txn_backoff_ms: Annotated[float, Number(0, 1000)] = _var(
        "CORPACTIONS_TXN_BACKOFF_MS",
        "retry wait after CONCURRENT_TRANSACTIONS (aiokafka hard-codes 20 ms; KAFKA-5477)",
        default=0.5,
    )
    # the longest a producer start, commit, abort or stop may take before the partition's
    # producer is replaced (see stream/engine.py, `bounded`)
    txn_timeout_s: Annotated[float, Number(1, 3600, low_open=False)] = _var(
        "CORPACTIONS_TXN_TIMEOUT_S",
        "the longest a partition's producer may take to start, begin or commit a "
        "transaction; past it the producer is replaced (its successor fences it and "
        "completes or aborts what it left open) and the partition resumes from its changelog",
        default=60.0,
    )
    tick_interval_s: Annotated[float, Number()] = _var(
        "CORPACTIONS_TICK_INTERVAL_S",
        "how often due dates are checked when no input arrives",
        default=0.5,
    )
    # -- the dividend rules ---------------------------------------------------------------
    # when the date events fire, market-local time on the date (issue 15)
    record_date_event_time: TimeOfDay = _var(
        "CORPACTIONS_RECORD_DATE_EVENT_TIME",
        "market-local time on the record date at which `RecordDateReached` fires: the end "
        "of the record date's settlement day (positions are struck at its end)",
        default=dt.time(23, 59, 59),
    )
    payment_date_event_time: TimeOfDay = _var(
        "CORPACTIONS_PAYMENT_DATE_EVENT_TIME",
        "market-local time on the payment date at which `PaymentDateReached` fires: the "
        "payment date has begun",
        default=dt.time(0, 0),
    )
    iso20022_notifications: Bool = _var(
        "CORPACTIONS_ISO20022_NOTIFICATIONS",
        "publish the ISO 20022 seev.031/seev.039 documents on the notifications topic (about "
        "as much work per resolution as the rest of its processing): false for users who "
        "need only the JSON events",
        default=True,
    )
    agents: Annotated[tuple[Literal["lifecycle", "notifier"], ...], BeforeValidator(_groups)] = (
        _var(
            "CORPACTIONS_AGENTS",
            "the agents this worker runs, comma-separated: `lifecycle` (resolutions -> events) "
            "and `notifier` (schedule events -> ISO 20022 documents, its own consumer group "
            "`<app id>-notifier`); run the notifier in its own processes with "
            "`corpactions notifier` and `lifecycle` here. The notifier runs only while "
            "CORPACTIONS_ISO20022_NOTIFICATIONS is true",
            "lifecycle,notifier",
            default=("lifecycle", "notifier"),
        )
    )
    calendar_horizon_years: Annotated[int, Whole(MIN_HORIZON_YEARS, MAX_HORIZON_YEARS)] = _var(
        "CORPACTIONS_CALENDAR_HORIZON_YEARS",
        "record dates are scheduled up to 31 December this many years after the start-up "
        "year; the calendars are built that far at start-up",
        default=DEFAULT_HORIZON_YEARS,
    )
    # -- ops: the worker's lag monitor (see corpactions.ops) ------------------------------
    lag_interval_s: Annotated[float, Number()] = _var(
        "CORPACTIONS_LAG_INTERVAL_S", "how often lag and verdicts are sampled", default=15.0
    )
    lag_groups: Annotated[tuple[str, ...], BeforeValidator(_groups)] = _var(
        "CORPACTIONS_LAG_GROUPS",
        "groups watched besides the app id, comma-separated; `*`: every group",
        "none",
        default=(),
    )
    lag_window: Annotated[int, Whole(1, 1000)] = _var(
        "CORPACTIONS_LAG_WINDOW",
        "commits per partition window (Burrow's `intervals`)",
        default=10,
    )
    # -- a Schema Registry (Confluent wire format; docs/integrations.md) --------------------
    schema_registry_url: Annotated[str | None, BeforeValidator(_url)] = _var(
        "CORPACTIONS_SCHEMA_REGISTRY_URL",
        "a Confluent-compatible Schema Registry: a framed input message's schema id must be "
        "registered there as a BoardResolution or DividendForecast, else it is dead-lettered; "
        "unset: the frame is stripped and the JSON validated as usual",
        "unset",
        default=None,
    )
    schema_registry_username: Text = _var(
        "CORPACTIONS_SCHEMA_REGISTRY_USERNAME",
        "the registry's basic-auth user",
        "unset",
        default=None,
    )
    schema_registry_password: Text = _var(
        "CORPACTIONS_SCHEMA_REGISTRY_PASSWORD",
        "its password (from a Secret, never logged)",
        "unset",
        default=None,
        repr=False,
    )

    @model_validator(mode="after")
    def _registry_login(self) -> Settings:
        if self.schema_registry_password and not self.schema_registry_username:
            raise ValueError(
                "CORPACTIONS_SCHEMA_REGISTRY_PASSWORD is set without "
                "CORPACTIONS_SCHEMA_REGISTRY_USERNAME: name the registry's user"
            )
        if self.schema_registry_username and self.schema_registry_url is None:
            raise ValueError(
                "CORPACTIONS_SCHEMA_REGISTRY_USERNAME is set without "
                "CORPACTIONS_SCHEMA_REGISTRY_URL: name the registry"
            )
        return self

    # -- files and folders ----------------------------------------------------------------
    clock_file: Annotated[Path | None, BeforeValidator(_optional)] = _var(
        "CORPACTIONS_CLOCK_FILE",
        "tests and rehearsals only: read 'now' from this file (an ISO timestamp with a "
        "zone) instead of the system clock",
        "unset",
        default=None,
    )
    home: Annotated[Path | None, BeforeValidator(_optional)] = _var(
        "CORPACTIONS_HOME",
        "the project folder (`deploy/kafka/pom.xml`, the example resolution) for `broker` "
        "and `demo`",
        "the source checkout",
        default=None,
    )
    kafka_version: Annotated[
        KafkaVersion,
        BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
    ] = _var(
        "CORPACTIONS_KAFKA_VERSION",
        "the Apache Kafka the local broker runs (`broker`, `demo`, the tests), fetched from "
        "Maven Central: " + ", ".join(KAFKA_VERSIONS[1:]) + " or " + KAFKA_VERSIONS[0],
        default=KAFKA_VERSION,
    )
    cache_dir: Annotated[Path | None, BeforeValidator(_optional)] = _var(
        "CORPACTIONS_CACHE",
        "where the exchange calendars' trading days are cached (`calendars/`; an image's "
        "build-time copy is read too), and where `broker` keeps the Kafka jars and the "
        "local broker's data",
        "calendars: the user's cache directory (`~/.cache/corpactions`); `broker`: `<home>/.cache`",
        default=None,
    )

    @property
    def running_agents(self) -> tuple[str, ...]:
        """The agents to run: CORPACTIONS_AGENTS, less the notifier when documents are off
        (CORPACTIONS_ISO20022_NOTIFICATIONS=false)."""
        return tuple(
            a for a in dict.fromkeys(self.agents) if a != "notifier" or self.iso20022_notifications
        )

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.agents:
            raise ValueError(
                "CORPACTIONS_AGENTS is empty: name lifecycle, notifier or both (comma-separated)"
            )
        if self.min_insync_replicas is not None and (
            self.min_insync_replicas > self.replication_factor
        ):
            raise ValueError(
                f"CORPACTIONS_MIN_INSYNC_REPLICAS={self.min_insync_replicas} is more than "
                f"CORPACTIONS_REPLICATION_FACTOR={self.replication_factor}: no write could "
                "ever succeed"
            )
        if self.dlq_retention_ms == 0:
            raise ValueError(
                "CORPACTIONS_DLQ_RETENTION_MS=0 would delete every dead letter at once: give "
                "-1 (keep until deleted) or a number of milliseconds"
            )
        longest = self.topics.changelog(self.app_id)
        if len(longest) > _TOPIC_NAME_MAX or len(self.topics.resolutions) > _TOPIC_NAME_MAX:
            raise ValueError(
                "CORPACTIONS_TOPIC_PREFIX and CORPACTIONS_APP_ID make a topic name longer "
                f"than Kafka's {_TOPIC_NAME_MAX} characters"
            )
        return self

    @property
    def topics(self) -> Topics:
        """Topic names (published in contracts; only the prefix is a setting)."""
        return Topics(prefix=self.topic_prefix)

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

    @property
    def project_home(self) -> Path:
        """``CORPACTIONS_HOME``, else the source checkout this package is installed from."""
        return self.home or Path(__file__).resolve().parents[2]

    @property
    def cache(self) -> Path:
        return self.cache_dir or self.project_home / ".cache"

    @property
    def calendar_cache(self) -> Path:
        """Where the calendars' sessions are cached: ``CORPACTIONS_CACHE/calendars``,
        else the user's cache directory (platformdirs: ``$XDG_CACHE_HOME/corpactions``,
        ``~/.cache/corpactions``), never beside the installed package."""
        if self.cache_dir is not None:
            return self.cache_dir / "calendars"
        import platformdirs

        return platformdirs.user_cache_path("corpactions") / "calendars"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, validated as the environment's values are."""
        return type(self).model_validate({**dict(self), **changes})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable (``os.environ`` by default), or raise
        :class:`SettingsError` naming the first bad one."""
        with _reading(env):
            env_now = os.environ if env is None else env
            for name, why in RETIRED.items():
                if env_now.get(name):
                    raise SettingsError(why)
            _refuse_misspelt(env_now)
            security = _build(KafkaSecurity)
            return _build(cls, security=security)


# Kubernetes' service links: a Service named "corpactions" gives every pod of its namespace
# <NAME>_SERVICE_HOST, <NAME>_PORT, <NAME>_PORT_6066_TCP_ADDR, ... (the Deployment turns
# them off, enableServiceLinks: false; other deployments may not)
_SERVICE_LINK = re.compile(r"CORPACTIONS_(SERVICE_(HOST|PORT)\w*|PORT(_\d+_\w+)?)")
# How near a name must be to a setting's to be taken for a typo of it (difflib's ratio:
# KAFKA_BOOTSTRAP_SERVER 0.98, KAFKA_SASL_USER 0.88, KAFKA_SSL_CA 0.86; the nearest names
# Kafka's own images read, KAFKA_SASL_ENABLED_MECHANISMS and
# KAFKA_LISTENER_SECURITY_PROTOCOL_MAP, are 0.82 and 0.78).
TYPO_CUTOFF = 0.85
# Variables Kafka's own scripts (kafka-run-class.sh) and its container images read: never
# taken for a typo, however near (a shell that runs Kafka tools may well set them).
KAFKA_TOOL_VARIABLES = frozenset(
    {
        "KAFKA_HEAP_OPTS",
        "KAFKA_OPTS",
        "KAFKA_JMX_OPTS",
        "KAFKA_JMX_PORT",
        "KAFKA_JMX_HOSTNAME",
        "KAFKA_LOG4J_OPTS",
        "KAFKA_LOG_DIR",
        "KAFKA_JVM_PERFORMANCE_OPTS",
        "KAFKA_GC_LOG_OPTS",
        "KAFKA_DEBUG",
        "KAFKA_HOME",
        "KAFKA_CLUSTER_ID",
        "KAFKA_NODE_ID",
    }
)


def _refuse_misspelt(env: Mapping[str, str]) -> None:
    """A ``CORPACTIONS_*`` or ``KAFKA_*`` variable that is not a setting but nearly spells
    one is a typo whose setting silently keeps its default (``KAFKA_SECURITY_PROTOCAL``
    would leave the service on PLAINTEXT): refused, with the name it resembles.

    The rule: a variable whose name starts with either prefix (in any case) is refused
    when, upper-cased, it is a setting's name (``kafka_security_protocol``) or within
    `TYPO_CUTOFF` of one, unless it is a setting itself, a Kubernetes service link, or
    one of `KAFKA_TOOL_VARIABLES`. Any other ``KAFKA_*`` variable (``KAFKA_HEAP_OPTS``,
    a broker image's ``KAFKA_LISTENERS``) is someone else's and left alone."""
    known = {name for name, _ in variables()} | set(RETIRED)
    for name in sorted(env):
        upper = name.upper()
        if not upper.startswith(("CORPACTIONS_", "KAFKA_")) or name in known:
            continue
        if _SERVICE_LINK.fullmatch(upper) or upper in KAFKA_TOOL_VARIABLES:
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=TYPO_CUTOFF)
        if close:
            raise SettingsError(f"{name} is not a setting: did you mean {close[0]}?")


_M = TypeVar("_M", bound=_FromEnvironment)


@contextmanager
def _reading(env: Mapping[str, str] | None) -> Iterator[None]:
    token = _GIVEN.set(env)
    try:
        yield
    finally:
        _GIVEN.reset(token)


def _build(cls: type[_M], **given: Any) -> _M:
    try:
        return cls(**given)
    except ValidationError as exc:
        raise SettingsError(_one_line(cls, exc)) from None


def _one_line(cls: type[_FromEnvironment], exc: ValidationError) -> str:
    """The first error as ``VARIABLE='value' what is wrong``."""
    error = exc.errors(include_url=False)[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a rule across variables: its message names them
        return message
    key = str(error["loc"][0])
    name = key if key in _variables(cls).values() else _variables(cls).get(key, key)
    env = _GIVEN.get()
    raw = (os.environ if env is None else env).get(name)
    if name == "KAFKA_SASL_PASSWORD" and raw is not None:
        raw = "<hidden>"  # a secret is never printed, even when it is refused
    if error["type"] == "literal_error":
        message = message.replace("Input should be", "use").replace("'", "")
    sep = ": " if message.startswith(("use ", "give ")) else " "
    return f"{name}={raw!r}{sep}{message}" if raw is not None else f"{name}: {message}"


@functools.cache
def _variables(cls: type[_FromEnvironment]) -> dict[str, str]:
    """Field name -> the variable it is read from."""
    return {
        name: str(info.validation_alias)
        for name, info in cls.model_fields.items()
        if isinstance(info.validation_alias, str)
    }


# -- docs/configuration.md's table --------------------------------------------------------------


def variables() -> list[tuple[str, FieldInfo]]:
    """Every variable the service reads, in the order docs/configuration.md lists them."""
    out: list[tuple[str, FieldInfo]] = []
    for cls in (Settings, KafkaSecurity):
        for info in cls.model_fields.values():
            if isinstance(info.validation_alias, str):
                out.append((info.validation_alias, info))
    kafka = [v for v in out if v[0].startswith("KAFKA_")]
    return kafka + [v for v in out if not v[0].startswith("KAFKA_")]


def _shown_default(info: FieldInfo) -> str:
    extra = info.json_schema_extra
    if isinstance(extra, dict) and "default_doc" in extra:
        return str(extra["default_doc"])
    value = info.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown_range(info: FieldInfo) -> str:
    for m in info.metadata:
        if isinstance(m, Whole | Number):
            return f" ({m.shown})"
    return ""


def markdown() -> str:
    """The configuration table (docs/configuration.md), generated from the fields."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in variables():
        meaning = (info.description or "") + _shown_range(info)
        lines.append(f"| `{name}` | {_shown_default(info)} | {meaning} |")
    for name, why in RETIRED.items():
        lines.append(f"| `{name}` | refused | {why.split(': ', 1)[0]}: {why.split(': ', 1)[1]} |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- settings table: begin -->", "<!-- settings table: end -->"


def in_readme(readme: str) -> str:
    """``readme`` with its configuration table (between BEGIN and END) regenerated."""
    head, sep, rest = readme.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not (sep and sep2):
        raise ValueError(f"no {BEGIN} ... {END} block")
    return f"{head}{BEGIN}\n{markdown()}{END}{tail}"


def _main(argv: list[str]) -> int:
    """``--markdown``: print the table; ``--write FILE``: regenerate FILE's table
    (docs/configuration.md); ``--check FILE``: exit 1 when FILE's table is not the generated one."""
    if argv == ["--markdown"]:
        sys.stdout.write(markdown())
        return 0
    if len(argv) == 2 and argv[0] in {"--write", "--check"}:
        path = Path(argv[1])
        text = path.read_text()
        wanted = in_readme(text)
        if argv[0] == "--write":
            path.write_text(wanted)
            return 0
        if text != wanted:
            print(
                f"{path}: the configuration table is not the one settings.py generates: "
                "run `make docs`",
                file=sys.stderr,
            )
            return 1
        return 0
    print(
        "usage: python -m corpactions.settings --markdown | --write FILE | --check FILE",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
