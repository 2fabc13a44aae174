"""The service's topics: what each must be, and creating or verifying them at start-up.

``CORPACTIONS_CREATE_TOPICS=true`` (the default) creates what is missing, with the
partitions, replication, ``min.insync.replicas`` and retention of the settings;
``false`` only verifies, for a cluster whose topics a platform team owns. Either way a
worker refuses to start when the input topic and the state changelog differ in
partitions: the state of input partition *p* lives in changelog partition *p*, so a
mismatch would restore one partition's state for another's records.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
    for_code,
)

from corpactions.settings import Settings


class TopicsError(RuntimeError):
    """A topic is missing or not as the service needs it (one line, naming it)."""


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the service needs it; docs/operations.md's topics table lists the same."""

    name: str
    role: str
    key: str
    # None: any count will do (outputs, read by others); else exactly this many
    partitions: int | None
    configs: dict[str, str] = field(default_factory=dict)

    @property
    def cleanup_policy(self) -> str:
        return self.configs.get("cleanup.policy", "delete")


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic of the service, the input first and the changelog last."""
    t = settings.topics
    common = (
        {"min.insync.replicas": str(settings.min_insync_replicas)}
        if settings.min_insync_replicas
        else {}
    )
    security = "the security (ISIN, else MIC:local code)"
    outputs = [
        TopicSpec(t.schedules, "schedule events", security, None, common),
        TopicSpec(t.record_dates, "record-date events", security, None, common),
        TopicSpec(t.payment_dates, "payment-date events", security, None, common),
        TopicSpec(t.notifications, "ISO 20022 notifications", security, None, common),
        TopicSpec(
            t.dead_letters,
            "dead letters",
            "the refused record's own key",
            None,
            {**common, "retention.ms": str(settings.dlq_retention_ms)},
        ),
    ]
    return [
        TopicSpec(t.resolutions, "input", security, settings.partitions, common),
        *outputs,
        TopicSpec(
            t.changelog(settings.app_id),
            "state changelog",
            "the input partition and the action",
            settings.partitions,
            {**common, "cleanup.policy": "compact"},
        ),
    ]


def notifier_topic_specs(settings: Settings) -> list[TopicSpec]:
    """The topics of the notifier (stream/notifier.py), its input (the schedule events)
    first and its own changelog last: partitioned like the schedules topic, whose
    partition p's notifier state it holds in partition p."""
    t = settings.topics
    specs = topic_specs(settings)
    [schedules] = [s for s in specs if s.name == t.schedules]
    group = f"{settings.app_id}-notifier"
    changelog = TopicSpec(
        t.changelog(group),
        "notifier state changelog",
        "the schedules partition and the action",
        None,
        {**specs[-1].configs},
    )
    return [schedules, *[s for s in specs[:-1] if s is not schedules], changelog]


async def provision_notifier(
    settings: Settings, client_options: dict[str, Any] | None = None
) -> None:
    """`provision` for the notifier: the schedules topic is its input."""
    await provision(settings, client_options, notifier_topic_specs(settings))


async def provision(
    settings: Settings,
    client_options: dict[str, Any] | None = None,
    specs: list[TopicSpec] | None = None,
) -> None:
    """Create (or with ``create_topics`` false, verify) the service's topics (``specs``:
    an agent's, its input first and its changelog last; the lifecycle's by default);
    raise :class:`TopicsError` when one cannot serve, and always when the input and the
    changelog differ in partitions."""
    assert settings.bootstrap_servers
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, **(client_options or {})
    )
    await admin.start()
    try:
        specs = specs or topic_specs(settings)
        counts = await _partition_counts(admin, [s.name for s in specs])
        if settings.create_topics:
            if await _create_missing(admin, settings, specs, counts):
                counts = await _visible(admin, [s.name for s in specs])
        else:
            await _verify(admin, specs, counts)
        _check_input_matches_changelog(specs[0], specs[-1], counts)
    finally:
        await admin.close()


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partitions of the topics of ``names`` that exist (a missing one is absent).

    Existence comes from the full topic list (a metadata request for every topic never
    auto-creates one; asking for a missing topic by name may, on a broker with
    ``auto.create.topics.enable``)."""
    existing = set(await admin.list_topics())
    present = [n for n in names if n in existing]
    if not present:
        return {}
    return {
        t["topic"]: len(t["partitions"])
        for t in await admin.describe_topics(present)
        if t["error_code"] == 0
    }


async def _visible(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """``_partition_counts`` once the broker's metadata shows every topic just created
    (the controller has them before the broker answering us does), or after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        counts = await _partition_counts(admin, names)
        if len(counts) == len(names) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.1)


