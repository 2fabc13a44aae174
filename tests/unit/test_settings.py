"""Settings are read once from the environment, validated, and frozen."""

from __future__ import annotations

import dataclasses

import pytest

from corpactions.settings import Settings, SettingsError


def test_defaults_name_the_published_topics() -> None:
    s = Settings.from_env({})
    assert s.bootstrap_servers is None
    assert s.topics.resolutions == "corporate-actions.board-resolutions.v1"
    assert s.topics.schedules == "corporate-actions.dividend-schedules.v1"
    assert s.topics.dead_letters == "corporate-actions.board-resolutions.dlq.v1"
    assert s.log_level == "warn"


def test_environment_overrides_and_prefix_isolates_topics() -> None:
    s = Settings.from_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
            "CORPACTIONS_TOPIC_PREFIX": "t1.",
            "CORPACTIONS_PARTITIONS": "3",
            "CORPACTIONS_LOG_LEVEL": "INFO",
            "CORPACTIONS_WEB_ENABLED": "false",
        }
    )
    assert s.bootstrap_servers == "127.0.0.1:9092"
    assert s.topics.record_dates == "t1.corporate-actions.record-dates.v1"
    assert s.partitions == 3
    assert s.log_level == "info"
    assert s.web_enabled is False


def test_settings_are_frozen() -> None:
    s = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.app_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value"),
    [("CORPACTIONS_LOG_LEVEL", "verbose"), ("CORPACTIONS_PARTITIONS", "many")],
)
def test_bad_values_are_named_in_the_error(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_plaintext_by_default() -> None:
    assert Settings.from_env({}).security.client_options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_needs_credentials_and_builds_a_tls_context() -> None:
    with pytest.raises(SettingsError, match="KAFKA_SASL_USERNAME"):
        Settings.from_env({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"})
    s = Settings.from_env(
        {
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "corpactions",
            "KAFKA_SASL_PASSWORD": "s3cret",
        }
    )
    opts = s.security.client_options()
    assert opts["security_protocol"] == "SASL_SSL"
    assert opts["sasl_mechanism"] == "SCRAM-SHA-512"
    assert opts["sasl_plain_username"] == "corpactions"
    assert "ssl_context" in opts
    assert "s3cret" not in repr(s)  # the password never reaches logs via repr


def test_unknown_security_protocol_is_refused() -> None:
    with pytest.raises(SettingsError, match="KAFKA_SECURITY_PROTOCOL"):
        Settings.from_env({"KAFKA_SECURITY_PROTOCOL": "KERBEROS"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CORPACTIONS_PARTITIONS", "0"),
        ("CORPACTIONS_WEB_PORT", "70000"),
        ("CORPACTIONS_LAG_INTERVAL_S", "0"),
        ("CORPACTIONS_LAG_WINDOW", "0"),
        ("CORPACTIONS_TICK_INTERVAL_S", "-1"),
        ("CORPACTIONS_SESSION_TIMEOUT_S", "0"),
        ("CORPACTIONS_TXN_BACKOFF_MS", "5000"),
        ("CORPACTIONS_TXN_TIMEOUT_S", "0.5"),
    ],
)
def test_out_of_range_values_are_refused_with_their_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"{name}=.*out of range"):
        Settings.from_env({name: value})


def test_zero_linger_is_allowed() -> None:
    assert Settings.from_env({"CORPACTIONS_PRODUCER_LINGER_MS": "0"}).producer_linger_ms == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, True), ("", True), ("false", False), ("OFF", False), ("0", False), ("yes", True)],
)
def test_iso20022_notifications_switch(raw: str | None, expected: bool) -> None:
    env = {} if raw is None else {"CORPACTIONS_ISO20022_NOTIFICATIONS": raw}
    assert Settings.from_env(env).iso20022_notifications is expected


def test_a_mistyped_switch_is_refused_not_read_as_off() -> None:
    with pytest.raises(SettingsError, match="CORPACTIONS_ISO20022_NOTIFICATIONS"):
        Settings.from_env({"CORPACTIONS_ISO20022_NOTIFICATIONS": "flase"})
