"""Settings are read once from the environment, validated, and frozen."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from corpactions.settings import (
    KAFKA_TOOL_VARIABLES,
    RETIRED,
    Settings,
    SettingsError,
    in_readme,
    variables,
)


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
    with pytest.raises(ValidationError, match="frozen"):
        s.app_id = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        s.security.protocol = "SSL"  # type: ignore[misc]


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
    ("raw", "value"),
    [
        *[("off", False), ("OFF", False), ("no", False), ("0", False), ("False", False)],
        *[("on", True), ("Yes", True), ("1", True), ("TRUE", True)],
    ],
)
def test_booleans_take_the_usual_spellings(raw: str, value: bool) -> None:
    assert Settings.from_env({"CORPACTIONS_WEB_ENABLED": raw}).web_enabled is value
    assert Settings.from_env({"CORPACTIONS_CREATE_TOPICS": raw}).create_topics is value


@pytest.mark.parametrize("raw", ["nah", "2", "", "t", "enabled", "y"])
def test_any_other_boolean_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"CORPACTIONS_WEB_ENABLED=.* is not a boolean"):
        Settings.from_env({"CORPACTIONS_WEB_ENABLED": raw})


@pytest.mark.parametrize("raw", ["6.7", "6.0", "1e2", "six", "", " ", "0x10", "6_0"])
def test_whole_numbers_must_be_written_as_whole_numbers(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"CORPACTIONS_PARTITIONS=.* is not a whole number"):
        Settings.from_env({"CORPACTIONS_PARTITIONS": raw})


@pytest.mark.parametrize("raw", ["nan", "inf", "1e3", "", "-"])
def test_durations_must_be_plain_numbers(raw: str) -> None:
    with pytest.raises(SettingsError, match=r"CORPACTIONS_TICK_INTERVAL_S=.* is not a number"):
        Settings.from_env({"CORPACTIONS_TICK_INTERVAL_S": raw})


@pytest.mark.parametrize("raw", ["", "my app", "app/1", "ünï"])
def test_the_app_id_must_be_a_non_empty_topic_legal_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="CORPACTIONS_APP_ID="):
        Settings.from_env({"CORPACTIONS_APP_ID": raw})


def test_a_topic_prefix_is_checked_too_and_may_be_empty() -> None:
    assert Settings.from_env({"CORPACTIONS_TOPIC_PREFIX": ""}).topics.prefix == ""
    with pytest.raises(SettingsError, match="CORPACTIONS_TOPIC_PREFIX="):
        Settings.from_env({"CORPACTIONS_TOPIC_PREFIX": "prod env."})
    with pytest.raises(SettingsError, match="longer than Kafka's 249"):
        Settings.from_env({"CORPACTIONS_TOPIC_PREFIX": "p" * 230})


def test_bootstrap_servers_are_host_port_pairs_and_empty_means_the_local_broker() -> None:
    assert Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": ""}).bootstrap_servers is None
    two = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "k1:9093, k2:9093"})
    assert two.bootstrap_servers == "k1:9093,k2:9093"
    for bad in ("kafka", "kafka:port", "kafka:0", "k1:9093,,k2:9093"):
        with pytest.raises(SettingsError, match="KAFKA_BOOTSTRAP_SERVERS="):
            Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": bad})


def test_files_named_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"KAFKA_SSL_CAFILE='/nonexistent/ca\.pem' is no file"):
        Settings.from_env(
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/nonexistent/ca.pem"}
        )
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    env = {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": str(ca)}
    assert Settings.from_env(env).security.ssl_cafile == str(ca)


def test_topic_settings_default_to_a_dlq_kept_until_deleted() -> None:
    s = Settings.from_env({})
    assert (s.create_topics, s.dlq_retention_ms, s.min_insync_replicas) == (True, -1, None)
    s = Settings.from_env(
        {
            "CORPACTIONS_REPLICATION_FACTOR": "3",
            "CORPACTIONS_MIN_INSYNC_REPLICAS": "2",
            "CORPACTIONS_DLQ_RETENTION_MS": "2592000000",
            "CORPACTIONS_CREATE_TOPICS": "false",
        }
    )
    assert (s.replication_factor, s.min_insync_replicas, s.dlq_retention_ms) == (3, 2, 2592000000)
    assert s.create_topics is False
    with pytest.raises(SettingsError, match="CORPACTIONS_MIN_INSYNC_REPLICAS=2 is more than"):
        Settings.from_env({"CORPACTIONS_MIN_INSYNC_REPLICAS": "2"})
    with pytest.raises(SettingsError, match="CORPACTIONS_DLQ_RETENTION_MS=0"):
        Settings.from_env({"CORPACTIONS_DLQ_RETENTION_MS": "0"})
    with pytest.raises(SettingsError, match="CORPACTIONS_DLQ_RETENTION_MS='-2' is out of range"):
        Settings.from_env({"CORPACTIONS_DLQ_RETENTION_MS": "-2"})


def test_files_and_folders_are_settings_too(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "CORPACTIONS_CLOCK_FILE": str(tmp_path / "now"),
            "CORPACTIONS_HOME": str(tmp_path),
        }
    )
    assert s.clock_file == tmp_path / "now"
    assert (s.project_home, s.cache) == (tmp_path, tmp_path / ".cache")
    assert Settings.from_env({"CORPACTIONS_CACHE": "/var/cache/x"}).cache == Path("/var/cache/x")


def test_replace_checks_the_values_as_the_environment_does() -> None:
    s = Settings.from_env({})
    assert s.replace(bootstrap_servers="k:9092").bootstrap_servers == "k:9092"
    assert s.replace(bootstrap_servers="k:9092").security == s.security
    with pytest.raises(ValidationError):
        s.replace(partitions=0)


def test_the_password_never_appears_in_an_error_or_a_repr() -> None:
    env = {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": "svc",
        "KAFKA_SASL_PASSWORD": "hunter2-secret",
        "KAFKA_SASL_MECHANISM": "KERBEROS",
    }
    with pytest.raises(SettingsError) as info:
        Settings.from_env(env)
    assert "hunter2" not in str(info.value)
    ok = Settings.from_env({**env, "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256"})
    assert "hunter2" not in repr(ok)
    assert "hunter2" not in str(ok)


# -- every variable is a field, and README's table is generated from the fields ----------

SERVICES = Path(__file__).resolve().parents[2] / "services" / "corpactions"
README = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = sorted(
        str(p.relative_to(SERVICES))
        for p in SERVICES.rglob("*.py")
        if p.name != "settings.py"
        and re.search(r"os\.environ\b(?!\s*,|\})|getenv\(|environ\.get", p.read_text())
    )
    assert readers == []


def test_every_variable_named_in_the_code_is_a_setting() -> None:
    known = {name for name, _ in variables()} | set(RETIRED)
    named = {
        m
        for p in SERVICES.rglob("*.py")
        for m in re.findall(r"\b((?:CORPACTIONS|KAFKA)_[A-Z][A-Z0-9_]*[A-Z0-9])\b", p.read_text())
    }
    # names that are not variables: prefixes written in prose, and Kafka's own constants
    # the variables of Kafka's own tools that are never taken for typos, and the typos
    # and broker-image names settings.py's comments give as examples of its rule
    not_variables = {"KAFKA_VERSION", "KAFKA_VERSIONS", "KAFKA_TOOL_VARIABLES"}
    not_variables |= KAFKA_TOOL_VARIABLES
    not_variables |= {
        "KAFKA_BOOTSTRAP_SERVER",
        "KAFKA_SECURITY_PROTOCAL",
        "KAFKA_SASL_USER",
        "KAFKA_SSL_CA",
        "KAFKA_SASL_ENABLED_MECHANISMS",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
        "KAFKA_LISTENERS",
    }
    assert sorted(named - known - not_variables) == []


def test_readme_table_is_the_generated_one() -> None:
    text = README.read_text()
    assert in_readme(text) == text, "run `make docs`"
    for name, _ in variables():
        assert f"| `{name}` |" in text


def test_the_drift_check_fails_on_an_edited_table(tmp_path: Path) -> None:
    edited = tmp_path / "configuration.md"
    edited.write_text(README.read_text().replace("| `CORPACTIONS_PARTITIONS` | 6 |", "| x | 6 |"))
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.settings", "--check", str(edited)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "make docs" in done.stderr


def test_readme_lists_every_topic_with_its_cleanup_policy_and_retention() -> None:
    from corpactions.stream.topics import notifier_topic_specs, topic_specs

    text = OPERATIONS.read_text()
    table = text[text.index("| topic | partitions | key | cleanup.policy | retention.ms |") :]
    rows = {
        line.split("|")[1].strip().split("`")[1]: [c.strip() for c in line.split("|")[2:-1]]
        for line in table.split("\n\n")[0].splitlines()[2:]
    }
    settings = Settings.from_env({"CORPACTIONS_APP_ID": "APP"})
    specs = [*topic_specs(settings), notifier_topic_specs(settings)[-1]]  # + its changelog
    names = [s.name.replace("APP", "<app id>") for s in specs]
    assert sorted(rows) == sorted(names)
    for name, spec in zip(names, specs, strict=True):
        partitions, _key, policy, retention = rows[name]
        assert policy == spec.cleanup_policy
        if "retention.ms" in spec.configs:
            assert retention.startswith("`CORPACTIONS_DLQ_RETENTION_MS`: -1, kept until deleted")
        assert ("=" in partitions) == (spec.partitions is not None)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("CORPACTIONS_PARTITON", "CORPACTIONS_PARTITIONS"),
        ("CORPACTIONS_WEB_ENABLE", "CORPACTIONS_WEB_ENABLED"),
        ("CORPACTIONS_CREATE_TOPIC", "CORPACTIONS_CREATE_TOPICS"),
    ],
)
def test_a_misspelt_variable_is_refused_with_the_name_it_resembles(typo: str, meant: str) -> None:
    with pytest.raises(SettingsError, match=f"^{typo} is not a setting: did you mean {meant}\\?$"):
        Settings.from_env({typo: "6"})


def test_kubernetes_service_links_and_unrelated_names_are_left_alone() -> None:
    Settings.from_env(
        {
            "CORPACTIONS_SERVICE_HOST": "10.0.0.1",
            "CORPACTIONS_SERVICE_PORT": "6066",
            "CORPACTIONS_SERVICE_PORT_HTTP": "6066",
            "CORPACTIONS_PORT": "tcp://10.0.0.1:6066",
            "CORPACTIONS_PORT_6066_TCP_ADDR": "10.0.0.1",
            "CORPACTIONS_SOMETHING_ELSE": "x",
        }
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, True), ("false", False), ("OFF", False), ("0", False), ("yes", True)],
)
def test_iso20022_notifications_switch(raw: str | None, expected: bool) -> None:
    env = {} if raw is None else {"CORPACTIONS_ISO20022_NOTIFICATIONS": raw}
    assert Settings.from_env(env).iso20022_notifications is expected


def test_a_mistyped_switch_is_refused_not_read_as_off() -> None:
    with pytest.raises(SettingsError, match="CORPACTIONS_ISO20022_NOTIFICATIONS"):
        Settings.from_env({"CORPACTIONS_ISO20022_NOTIFICATIONS": "flase"})


def test_keyword_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORPACTIONS_PARTITIONS", "3")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    assert Settings().partitions == 3
    assert Settings().security.protocol == "SSL"  # the nested model reads its own variables
    assert Settings(partitions=5).partitions == 5
    assert Settings(CORPACTIONS_PARTITIONS="7").partitions == 7  # by variable name too


# -- a misspelt or incomplete security setting never downgrades the connection -------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        # each KAFKA_* variable the service reads, misspelt as people do
        ("KAFKA_BOOTSTRAP_SERVER", "KAFKA_BOOTSTRAP_SERVERS"),
        ("KAFKA_SECURITY_PROTOCAL", "KAFKA_SECURITY_PROTOCOL"),
        ("KAFKA_SASL_MECHANISMS", "KAFKA_SASL_MECHANISM"),
        ("KAFKA_SASL_USER", "KAFKA_SASL_USERNAME"),
        ("KAFKA_SASL_PASS", "KAFKA_SASL_PASSWORD"),
        ("KAFKA_SSL_CA_FILE", "KAFKA_SSL_CAFILE"),
        ("KAFKA_SSL_CERT", "KAFKA_SSL_CERTFILE"),
        ("KAFKA_SSL_KEY_FILE", "KAFKA_SSL_KEYFILE"),
        # the right name in the wrong case is not read either (the environment is
        # case-sensitive)
        ("kafka_security_protocol", "KAFKA_SECURITY_PROTOCOL"),
        ("Corpactions_Partitions", "CORPACTIONS_PARTITIONS"),
        ("CORPACTIONS_TOPIC_PREFX", "CORPACTIONS_TOPIC_PREFIX"),
    ],
)
def test_a_misspelt_kafka_variable_is_refused_with_the_name_it_resembles(
    typo: str, meant: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{typo} is not a setting: did you mean {meant}\\?$"):
        Settings.from_env({typo: "SASL_SSL"})


def test_kafka_variables_of_kafkas_own_tools_and_images_are_left_alone() -> None:
    s = Settings.from_env(
        {
            # kafka-run-class.sh and the JVM
            "KAFKA_HEAP_OPTS": "-Xmx1g",
            "KAFKA_OPTS": "-Djava.security.auth.login.config=/etc/jaas.conf",
            "KAFKA_JMX_OPTS": "-Dcom.sun.management.jmxremote",
            "KAFKA_LOG4J_OPTS": "-Dlog4j2.configurationFile=x",
            "KAFKA_JVM_PERFORMANCE_OPTS": "-XX:+UseG1GC",
            "KAFKA_GC_LOG_OPTS": "",
            "KAFKA_DEBUG": "y",
            # broker images' settings, however near a name the service reads
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT",
            "KAFKA_SASL_ENABLED_MECHANISMS": "SCRAM-SHA-512",
            "KAFKA_SECURITY_INTER_BROKER_PROTOCOL": "SSL",
            "KAFKA_NODE_ID": "1",
            "KAFKA_CLUSTER_ID": "abc",
            "KAFKA_VERSION": "4.1.1",
        }
    )
    assert s.security.protocol == "PLAINTEXT"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"KAFKA_SASL_USERNAME": "svc", "KAFKA_SASL_PASSWORD": "pw"},
            "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD are set but KAFKA_SECURITY_PROTOCOL "
            "is PLAINTEXT, which does not use them",
        ),
        (
            {"KAFKA_SASL_MECHANISM": "SCRAM-SHA-256"},
            "KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SASL_USERNAME": "svc"},
            "KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL is SSL",
        ),
        (
            {"KAFKA_SSL_CAFILE": __file__},
            "KAFKA_SSL_CAFILE is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {
                "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                "KAFKA_SASL_USERNAME": "svc",
                "KAFKA_SASL_PASSWORD": "pw",
                "KAFKA_SSL_CERTFILE": __file__,
            },
            "KAFKA_SSL_CERTFILE is set but KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT",
        ),
        # and the other way round: a protocol without its credentials
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "svc"},
            "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs KAFKA_SASL_USERNAME and "
            "KAFKA_SASL_PASSWORD",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_KEYFILE": __file__},
            "KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE",
        ),
    ],
)
def test_credentials_and_protocol_must_go_together(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env)
    assert says in str(err.value)
    assert "\n" not in str(err.value)
    assert "pw" not in str(err.value).replace("KAFKA_SASL_PASSWORD", "")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"KAFKA_SECURITY_PROTOCOL": "SSL"},  # the system's CAs, no client certificate
        {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": __file__},
        {
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_USERNAME": "svc",
            "KAFKA_SASL_PASSWORD": "pw",
            "KAFKA_SSL_CAFILE": __file__,
        },
        # blank values (a ConfigMap key left empty) are unset ones
        {"KAFKA_SASL_USERNAME": "", "KAFKA_SASL_PASSWORD": "", "KAFKA_SSL_CAFILE": ""},
    ],
)
def test_consistent_security_settings_are_accepted(env: dict[str, str]) -> None:
    Settings.from_env(env)
