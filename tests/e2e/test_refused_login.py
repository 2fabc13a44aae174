"""A refused login, against a real SCRAM listener: one line naming the user and the
broker (never the password), and the command's exit status; nothing retried for
CORPACTIONS_STARTUP_TIMEOUT_S, since waiting does not mend a password.

The broker here has a SASL_PLAINTEXT listener with SCRAM-SHA-512 and no user at all, so
every login is refused as a wrong password is (the broker answers both alike).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from corpactions.broker.local import KafkaDistribution, LocalKafka, free_port

pytestmark = pytest.mark.kafka

PASSWORD = "s3cret-never-printed"  # noqa: S105 (a test password, proven never printed)


@pytest.fixture(scope="module")
def scram_listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, controller, sasl = free_port(), free_port(), free_port()
    broker = LocalKafka(
        KafkaDistribution.ensure(),
        tmp_path_factory.mktemp("kafka-scram"),
        port=port,
        controller_port=controller,
        heap="512m",
        overrides={
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller},"
                f"SASL://127.0.0.1:{sasl}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},SASL://127.0.0.1:{sasl}",
            "listener.security.protocol.map": (
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT"
            ),
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
        },
    )
    broker.start()
    try:
        yield f"127.0.0.1:{sasl}"
    finally:
        broker.stop()


def corpactions(bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "CORPACTIONS_"))}
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", *args],
        env={
            **clean,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "corpactions",
            "KAFKA_SASL_PASSWORD": PASSWORD,
            "CORPACTIONS_STARTUP_TIMEOUT_S": "120",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["worker", "demo"])
def test_a_refused_login_stops_at_once_in_one_line_exit_2(
    scram_listener: str, command: str
) -> None:
    t0 = time.monotonic()
    done = corpactions(scram_listener, command)
    assert done.returncode == 2, done.stderr[-3000:]
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        f"corpactions {command}: the broker at {scram_listener} refused the SCRAM-SHA-512 "
        "login of KAFKA_SASL_USERNAME=corpactions: wrong password, unknown user or mechanism "
        "not enabled (SaslAuthenticationFailed)"
    )
    assert PASSWORD not in done.stderr + done.stdout
    assert time.monotonic() - t0 < 60  # not retried for the 120 s start-up timeout


@pytest.mark.parametrize(("command", "code"), [(("dlq", "list"), 3), (("lag",), 3)])
def test_the_operator_commands_answer_a_refused_login_in_one_line(
    scram_listener: str, command: tuple[str, ...], code: int
) -> None:
    done = corpactions(
        scram_listener, *command, *(["--timeout", "20000"] if command == ("lag",) else [])
    )
    assert done.returncode == code, done.stderr[-3000:]
    [line] = done.stderr.strip().splitlines()
    assert (
        f"the broker at {scram_listener} refused the SCRAM-SHA-512 login of "
        "KAFKA_SASL_USERNAME=corpactions" in line
    )
    assert PASSWORD not in done.stderr + done.stdout
