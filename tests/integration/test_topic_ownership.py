"""Topics a platform team can own: created or only verified, never mis-partitioned.

On the real broker, each test with its own fresh topic names (``Namespace``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from corpactions.settings import Settings
from corpactions.stream.topics import TopicsError, provision, topic_specs
from tests.support.kafka import Namespace

pytestmark = pytest.mark.kafka


def settings_of(ns: Namespace, **env: str) -> Settings:
    return Settings.from_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": ns.bootstrap,
            "CORPACTIONS_TOPIC_PREFIX": ns.topics.prefix,
            "CORPACTIONS_APP_ID": ns.app_id,
            "CORPACTIONS_PARTITIONS": str(ns.partitions),
            **env,
        }
    )


async def described(bootstrap: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """name -> {"partitions": n, config: value ...} of the topics that exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        present = [n for n in names if n in existing]
        if not present:
            return {}
        out = {
            t["topic"]: {"partitions": len(t["partitions"])}
            for t in await admin.describe_topics(present)
        }
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in present]
        )
        for response in responses:
            for resource in response.resources:
                for entry in resource[4]:
                    out[resource[3]][entry[0]] = entry[1]
        return out
    finally:
        await admin.close()


async def create(
    bootstrap: str, topics: dict[str, int], configs: dict[str, str] | None = None
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(n, p, 1, topic_configs=configs or {}) for n, p in topics.items()]
        )
        # created by the controller; wait until the broker's metadata shows them too
        deadline = time.monotonic() + 15
        while not set(topics) <= set(await admin.list_topics()):
            assert time.monotonic() < deadline, "created topics never appeared"
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


def worker(ns: Namespace, **env: str) -> subprocess.CompletedProcess[str]:
    """`corpactions worker` run to its start-up verdict (it must not get past it)."""
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "worker"],
        env=ns.env(CORPACTIONS_STARTUP_TIMEOUT_S="20", **env),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


async def test_created_topics_have_the_partitions_policies_and_retention_readme_lists(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap, partitions=4)  # nothing created beforehand
    settings = settings_of(ns, CORPACTIONS_MIN_INSYNC_REPLICAS="1")
    await provision(settings)
    specs = topic_specs(settings)
    got = await described(kafka_bootstrap, [s.name for s in specs])
    assert set(got) == {s.name for s in specs}
    assert got[ns.topics.resolutions]["partitions"] == 4
    assert got[ns.topics.changelog(ns.app_id)]["partitions"] == 4
    assert got[ns.topics.changelog(ns.app_id)]["cleanup.policy"] == "compact"
    assert got[ns.topics.dead_letters]["retention.ms"] == "-1"  # kept until deleted
    assert got[ns.topics.dead_letters]["cleanup.policy"] == "delete"
    assert {got[s.name]["min.insync.replicas"] for s in specs} == {"1"}


async def test_dlq_retention_is_configurable(kafka_bootstrap: str) -> None:
    ns = Namespace(kafka_bootstrap)
    await provision(settings_of(ns, CORPACTIONS_DLQ_RETENTION_MS="2592000000"))
    got = await described(kafka_bootstrap, [ns.topics.dead_letters])
    assert got[ns.topics.dead_letters]["retention.ms"] == "2592000000"


async def test_the_changelog_mirrors_an_input_that_exists_with_other_partitions(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap, partitions=6)
    await create(kafka_bootstrap, {ns.topics.resolutions: 12})  # a platform's 12, the default 6
    await provision(settings_of(ns))
    got = await described(kafka_bootstrap, [ns.topics.changelog(ns.app_id)])
    assert got[ns.topics.changelog(ns.app_id)]["partitions"] == 12


async def test_verify_only_creates_nothing_and_names_what_is_missing(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap)
    await create(kafka_bootstrap, {ns.topics.resolutions: ns.partitions})
    settings = settings_of(ns, CORPACTIONS_CREATE_TOPICS="false")
    with pytest.raises(TopicsError, match="missing") as info:
        await provision(settings)
    message = str(info.value)
    assert ns.topics.dead_letters in message
    assert ns.topics.changelog(ns.app_id) in message
    assert ns.topics.resolutions not in message.split("missing:")[1]
    assert set(await described(kafka_bootstrap, [s.name for s in topic_specs(settings)])) == {
        ns.topics.resolutions
    }


async def test_verify_passes_when_the_platform_created_every_topic_as_listed(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap)
    settings = settings_of(ns, CORPACTIONS_CREATE_TOPICS="false")
    t = ns.topics
    await create(kafka_bootstrap, {t.resolutions: 3, **dict.fromkeys(t.outputs(), 1)})
    await create(kafka_bootstrap, {t.changelog(ns.app_id): 3}, {"cleanup.policy": "compact"})
    await provision(settings)  # outputs may have any partition count


async def test_verify_refuses_a_wrong_partition_count_or_a_deleting_changelog(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap)
    t = ns.topics
    await create(kafka_bootstrap, {t.resolutions: 3, **dict.fromkeys(t.outputs(), 1)})
    await create(kafka_bootstrap, {t.changelog(ns.app_id): 3})  # cleanup.policy=delete
    with pytest.raises(TopicsError, match=r"has 3 partitions, CORPACTIONS_PARTITIONS says 6"):
        await provision(
            settings_of(ns, CORPACTIONS_CREATE_TOPICS="false", CORPACTIONS_PARTITIONS="6")
        )
    with pytest.raises(TopicsError, match=r"cleanup.policy=delete: the state changelog must be"):
        await provision(settings_of(ns, CORPACTIONS_CREATE_TOPICS="false"))


async def test_the_worker_refuses_an_input_and_changelog_that_differ(
    namespace: Namespace,
) -> None:
    await create(namespace.bootstrap, {namespace.topics.changelog(namespace.app_id): 2})
    done = worker(namespace)  # the input has 3
    assert done.returncode == 2, done.stderr[-2000:]
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("corpactions worker: refusing to start: input topic ")
    assert "has 3 partitions but state changelog" in line
    assert line.endswith("so they must match (docs/operations.md, topics)")


def test_the_worker_in_verify_mode_stops_in_one_line_naming_the_missing_topics(
    kafka_bootstrap: str,
) -> None:
    ns = Namespace(kafka_bootstrap)
    done = worker(ns, CORPACTIONS_CREATE_TOPICS="false")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "CORPACTIONS_CREATE_TOPICS=false and 7 topic(s) are missing" in line
    assert ns.topics.resolutions in line


async def test_a_topic_the_cluster_cannot_create_is_named(kafka_bootstrap: str) -> None:
    ns = Namespace(kafka_bootstrap)  # one broker: three replicas cannot be placed
    with pytest.raises(TopicsError, match=r"cannot create topic t\w+\.corporate-actions\.") as info:
        await provision(settings_of(ns, CORPACTIONS_REPLICATION_FACTOR="3"))
    assert "replication" in str(info.value).lower()
