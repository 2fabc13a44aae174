"""`corpactions worker|demo|dlq` and `lag`: a bad setting, no broker or a refused login is
one line on stderr with the command's exit status, never a traceback."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys

import pytest
from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed

from corpactions.settings import Settings
from corpactions.stream import startup


def corpactions(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "CORPACTIONS_"))}
    return subprocess.run(
        [sys.executable, "-m", "corpactions.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


BAD = [
    ({"CORPACTIONS_PARTITIONS": "6.7"}, "CORPACTIONS_PARTITIONS='6.7' is not a whole number"),
    ({"CORPACTIONS_WEB_ENABLED": "nope"}, "CORPACTIONS_WEB_ENABLED='nope' is not a boolean"),
    ({"CORPACTIONS_APP_ID": ""}, "CORPACTIONS_APP_ID='' is empty"),
    ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
    (
        {"KAFKA_SECURITY_PROTOCAL": "SASL_SSL"},
        "KAFKA_SECURITY_PROTOCAL is not a setting: did you mean KAFKA_SECURITY_PROTOCOL?",
    ),
    (
        {"KAFKA_SASL_USERNAME": "svc", "KAFKA_SASL_PASSWORD": "pw"},
        "are set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
    ),
]
# a typo of a KAFKA_* variable through every command too
TYPO = BAD[4]


# every bad setting through the worker, and one through each other command
CASES = [("worker", 2, env, says) for env, says in BAD] + [
    (command, code, *bad)
    for command, code in (("demo", 2), ("dlq", 2), ("lag", 3))
    for bad in (BAD[0], TYPO)
]


@pytest.mark.parametrize(
    ("command", "code", "env", "says"), CASES, ids=[f"{c[0]}-{next(iter(c[2]))}" for c in CASES]
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    command: str, code: int, env: dict[str, str], says: str
) -> None:
    args = [command, "list"] if command == "dlq" else [command]
    done = corpactions(*args, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", **env)
    assert done.returncode == code, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"corpactions {command}: ")
    assert says in line


@pytest.mark.parametrize("command", ["worker", "demo"])
def test_an_unreachable_broker_is_one_line_naming_it_and_exit_2(command: str) -> None:
    done = corpactions(
        command, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", CORPACTIONS_STARTUP_TIMEOUT_S="2"
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        f"corpactions {command}: cannot reach Kafka at 127.0.0.1:1 within 2s "
        "(CORPACTIONS_STARTUP_TIMEOUT_S): 127.0.0.1:1: ConnectionRefusedError"
    )


def test_a_worker_with_no_broker_named_and_none_running_says_so_and_exits_2(
    tmp_path: os.PathLike[str],
) -> None:
    done = corpactions("worker", CORPACTIONS_CACHE=str(tmp_path))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "no Kafka: set KAFKA_BOOTSTRAP_SERVERS" in line


SASL = {
    "KAFKA_BOOTSTRAP_SERVERS": "k1:9093,k2:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
    "KAFKA_SASL_USERNAME": "corpactions",
    "KAFKA_SASL_PASSWORD": "not-this-one",
}


async def test_a_refused_login_stops_at_once_naming_the_user_not_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []

    async def refuse(host: str, port: int, timeout_s: float, **options: object) -> None:
        calls.append(host)
        raise SaslAuthenticationFailed("Authentication failed during authentication")

    monkeypatch.setattr(startup, "open_and_close", refuse)
    settings = Settings.from_env(SASL)
    assert settings.bootstrap_servers
    why = await startup.diagnose(
        settings.bootstrap_servers, settings.security.client_options(), 1.0
    )
    assert isinstance(why, startup.CannotStart)
    assert str(why).startswith(
        "the broker at k1:9093 refused the SCRAM-SHA-512 login of "
        "KAFKA_SASL_USERNAME=corpactions: wrong password"
    )
    assert "not-this-one" not in str(why)
    assert calls == ["k1"]  # not retried on the next broker: the same login everywhere


async def test_an_untrusted_certificate_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    async def untrusted(host: str, port: int, timeout_s: float, **options: object) -> None:
        error = ssl.SSLCertVerificationError(1, "certificate verify failed")
        error.verify_message = "self-signed certificate in certificate chain"
        raise error

    monkeypatch.setattr(startup, "open_and_close", untrusted)
    why = await startup.diagnose("k1:9093", {"security_protocol": "SSL"}, 1.0)
    assert isinstance(why, startup.CannotStart)
    assert "TLS with Kafka at k1:9093 failed: self-signed certificate" in str(why)


async def test_a_broker_not_answering_is_a_reason_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(host: str, port: int, timeout_s: float, **options: object) -> None:
        raise KafkaConnectionError(f"Connection at {host}:{port} closed")

    monkeypatch.setattr(startup, "open_and_close", down)
    why = await startup.diagnose("k1:1,k2:2", {"security_protocol": "PLAINTEXT"}, 1.0)
    assert why == (
        "k1:1: KafkaConnectionError: Connection at k1:1 closed; "
        "k2:2: KafkaConnectionError: Connection at k2:2 closed"
    )
