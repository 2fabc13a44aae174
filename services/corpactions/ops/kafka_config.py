"""Where an operator command's Kafka is, and how it authenticates: Kafka's tools' flags.

``--bootstrap-server HOST:PORT[,...]`` and ``--command-config FILE`` work as they do for
``kafka-consumer-groups.sh``: the file holds Kafka client properties (Java
``.properties`` syntax) and both override the environment (``KAFKA_BOOTSTRAP_SERVERS``,
``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*``, ``KAFKA_SSL_*``, see ``settings.py``).
Precedence: ``--bootstrap-server``, then the file's ``bootstrap.servers``, then the
environment, then the local broker.

aiokafka is not the Java client, so only what it can do is accepted (the property names
are Apache Kafka's; librdkafka's names for the same things are taken too):

==========================================  ============================================
property                                    becomes
==========================================  ============================================
``security.protocol``                       PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
``sasl.mechanism``                          PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
``sasl.jaas.config``                        its ``username="..."`` and ``password="..."``
                                            (PlainLoginModule or ScramLoginModule)
``sasl.username``, ``sasl.password``        (librdkafka) the same
``ssl.truststore.location``                 CA bundle; ``ssl.truststore.type`` must be
                                            PEM (JKS and PKCS12 stores are refused)
``ssl.truststore.certificates``             CA certificates given inline (PEM)
``ssl.keystore.location``                   client certificate chain + key in one PEM
                                            file (``ssl.keystore.type=PEM``)
``ssl.key.password``                        the client key's password
``ssl.ca.location``, ``ssl.certificate.``   (librdkafka) CA, certificate and key files
``location``, ``ssl.key.location``
``ssl.endpoint.identification.algorithm``   empty: do not check the broker's host name
``request.timeout.ms``                      the clients' request timeout
``bootstrap.servers``                       as ``--bootstrap-server`` (which wins)
==========================================  ============================================

Any other property is ignored with a one-line warning, as Kafka's own clients warn of a
configuration they do not know; a value that cannot work (a JKS store, GSSAPI) is an
error naming the property.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corpactions.settings import KafkaSecurity, Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
_JAAS_MODULES = ("PlainLoginModule", "ScramLoginModule")
_IGNORED_QUIETLY = {"client.id", "group.id"}  # the command chooses these itself


class ConfigError(ValueError):
    """A flag or a ``--command-config`` property the command cannot use."""


@dataclass(frozen=True)
class Connection:
    """An operator command's Kafka: bootstrap servers and keyword arguments for every
    aiokafka client (consumer, producer, admin)."""

    bootstrap_servers: str
    client_options: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def read_properties(text: str) -> dict[str, str]:
    """Java ``.properties`` as ``java.util.Properties.load`` reads them (Kafka's tools'
    ``--command-config``): ``key=value``, ``key: value`` or ``key value``; ``#`` and ``!``
    comments; a line ending in an odd number of backslashes continues; escapes (``\\=``,
    ``\\:``, ``\\ ``, ``\\\\``, ``\\t``, ``\\uXXXX``) in keys and values. javaproperties does it."""
    import javaproperties

    return dict(javaproperties.loads(text))


def resolve(
    settings: Settings,
    bootstrap_server: str | None = None,
    command_config: str | Path | None = None,
) -> Connection:
    """The command's Kafka: the flags over the environment (see module docstring)."""
    props: dict[str, str] = {}
    if command_config is not None:
        path = Path(command_config)
        try:
            props = read_properties(path.read_text())
        except OSError as exc:
            raise ConfigError(f"--command-config {path}: {exc.strerror or exc}") from None
    security, tls, extra, warnings = _security(settings.security, props, str(command_config))
    bootstrap = bootstrap_server or props.get("bootstrap.servers") or settings.bootstrap_servers
    if bootstrap is not None:
        bootstrap = _bootstrap(bootstrap)
    else:
        from corpactions.commands import running_local_broker

        bootstrap = running_local_broker()
    return Connection(bootstrap, {**client_options(security, tls), **extra}, warnings)


def _bootstrap(raw: str) -> str:
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    for h in hosts:
        host, sep, port = h.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"bootstrap server {h!r} is not HOST:PORT")
    if not hosts:
        raise ConfigError("no bootstrap server given")
    return ",".join(hosts)


@dataclass(frozen=True)
class TlsExtras:
    """What Kafka's properties say about TLS beyond ``KafkaSecurity``'s files."""

    cadata: str | None = None
    key_password: str | None = None
    check_hostname: bool = True


def _with(sec: KafkaSecurity, **changes: Any) -> KafkaSecurity:
    """``sec`` with ``changes`` (as given: the properties were checked here)."""
    return sec.model_copy(update=changes)


