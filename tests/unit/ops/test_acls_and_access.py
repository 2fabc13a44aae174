"""The service's ACL list (README's table), and the one-line messages for a cluster that
refuses the service: a missing ACL named, an expired client certificate caught early."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
)

from corpactions.broker.local import BrokerError, BrokerSecurity, KafkaDistribution, LocalKafka
from corpactions.contracts.topics import Topics
from corpactions.ops.access import KafkaAccessError, check_certificates, denial, first_denial
from corpactions.ops.acls import dlq_acls, kafka_acls_commands, markdown_table, worker_acls
from corpactions.settings import KafkaSecurity, SettingsError

ROOT = Path(__file__).resolve().parents[3]
ACLS = worker_acls(Topics(), "corpactions")


def test_readme_lists_exactly_the_acls_the_code_grants() -> None:
    readme = (ROOT / "docs" / "security.md").read_text()
    assert markdown_table(ACLS) in readme
    assert markdown_table(dlq_acls(Topics())) in readme


def test_acls_follow_the_prefix_and_app_id_and_grant_no_describe_twice() -> None:
    acls = worker_acls(Topics(prefix="prod."), "ca-eu")
    names = {a.name for a in acls if a.resource == "Topic"} - {"__consumer_offsets"}
    assert all(n.startswith("prod.") for n in names)
    assert {(a.resource, a.name, a.prefixed) for a in acls if a.resource != "Topic"} == {
        ("Group", "ca-eu", False),
        ("Group", "ca-eu-notifier", False),  # the notifier agent's
        ("TransactionalId", "ca-eu-", True),
    }
    assert not [a for a in acls if a.operation in {"Describe", "All"}]
    required = [a for a in acls if not a.optional]
    assert {a.operation for a in required} == {"Read", "Write"}


def test_kafka_acls_commands_use_the_tools_flags() -> None:
    out = kafka_acls_commands(ACLS, "User:corpactions").splitlines()
    assert len(out) == len(ACLS)
    assert (
        "--allow-principal User:corpactions --operation Write --transactional-id corpactions- "
        "--resource-pattern-type prefixed"
    ) in "\n".join(out)


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            GroupAuthorizationFailedError("corpactions"),
            "Kafka denied access to Group corpactions (GroupAuthorizationFailedError): the "
            "principal needs Read on Group corpactions (see docs/security.md)",
        ),
        (
            TransactionalIdAuthorizationFailed("corpactions-corporate-actions.x-3"),
            "needs Write on TransactionalId corpactions-* (prefixed)",
        ),
        (
            TopicAuthorizationFailedError({"corporate-actions.dividend-schedules.v1"}),
            "needs Write, Read on Topic corporate-actions.dividend-schedules.v1 ",
        ),
        (
            TopicAuthorizationFailedError("corpactions.state-changelog.v2"),
            "needs Read, Write on Topic corpactions.state-changelog.v2 ",
        ),
    ],
)
def test_a_denial_names_the_resource_and_the_acl_it_lacks(exc: Exception, line: str) -> None:
    assert line in (denial(exc, ACLS) or "")


def test_other_errors_are_not_denials_and_a_chained_one_is_found() -> None:
    assert denial(KafkaConnectionError("down"), ACLS) is None
    inner = GroupAuthorizationFailedError("g")
    outer = RuntimeError("wrapped")
    outer.__cause__ = inner
    assert first_denial(outer) is inner


def _cert(tmp_path: Path, days: int) -> str:
    key, cert = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days), "-subj", "/CN=x"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert)


def test_an_expired_client_certificate_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    sec = KafkaSecurity(protocol="SSL", ssl_certfile=_cert(tmp_path, 1))
    check_certificates(sec)  # valid today
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    with pytest.raises(KafkaAccessError, match=r"^KAFKA_SSL_CERTFILE=.*expired on .*; renew it$"):
        check_certificates(sec, now=later)
    assert issubclass(KafkaAccessError, SettingsError)  # cli.py: one line, exit 2


def test_secured_broker_properties_and_scram_bootstrap(tmp_path: Path) -> None:
    sec = BrokerSecurity(
        tmp_path / "k.p12", tmp_path / "t.p12", "storepw", {"admin": "pw-1", "svc": "pw-2"}
    )
    broker = LocalKafka(
        KafkaDistribution(tmp_path), tmp_path, port=1, controller_port=2, security=sec
    )
    broker.secure_ports = {"SASL_SSL": 3, "SSL": 4}
    props = broker.properties()
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["super.users"] == "User:admin;User:broker"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["inter.broker.listener.name"] == "SSL"
    assert props["listener.security.protocol.map"].startswith("CONTROLLER:SSL,")
    assert "storepw" not in repr(sec)
    assert "pw-1" not in repr(sec)
    assert sec.scram_arguments() == [
        "--add-scram", "SCRAM-SHA-512=[name=admin,password=pw-1]",
        "--add-scram", "SCRAM-SHA-512=[name=svc,password=pw-2]",
    ]  # fmt: skip
    assert broker.bootstrap_for("SASL_SSL") == "127.0.0.1:3"
    with pytest.raises(BrokerError):
        BrokerSecurity(tmp_path, tmp_path, "x", {"a": "p,w]"}).scram_arguments()
