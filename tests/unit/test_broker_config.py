"""The local broker's pure parts: ids, heap sizes, properties, a clear missing-tool error."""

from __future__ import annotations

import base64
import socket
import uuid
from pathlib import Path

import pytest

from corpactions.broker import local
from corpactions.broker.local import (
    KafkaDistribution,
    LocalKafka,
    MissingToolError,
    min_heap,
    new_cluster_id,
    probe_metadata,
    require_tool,
)


def test_cluster_id_is_16_bytes_base64url_unpadded_like_storage_tool() -> None:
    cid = new_cluster_id()
    assert len(cid) == 22
    assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """A leading "-" made StorageTool read the id as an option (seen once in 64 runs)."""
    dash_first = uuid.UUID(bytes=base64.urlsafe_b64decode("-" + "A" * 21 + "=="))
    fresh = iter([dash_first, uuid.UUID(int=1)])
    monkeypatch.setattr(local.uuid, "uuid4", lambda: next(fresh))
    assert new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAQ"


@pytest.mark.parametrize(
    ("heap", "xms"), [("1g", "256m"), ("768m", "192m"), ("256m", "128m"), ("100m", "100m")]
)
def test_initial_heap_is_a_quarter_of_max_but_at_least_128m(heap: str, xms: str) -> None:
    assert min_heap(heap) == xms


def test_single_node_properties_use_loopback_and_replication_factor_one(tmp_path: Path) -> None:
    broker = LocalKafka(KafkaDistribution(tmp_path), tmp_path, port=19092, controller_port=19093)
    props = broker.properties()
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert broker.bootstrap_servers == "127.0.0.1:19092"


def test_missing_tool_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(MissingToolError, match=r"apt-get install openjdk-17-jre-headless"):
        require_tool("java")


def test_probe_of_a_closed_port_raises_oserror() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        probe_metadata(f"127.0.0.1:{port}", timeout=0.5)


@pytest.mark.parametrize("version", ["3.9.1", "4.1.1", "4.4.0"])
def test_each_version_gets_only_the_settings_it_knows(tmp_path: Path, version: str) -> None:
    dist = KafkaDistribution(tmp_path, version)
    broker = LocalKafka(dist, tmp_path, port=19092, controller_port=19093)
    props = broker.properties()
    # share groups (KIP-932) came in 4.0: 3.9 would log their settings as unknown
    assert ("share.coordinator.state.topic.replication.factor" in props) == (version >= "4")
    # KRaft either way, with a static controller quorum both understand
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert "zookeeper.connect" not in props
    # 3.9 logs through reload4j (log4j 1), 4.x through log4j 2: both are configured
    broker._write_config()
    assert "log4j.rootLogger=INFO, out" in (tmp_path / "log4j.properties").read_text()
    assert "rootLogger.level = INFO" in (tmp_path / "log4j2.properties").read_text()
    java = broker._java("kafka.Kafka")
    assert f"-Dlog4j.configuration=file:{tmp_path / 'log4j.properties'}" in java


def test_an_unsupported_version_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(local.BrokerError, match=r"^Kafka 3\.7\.0 is not one this project runs"):
        KafkaDistribution.ensure(tmp_path, version="3.7.0")


def test_the_setting_names_the_supported_versions() -> None:
    from corpactions.settings import Settings, SettingsError

    assert Settings.from_env({}).kafka_version == "4.1.1"
    assert Settings.from_env({"CORPACTIONS_KAFKA_VERSION": " 3.9.1"}).kafka_version == "3.9.1"
    with pytest.raises(SettingsError, match=r"CORPACTIONS_KAFKA_VERSION='3\.8\.0'"):
        Settings.from_env({"CORPACTIONS_KAFKA_VERSION": "3.8.0"})