def _security(
    base: KafkaSecurity, props: Mapping[str, str], source: str
) -> tuple[KafkaSecurity, TlsExtras, dict[str, Any], tuple[str, ...]]:
    """``base`` (the environment's) with the properties applied over it."""
    sec = base
    extra: dict[str, Any] = {}
    ignored: list[str] = []
    tls = TlsExtras()

    def bad(name: str, why: str) -> ConfigError:
        return ConfigError(f"{source}: {name}={props.get(name, '')!r}: {why}")

    for name, value in props.items():
        if name == "security.protocol":
            if value.upper() not in PROTOCOLS:
                raise bad(name, f"use one of {', '.join(PROTOCOLS)}")
            sec = _with(sec, protocol=value.upper())
        elif name == "sasl.mechanism":
            if value.upper() not in MECHANISMS:
                raise bad(name, f"aiokafka supports {', '.join(MECHANISMS)} here")
            sec = _with(sec, sasl_mechanism=value.upper())
        elif name == "sasl.jaas.config":
            user, password = _jaas(value)
            if user is None or password is None:
                raise bad(
                    name, "needs a PlainLoginModule or ScramLoginModule with username and password"
                )
            sec = _with(sec, sasl_username=user, sasl_password=password)
        elif name == "sasl.username":
            sec = _with(sec, sasl_username=value)
        elif name == "sasl.password":
            sec = _with(sec, sasl_password=value)
        elif name in {"ssl.truststore.location", "ssl.ca.location"}:
            sec = _with(sec, ssl_cafile=_pem_file(name, value, props, source))
        elif name == "ssl.truststore.certificates":
            tls = replace(tls, cadata=value.replace("\\n", "\n"))
        elif name == "ssl.keystore.location":
            path = _pem_file(name, value, props, source)
            sec = _with(sec, ssl_certfile=path, ssl_keyfile=None)
        elif name == "ssl.certificate.location":
            sec = _with(sec, ssl_certfile=value)
        elif name == "ssl.key.location":
            sec = _with(sec, ssl_keyfile=value)
        elif name in {"ssl.key.password", "ssl.keystore.password"}:
            if name == "ssl.key.password" or tls.key_password is None:
                tls = replace(tls, key_password=value or None)
        elif name == "ssl.endpoint.identification.algorithm":
            if value.lower() not in {"", "https"}:
                raise bad(name, "use https (check the broker's host name) or empty")
            tls = replace(tls, check_hostname=value.lower() == "https")
        elif name in {"ssl.truststore.type", "ssl.keystore.type", "bootstrap.servers"}:
            continue  # read with the location / by resolve()
        elif name == "request.timeout.ms":
            try:
                extra["request_timeout_ms"] = int(value)
            except ValueError:
                raise bad(name, "not a whole number of milliseconds") from None
        elif name in {"ssl.keystore.certificate.chain", "ssl.keystore.key"}:
            raise bad(name, "give the PEM chain and key in a file (ssl.keystore.location)")
        elif name not in _IGNORED_QUIETLY:
            ignored.append(name)
    if sec.protocol.startswith("SASL_") and not (sec.sasl_username and sec.sasl_password):
        raise ConfigError(
            f"{sec.protocol} needs a user and password (sasl.jaas.config, or "
            "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD)"
        )
    warnings = (
        (f"{source}: ignored (not used by this command): {', '.join(sorted(ignored))}",)
        if ignored
        else ()
    )
    return sec, tls, extra, warnings


def client_options(security: KafkaSecurity, tls: TlsExtras | None = None) -> dict[str, Any]:
    """aiokafka keyword arguments for ``security`` (as ``KafkaSecurity.client_options``,
    plus inline CA certificates, a key password and the host-name check)."""
    tls = tls or TlsExtras()
    opts: dict[str, Any] = {"security_protocol": security.protocol}
    if security.protocol in {"SSL", "SASL_SSL"}:
        try:
            context = ssl.create_default_context(cafile=security.ssl_cafile, cadata=tls.cadata)
            if security.ssl_certfile:
                context.load_cert_chain(
                    security.ssl_certfile, security.ssl_keyfile, password=tls.key_password
                )
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"TLS settings: {exc}") from None
        context.check_hostname = tls.check_hostname
        opts["ssl_context"] = context
    if security.protocol.startswith("SASL_"):
        opts["sasl_mechanism"] = security.sasl_mechanism or "SCRAM-SHA-512"
        opts["sasl_plain_username"] = security.sasl_username
        opts["sasl_plain_password"] = security.sasl_password
    return opts


def _jaas(value: str) -> tuple[str | None, str | None]:
    if not any(m in value for m in _JAAS_MODULES):
        return None, None
    user = re.search(r'\busername\s*=\s*"((?:[^"\\]|\\.)*)"', value)
    password = re.search(r'\bpassword\s*=\s*"((?:[^"\\]|\\.)*)"', value)
    return (user.group(1) if user else None), (password.group(1) if password else None)


def _pem_file(name: str, value: str, props: Mapping[str, str], source: str) -> str:
    """A store location that aiokafka can read: a PEM file (JKS and PKCS12 refused)."""
    kind_key = name.replace(".location", ".type")
    kind = props.get(kind_key, "").upper()
    if name.startswith("ssl.ca.") or kind == "PEM":
        return value
    if kind in {"JKS", "PKCS12"}:
        raise ConfigError(
            f"{source}: {kind_key}={kind}: only PEM stores can be read here "
            "(export with `keytool -exportcert -rfc` or `openssl pkcs12 -nodes`)"
        )
    try:
        head = Path(value).read_bytes()[:4096]
    except OSError as exc:
        raise ConfigError(f"{source}: {name}={value!r}: {exc.strerror or exc}") from None
    if b"-----BEGIN " not in head:
        raise ConfigError(
            f"{source}: {name}={value!r} is not PEM (set {kind_key}=PEM and give a PEM file)"
        )
    return value
