"""A cluster refusing the service, said in one line: login, TLS, or a missing ACL.

aiokafka retries a refused login or TLS handshake as if the broker were down ("Unable to
bootstrap") and reports a missing ACL as an error class with the resource's name as its
argument. ``check_login`` connects once, before anything starts, and turns the first into
one line naming the variable to fix; ``denial`` turns the second into one line naming
the ACL that is missing (from ``ops/acls.py``, the list docs/security.md shows).

No line ever carries a password: the settings' ``repr`` hides it and nothing here
formats it.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka.errors import (
    AuthenticationFailedError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    UnsupportedSaslMechanismError,
)

from corpactions.ops.acls import Acl
from corpactions.settings import KafkaSecurity, SettingsError

README = "docs/security.md"


class KafkaAccessError(SettingsError):
    """The cluster refused this client's login or certificate (a setting to fix: exit 2)."""


def _cert_expiry(path: str) -> dt.datetime | None:
    """The certificate file's notAfter (the ssl module's own decoder: no extra package)."""
    try:
        decoded = ssl._ssl._test_decode_cert(path)  # type: ignore[attr-defined]
        return dt.datetime.strptime(decoded["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(
            tzinfo=dt.UTC
        )
    except (OSError, ValueError, KeyError, ssl.SSLError):
        return None


def check_certificates(security: KafkaSecurity, now: dt.datetime | None = None) -> None:
    """Refuse an expired client certificate before any broker sees it."""
    if security.protocol not in {"SSL", "SASL_SSL"} or not security.ssl_certfile:
        return
    expiry = _cert_expiry(security.ssl_certfile)
    if expiry is not None and expiry < (now or dt.datetime.now(dt.UTC)):
        raise KafkaAccessError(
            f"KAFKA_SSL_CERTFILE={security.ssl_certfile}: the client certificate expired "
            f"on {expiry:%Y-%m-%d %H:%M} UTC; renew it"
        )


async def check_login(
    bootstrap: str, security: KafkaSecurity, options: Mapping[str, Any] | None = None
) -> None:
    """Connect to the first reachable bootstrap address the way every client will (TLS,
    SASL) and raise ``KafkaAccessError`` with one line when the cluster refuses us.

    An address that cannot be reached is skipped, and when none answers this returns:
    that is the clients' to retry, as for any broker that is down.
    """
    from aiokafka.conn import create_conn

    check_certificates(security)
    if options is None:  # else: the command's own (`--command-config` may have set them)
        try:
            options = security.client_options()
        except (OSError, ssl.SSLError) as exc:  # a missing or unreadable CA, cert or key
            raise KafkaAccessError(f"TLS files (KAFKA_SSL_*) cannot be loaded: {exc}") from None
    # what the command's options say, for the messages (no validation: already chosen)
    security = security.model_copy(
        update={
            "protocol": str(options.get("security_protocol", security.protocol)),
            "sasl_mechanism": options.get("sasl_mechanism", security.sasl_mechanism),
            "sasl_username": options.get("sasl_plain_username", security.sasl_username),
        }
    )
    for address in (a.strip() for a in bootstrap.split(",") if a.strip()):
        host, _, port = address.rpartition(":")
        try:
            conn = await create_conn(host, int(port), request_timeout_ms=15000, **options)
        except ssl.SSLCertVerificationError as exc:
            raise KafkaAccessError(
                f"the broker at {address} presented a certificate this client does not "
                f"trust ({exc.verify_message}): check KAFKA_SSL_CAFILE"
                f"={security.ssl_cafile or '(system CAs)'}"
            ) from None
        except ssl.SSLError as exc:
            raise KafkaAccessError(_tls_refused(address, security, exc)) from None
        except (
            AuthenticationFailedError,
            SaslAuthenticationFailed,
            UnsupportedSaslMechanismError,
        ) as exc:
            raise KafkaAccessError(
                refused_login(address, security.sasl_mechanism, security.sasl_username, exc)
            ) from None
        except (OSError, KafkaError) as exc:
            if security.protocol in {"SSL", "SASL_SSL"} and isinstance(
                exc, (ConnectionResetError, KafkaConnectionError)
            ):
                # TLS 1.3: the server checks the client's certificate after the client has
                # finished the handshake, so a refused one shows up as the connection
                # closing at the first request
                raise KafkaAccessError(_tls_refused(address, security, exc)) from None
            continue
        conn.close()
        return
    # none answered: not a refusal; the clients retry as for a broker that is down
    # (RETRY_WINDOW_S in stream/engine.py)


def refused_login(
    address: str, mechanism: str | None, username: str | None, exc: BaseException
) -> str:
    """The one line for a refused SASL login (the worker, demo, lag and dlq say the same)."""
    return (
        f"the broker at {address} refused the {mechanism or 'SCRAM-SHA-512'} login of "
        f"KAFKA_SASL_USERNAME={username}: wrong password, unknown user or mechanism not "
        f"enabled ({type(exc).__name__})"
    )


def _tls_refused(address: str, security: KafkaSecurity, exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or "connection closed after the handshake"
    if security.ssl_certfile:
        return (
            f"the broker at {address} refused the TLS handshake ({reason}): its CA does not "
            f"trust the client certificate KAFKA_SSL_CERTFILE={security.ssl_certfile}, or "
            "it is not valid"
        )
    return (
        f"the broker at {address} refused the TLS handshake ({reason}): it may require a "
        "client certificate (set KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE)"
    )


def _names(exc: KafkaError) -> list[str]:
    out: list[str] = []
    for arg in exc.args:
        if isinstance(arg, str):
            out.append(arg)
        elif isinstance(arg, Iterable):
            out += [str(a) for a in arg]
    return out


def denial(exc: BaseException, acls: list[Acl]) -> str | None:
    """One line naming the ACL missing for authorization error ``exc`` (None when ``exc``
    is not one): the resource aiokafka names, and what ``acls`` grant on it."""

    def needs(resource: str, names: list[str]) -> str:
        matching = [
            a
            for a in acls
            if a.resource == resource
            and any((n.startswith(a.name) if a.prefixed else n == a.name) for n in names)
        ]
        # the required ACLs on it; the optional ones (Create) only when it has no other
        wanted: dict[str, list[str]] = {}
        for a in [a for a in matching if not a.optional] or matching:
            key = f"{a.name}* (prefixed)" if a.prefixed else a.name
            wanted.setdefault(key, []).append(a.operation)
        which = ", ".join(names) or "?"
        need = (
            "; ".join(f"{', '.join(ops)} on {resource} {n}" for n, ops in wanted.items())
            or "an ACL for it"
        )
        return (
            f"Kafka denied access to {resource} {which} ({type(exc).__name__}): the principal "
            f"needs {need} (see {README})"
        )

    if isinstance(exc, TopicAuthorizationFailedError):
        return needs("Topic", _names(exc))
    if isinstance(exc, GroupAuthorizationFailedError):
        return needs("Group", _names(exc))
    if isinstance(exc, TransactionalIdAuthorizationFailed):
        return needs("TransactionalId", _names(exc))
    if isinstance(exc, ClusterAuthorizationFailedError):
        return (
            f"Kafka denied a cluster-level operation ({type(exc).__name__}): the principal "
            f"lacks a Cluster ACL (see {README})"
        )
    return None


def is_denial(exc: BaseException) -> bool:
    return isinstance(
        exc,
        (
            TopicAuthorizationFailedError,
            GroupAuthorizationFailedError,
            TransactionalIdAuthorizationFailed,
            ClusterAuthorizationFailedError,
        ),
    )


def first_denial(exc: BaseException) -> Any:
    """``exc`` or the authorization error it was raised from (aiokafka chains some)."""
    seen: BaseException | None = exc
    while seen is not None:
        if is_denial(seen):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