async def _create_missing(
    admin: AIOKafkaAdminClient, settings: Settings, specs: list[TopicSpec], counts: dict[str, int]
) -> bool:
    """Create the missing topics; whether any was."""
    input_spec, changelog = specs[0], specs[-1]
    wanted = []
    for spec in specs:
        if spec.name in counts:
            continue
        partitions = settings.partitions
        if spec is changelog and input_spec.name in counts:
            # the changelog mirrors the input as it is, whatever the setting says
            partitions = counts[input_spec.name]
        wanted.append(
            NewTopic(spec.name, partitions, settings.replication_factor, topic_configs=spec.configs)
        )
    if wanted:
        response = await admin.create_topics(wanted)
        for entry in response.topic_errors:  # (name, error code[, message])
            error = for_code(entry[1])
            if entry[1] == 0 or error is TopicAlreadyExistsError:
                continue  # created, or concurrently by another worker: fine
            if error in (TopicAuthorizationFailedError, ClusterAuthorizationFailedError):
                raise error(entry[0])  # startup.py says which ACL
            detail = entry[2] if len(entry) > 2 and entry[2] else error.__name__
            raise TopicsError(f"cannot create topic {entry[0]}: {detail}")
    return bool(wanted)


async def _verify(
    admin: AIOKafkaAdminClient, specs: list[TopicSpec], counts: dict[str, int]
) -> None:
    missing = [s.name for s in specs if s.name not in counts]
    if missing:
        raise TopicsError(
            f"CORPACTIONS_CREATE_TOPICS=false and {len(missing)} topic(s) are missing: "
            f"{', '.join(missing)} (create them as docs/operations.md's topics table says, or let "
            "the service create them)"
        )
    for spec in specs:
        if spec.partitions is not None and counts[spec.name] != spec.partitions:
            raise TopicsError(
                f"topic {spec.name} has {counts[spec.name]} partitions, "
                f"CORPACTIONS_PARTITIONS says {spec.partitions}: set CORPACTIONS_PARTITIONS="
                f"{counts[spec.name]}, or give the topic {spec.partitions}"
            )
    changelog = specs[-1]
    policy = await _config(admin, changelog.name, "cleanup.policy")
    if policy is not None and "compact" not in policy.split(","):
        raise TopicsError(
            f"topic {changelog.name} has cleanup.policy={policy}: the state changelog must "
            "be compacted (cleanup.policy=compact), or old state is deleted with its age"
        )


def _check_input_matches_changelog(
    input_spec: TopicSpec, changelog: TopicSpec, counts: dict[str, int]
) -> None:
    have_input, have_changelog = counts.get(input_spec.name), counts.get(changelog.name)
    if have_input is not None and have_changelog is not None and have_input != have_changelog:
        raise TopicsError(
            f"refusing to start: input topic {input_spec.name} has {have_input} partitions "
            f"but state changelog {changelog.name} has {have_changelog}; the state of input "
            "partition p lives in changelog partition p, so they must match "
            "(docs/operations.md, topics)"
        )


async def _config(admin: AIOKafkaAdminClient, topic: str, name: str) -> str | None:
    [response] = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topic, {name: None})]
    )
    for resource in response.resources:
        for entry in resource[4]:  # (name, value, read_only, is_default, is_sensitive, ...)
            if entry[0] == name:
                return str(entry[1])
    return None


async def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int = 1,
    configs: dict[str, str] | None = None,
    client_options: dict[str, Any] | None = None,
) -> None:
    """Create the topics of ``names`` that are missing (tests and benches: fresh topics
    for a namespace; the service itself uses :func:`provision`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(client_options or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(n, partitions, replication_factor, topic_configs=configs or {})
            for n in names
            if n not in existing
        ]
        if wanted:
            # created concurrently by another worker: fine
            with contextlib.suppress(TopicAlreadyExistsError):
                response = await admin.create_topics(wanted)
                for name, code, *_ in response.topic_errors:
                    if code not in (0, TopicAlreadyExistsError.errno):  # e.g. no ACL
                        raise for_code(code)(name)
    finally:
        await admin.close()
