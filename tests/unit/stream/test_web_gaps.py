"""When a worker's answer may be incomplete: the group map against what it has restored."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka.structs import TopicPartition

from corpactions.stream.members import GroupMembers
from corpactions.stream.web import local_gap, unavailable

ME, PEER = "http://10.0.0.1:6066", "http://10.0.0.2:6066"


def engine(ready: bool, owned: tuple[int, ...], restored: tuple[int, ...]) -> Any:
    members = GroupMembers(ME, {ME: owned, PEER: (9,)})
    held = {TopicPartition("in", p): object() for p in restored}
    return SimpleNamespace(started=ready, members=members, partitions=held)


def test_a_worker_holding_all_its_partitions_can_say_not_found() -> None:
    assert local_gap(engine(True, (0, 2), (0, 2))) is None


def test_a_worker_still_restoring_a_partition_cannot() -> None:
    assert local_gap(engine(True, (0, 2), (0,))) == "restoring partitions [2]"
    assert local_gap(engine(False, (), ())) == "starting: no partitions restored yet"


def test_a_peer_unreached_or_restoring_makes_the_answer_incomplete() -> None:
    results = [
        (PEER, 0, "ClientConnectorError()"),
        (
            "http://10.0.0.3:6066",
            503,
            {"unavailable": [{"url": "http://10.0.0.3:6066", "why": "restoring partitions [4]"}]},
        ),
        ("http://10.0.0.5:6066", 500, "Internal Server Error"),
        ("http://10.0.0.4:6066", 404, {"error": "not_found"}),
    ]
    assert unavailable(results, ME, "restoring partitions [2]") == [
        {"url": ME, "why": "restoring partitions [2]"},
        {"url": PEER, "why": "unreachable: ClientConnectorError()"},
        {"url": "http://10.0.0.3:6066", "why": "restoring partitions [4]"},
        {"url": "http://10.0.0.5:6066", "why": "HTTP 500"},
    ]
    assert unavailable(results[3:], ME, None) == []
