"""Before the worker starts: Kafka reachable, the login accepted, the topics right.

faust would otherwise start, retry in the background and end in a traceback; here a
problem ends `corpactions worker` (and `demo`) with one line naming the broker, the
variable or the topic, and exit status 2. Kafka not answering is retried for
``CORPACTIONS_STARTUP_TIMEOUT_S`` (a broker still starting); a refused login or an
untrusted certificate is not retried (waiting changes neither).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Mapping
from typing import Any

from aiokafka.errors import (
    AuthenticationFailedError,
    ClusterAuthorizationFailedError,
    IllegalSaslStateError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
    UnsupportedSaslMechanismError,
)

from corpactions.ops.access import refused_login
from corpactions.ops.aiokafka_private import coordinator_ready, open_and_close
from corpactions.settings import Settings
from corpactions.stream.schema_registry import RegistryError, SchemaRegistry
from corpactions.stream.topics import TopicsError, provision, provision_notifier

log = logging.getLogger(__name__)


class CannotStart(RuntimeError):
    """Start-up cannot go on: one line saying why."""


_REFUSED_LOGIN = (
    SaslAuthenticationFailed,
    AuthenticationFailedError,
    IllegalSaslStateError,
    UnsupportedSaslMechanismError,
)
_NOT_ALLOWED = (TopicAuthorizationFailedError, ClusterAuthorizationFailedError)


async def check_kafka(settings: Settings) -> None:
    """Return once the cluster answers, accepts the login and has (or now has) the
    topics; else raise :class:`CannotStart`."""
    assert settings.bootstrap_servers
    # aiokafka logs each failed connection at ERROR; the one line is ours to say
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        await _check(settings)
    finally:
        quiet.setLevel(level)
    await check_registry(settings)


async def check_registry(settings: Settings) -> None:
    """With CORPACTIONS_SCHEMA_REGISTRY_URL set: the registry answers and accepts the
    credentials; else :class:`CannotStart` (one line, never the password)."""
    if settings.schema_registry_url is None:
        return
    registry = SchemaRegistry(
        settings.schema_registry_url,
        settings.schema_registry_username,
        settings.schema_registry_password,
    )
    try:
        await registry.check()
    except RegistryError as exc:
        raise CannotStart(str(exc)) from None
    finally:
        await registry.close()


async def _provision(settings: Settings, options: dict[str, Any]) -> None:
    """The topics of every agent this worker runs."""
    agents = settings.running_agents
    if "lifecycle" in agents:
        await provision(settings, options)
    if "notifier" in agents:
        await provision_notifier(settings, options)


async def _check(settings: Settings) -> None:
    assert settings.bootstrap_servers
    options = settings.security.client_options()
    deadline = time.monotonic() + settings.startup_timeout_s
    delay = 0.5
    while True:
        remaining = deadline - time.monotonic()
        try:
            await asyncio.wait_for(_provision(settings, options), max(remaining, 0.1))
            await _coordinators(settings, options, deadline)
            return
        except TopicsError as exc:
            raise CannotStart(str(exc)) from None
        except _NOT_ALLOWED as exc:
            raise CannotStart(_not_allowed(settings, exc)) from None
        except (KafkaError, OSError, TimeoutError) as exc:
            why = await diagnose(
                settings.bootstrap_servers, options, min(max(remaining, 1.0), 10.0)
            )
            if isinstance(why, CannotStart):
                raise why from None
            if time.monotonic() + delay >= deadline:
                raise CannotStart(
                    f"cannot reach Kafka at {settings.bootstrap_servers} within "
                    f"{settings.startup_timeout_s:g}s (CORPACTIONS_STARTUP_TIMEOUT_S): "
                    f"{why or _name(exc)}"
                ) from None
            log.info("Kafka not ready (%s); retrying in %.1fs", why or _name(exc), delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _coordinators(settings: Settings, options: dict[str, Any], deadline: float) -> None:
    """Wait (until ``deadline`` at most) for the cluster to name a coordinator for each
    agent's consumer group.

    On a cluster whose ``__consumer_offsets`` does not exist yet (a new one), the first
    lookup creates it and the coordinator is unavailable until its partitions have
    leaders. Two workers joining then could leave one marking the coordinator dead and
    never getting partitions (seen in the soak and the rebalance fault test on fresh
    brokers). Past the deadline the worker starts anyway: its consumer keeps retrying."""
    from aiokafka import AIOKafkaConsumer

    from corpactions.stream.agent import placement

    groups = [placement(settings, agent).group_id for agent in settings.running_agents]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, enable_auto_commit=False, **options
    )
    await consumer.start()
    try:
        while groups and time.monotonic() < deadline:
            groups = [g for g in groups if not await coordinator_ready(consumer, 0, g)]
            if groups:
                await asyncio.sleep(0.25)
    finally:
        await consumer.stop()


async def diagnose(
    bootstrap: str, options: Mapping[str, Any], timeout_s: float
) -> CannotStart | str | None:
    """Why a client's bootstrap failed, from one connection to each broker named
    (``options``: the aiokafka client options): a :class:`CannotStart` for what waiting
    will not mend (a refused login, TLS), else a short reason (refused, timed out) to
    retry on; None when a broker answered."""
    reasons = []
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            await asyncio.wait_for(open_and_close(host, int(port), timeout_s, **options), timeout_s)
            return None
        except _REFUSED_LOGIN as exc:
            return CannotStart(
                refused_login(
                    server,
                    options.get("sasl_mechanism"),
                    options.get("sasl_plain_username"),
                    exc,
                )
            )
        except ssl.SSLCertVerificationError as exc:
            return CannotStart(
                f"TLS with Kafka at {server} failed: {exc.verify_message} (the broker's "
                "certificate is checked against KAFKA_SSL_CAFILE, else the system's CAs)"
            )
        except ssl.SSLError as exc:
            return CannotStart(
                f"TLS with Kafka at {server} failed ({exc.reason or exc}): is it a "
                f"{options.get('security_protocol')} listener, and does it accept the client "
                "certificate (KAFKA_SSL_CERTFILE)?"
            )
        except (OSError, TimeoutError, KafkaError) as exc:
            reasons.append(f"{server}: {_name(exc)}")
    return "; ".join(reasons)


def _not_allowed(settings: Settings, exc: KafkaError) -> str:
    who = settings.security.sasl_username or "this client"
    what = (
        "describe or create the service's topics"
        if isinstance(exc, TopicAuthorizationFailedError)
        else "create topics on the cluster"
    )
    return (
        f"Kafka at {settings.bootstrap_servers} does not allow {who} to {what} "
        f"({_name(exc)}): grant the ACLs docs/security.md lists, or set "
        "CORPACTIONS_CREATE_TOPICS=false and have the topics created for the service"
    )


def _name(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, TimeoutError) and not text:
        return "timed out"
    name = type(exc).__name__
    return text if text.startswith(name) else f"{name}: {text}" if text else name
