"""The group's member map: every worker learns, at each rebalance, who holds what."""

from __future__ import annotations

import pytest
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.coordinator.protocol import ConsumerProtocol

from corpactions.settings import Settings, SettingsError
from corpactions.stream.members import GroupMembers, MembersAssignor, decode_map


class Cluster:
    """The one ClusterMetadata method the round-robin assignor calls."""

    def __init__(self, partitions: dict[str, set[int]]) -> None:
        self._partitions = partitions

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self._partitions.get(topic)


def test_leader_hands_every_member_the_whole_map_and_round_robin_partitions() -> None:
    urls = {"m-a": "http://10.0.0.1:6066", "m-b": "http://10.0.0.2:6066"}
    assignors = {m: MembersAssignor(GroupMembers(u)) for m, u in urls.items()}
    # what each member sends in JoinGroup, as bytes on the wire and decoded by the leader
    joined = {
        m: ConsumerProtocol.METADATA.decode(a.metadata({"resolutions"}).encode())
        for m, a in assignors.items()
    }
    cluster = Cluster({"resolutions": {0, 1, 2, 3, 4}})

    out = assignors["m-a"].assign(cluster, joined)  # m-a leads

    plain = RoundRobinPartitionAssignor.assign(cluster, joined)
    for member in urls:
        assert out[member].assignment == plain[member].assignment  # the same partitions
        # each member decodes its own assignment, sent as bytes
        wire = ConsumerProtocol.ASSIGNMENT.decode(out[member].encode())
        assignors[member].on_assignment(wire)
    expected = {"http://10.0.0.1:6066": (0, 2, 4), "http://10.0.0.2:6066": (1, 3)}
    for member, assignor in assignors.items():
        assert assignor.members.by_url == expected
        assert assignor.members.peers() == [u for u in expected if u != urls[member]]


def test_a_map_that_is_not_ours_reads_as_unknown() -> None:
    assert decode_map(b"") == {}
    assert decode_map(b"not json") == {}
    assert decode_map(b'{"members": [1, 2]}') == {}
    assert decode_map(b'{"members": {"http://h:1": [0, 3]}}') == {"http://h:1": [0, 3]}


def test_advertised_url_defaults_to_the_bound_address_or_the_host_name() -> None:
    assert Settings.from_env({"CORPACTIONS_WEB_PORT": "7001"}).advertised_url == (
        "http://127.0.0.1:7001"
    )
    everywhere = Settings.from_env({"CORPACTIONS_WEB_HOST": "0.0.0.0"}).advertised_url
    assert everywhere.startswith("http://")
    assert "0.0.0.0" not in everywhere
    pod = Settings.from_env({"CORPACTIONS_WEB_ADVERTISED_URL": "http://10.1.2.3:6066/"})
    assert pod.advertised_url == "http://10.1.2.3:6066"
    with pytest.raises(SettingsError, match="CORPACTIONS_WEB_ADVERTISED_URL"):
        Settings.from_env({"CORPACTIONS_WEB_ADVERTISED_URL": "10.1.2.3:6066"})
