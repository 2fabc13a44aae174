"""Create the service's topics up front (idempotent), with the partitioning they need."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code


async def ensure_topics(
    bootstrap_servers: str,
    names: Iterable[str],
    partitions: int,
    replication_factor: int = 1,
    configs: dict[str, str] | None = None,
    client_options: dict[str, Any] | None = None,
) -> None:
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
