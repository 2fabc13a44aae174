"""Which worker holds which partition, known to every worker of the group.

A query (``/actions/{event_id}/``) may reach any worker, e.g. through a Kubernetes
Service, while the action lives in the state of the worker that owns its partition. As
Kafka Streams does with ``application.server``, each worker puts the URL it serves at in
its group metadata (``user_data`` of the JoinGroup subscription); the group leader
assigns partitions round-robin, as aiokafka's default assignor does, and hands every
member the whole map (URL -> partitions) in its assignment's ``user_data``. So after each
rebalance every worker knows its peers and what they hold, with no extra round trip.

The protocol is listed before plain ``roundrobin``: a group whose members do not all
speak it (a rolling upgrade from a version without it) falls back to ``roundrobin``,
and the map is then empty: queries answer from the local worker only, as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import (
    ConsumerProtocolMemberAssignment,
    ConsumerProtocolMemberMetadata,
)

log = logging.getLogger(__name__)

PROTOCOL = "corpactions-members-v1"


@dataclass
class GroupMembers:
    """The last assignment's map: each member's URL and the input partitions it owns."""

    self_url: str
    by_url: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # maps received; the engine tells a plain round-robin assignment by it not moving
    generation: int = 0

    def peers(self) -> list[str]:
        """Every other member's URL (empty when the map is unknown)."""
        return sorted(url for url in self.by_url if url != self.self_url)

    def update(self, by_url: Mapping[str, Iterable[int]]) -> None:
        self.by_url = {url: tuple(sorted(p)) for url, p in by_url.items()}
        self.generation += 1


def encode_map(by_url: Mapping[str, Iterable[int]]) -> bytes:
    return json.dumps({"members": {u: sorted(p) for u, p in sorted(by_url.items())}}).encode()


def decode_map(data: bytes) -> dict[str, list[int]]:
    """The map in an assignment's user_data; {} when absent or not ours."""
    try:
        members = json.loads(data)["members"]
        return {str(u): [int(p) for p in ps] for u, ps in members.items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


class MembersAssignor(RoundRobinPartitionAssignor):  # type: ignore[misc]
    """aiokafka's round-robin assignment, plus the URL map (see the module docstring).

    aiokafka calls its assignors' methods on whatever object it is given, so an instance
    carries this worker's URL and the map it receives.
    """

    name = PROTOCOL
    version = 0

    def __init__(self, members: GroupMembers) -> None:
        self.members = members

    def metadata(self, topics: Iterable[str]) -> ConsumerProtocolMemberMetadata:
        url = json.dumps({"url": self.members.self_url}).encode()
        return ConsumerProtocolMemberMetadata(self.version, sorted(topics), url)

    def assign(
        self, cluster: Any, members: Mapping[str, ConsumerProtocolMemberMetadata]
    ) -> dict[str, ConsumerProtocolMemberAssignment]:
        plain = RoundRobinPartitionAssignor.assign(cluster, members)
        by_url: dict[str, list[int]] = {}
        for member_id, assignment in plain.items():
            try:
                url = str(json.loads(members[member_id].user_data)["url"])
            except (ValueError, KeyError, TypeError):
                url = f"unknown:{member_id}"  # cannot happen among members of this protocol
            owned = by_url.setdefault(url, [])
            for _topic, partitions in assignment.assignment:
                owned.extend(partitions)
        user_data = encode_map(by_url)
        return {
            member_id: ConsumerProtocolMemberAssignment(
                self.version, assignment.assignment, user_data
            )
            for member_id, assignment in plain.items()
        }

    def on_assignment(self, assignment: ConsumerProtocolMemberAssignment) -> None:
        by_url = decode_map(assignment.user_data)
        self.members.update(by_url)
        log.info("group members: %s", by_url)
