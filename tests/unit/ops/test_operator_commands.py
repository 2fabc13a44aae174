"""`corpactions lag` and `corpactions dlq` as scripts see them, without a broker: exit
codes, one-line errors, the connection flags, the DLQ choice."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpactions.cli import build_parser
from corpactions.commands.dlq import Choice, _Usage, choice
from corpactions.commands.lag import exit_code, sample_object, summary_line
from corpactions.ops.burrow import Status
from corpactions.ops.dlq import Range, Selection, parse_when
from corpactions.ops.kafka_config import ConfigError, read_properties, resolve
from corpactions.ops.lag import JSON_FIELDS, GroupLag, LagReport, PartitionLag
from corpactions.settings import Settings

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _p(status: Status, lag: int = 0) -> PartitionLag:
    return PartitionLag("g", "t", 0, 10, 10 + lag, lag, 0.0, status, 1.0, 1.0, 10)


def _report(*groups: GroupLag) -> LagReport:
    return LagReport(taken_at=NOW.timestamp(), groups=groups, end_offsets={})


OK_GROUP = GroupLag("ok", Status.OK, 1.0, (_p(Status.OK),))
WARN_GROUP = GroupLag("slow", Status.WARN, 1.0, (_p(Status.WARN, 5),))
ERR_GROUP = GroupLag("stuck", Status.ERR, 1.0, (_p(Status.STALL, 7),))
MISSING = GroupLag("TYPO", Status.NOTFOUND, 0.0, ())


@pytest.mark.parametrize(
    ("groups", "asked", "code"),
    [
        ((OK_GROUP,), ["ok"], 0),
        ((OK_GROUP, WARN_GROUP), ["ok", "slow"], 1),
        ((WARN_GROUP, ERR_GROUP), None, 2),
        ((OK_GROUP, MISSING), ["ok", "TYPO"], 2),  # a group asked for and not found
        ((OK_GROUP, MISSING), None, 0),  # every group listed: one without offsets is shown
    ],
)
def test_lag_exit_code_follows_the_monitoring_plugin_convention(
    groups: tuple[GroupLag, ...], asked: list[str] | None, code: int
) -> None:
    assert exit_code(_report(*groups), asked) == code


def test_a_notfound_group_has_a_json_row_with_its_status() -> None:
    rows = _report(OK_GROUP, MISSING).rows()
    assert [tuple(r) for r in rows] == [JSON_FIELDS] * 2
    assert rows[1] == {
        "group": "TYPO", "topic": None, "partition": None, "committed_offset": None,
        "end_offset": None, "lag": None, "lag_seconds": None,
        "status": "NOTFOUND", "group_status": "NOTFOUND",
        "consumer_id": None, "host": None, "client_id": None,
    }  # fmt: skip


def test_partitions_held_without_a_commit_are_rows_as_kafkas_tool_shows_them() -> None:
    """`kafka-consumer-groups --describe` prints every partition a member holds, with
    CURRENT-OFFSET and LAG "-" where the group never committed, and the member's
    CONSUMER-ID, HOST and CLIENT-ID; a committed partition no member holds has "-" there."""
    from corpactions.commands.lag import render_table
    from corpactions.ops.lag import AssignedPartition, Member

    m1 = Member("c-1-uuid", "/127.0.0.1", "corpactions-w1")
    m2 = Member("c-2-uuid", "/10.0.0.2", "corpactions-w2")
    committed = PartitionLag("g", "t", 2, 10, 12, 2, 0.5, Status.OK, 1.0, 1.0, 10, member=m1)
    orphan = PartitionLag("g", "t", 4, 3, 3, 0, 0.0, Status.OK, 1.0, 1.0, 10)
    held = (AssignedPartition("t", 0, 0, m1), AssignedPartition("t", 5, 7, m2))
    report = _report(GroupLag("g", Status.OK, 1.0, (committed, orphan), held))
    rows = report.rows()
    assert [r["partition"] for r in rows] == [0, 2, 4, 5]
    assert all(tuple(r) == JSON_FIELDS for r in rows)
    assert rows[0] == {
        "group": "g", "topic": "t", "partition": 0, "committed_offset": None,
        "end_offset": 0, "lag": None, "lag_seconds": None, "status": None,
        "group_status": "OK", "consumer_id": "c-1-uuid", "host": "/127.0.0.1",
        "client_id": "corpactions-w1",
    }  # fmt: skip
    assert (rows[1]["consumer_id"], rows[1]["lag"]) == ("c-1-uuid", 2)
    assert (rows[2]["consumer_id"], rows[2]["host"], rows[2]["client_id"]) == (None,) * 3
    assert rows[3]["client_id"] == "corpactions-w2"

    from rich.console import Console

    console = Console(width=250, record=True)
    console.print(render_table(report))
    lines = [ln for ln in console.export_text().splitlines() if " t " in ln]
    assert len(lines) == 4
    assert "c-2-uuid" in lines[3]
    assert "/10.0.0.2" in lines[3]
    assert lines[0].split("│")[5].strip() == "-"  # committed: none


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["lag", "--timeout", "5.5"], "milliseconds"),
        (["lag", "--timeout", "-1"], "milliseconds"),
        (["lag", "--all-groups", "--group", "g"], "exclude each other"),
    ],
)
def test_lag_timeout_is_milliseconds_and_all_groups_excludes_group(
    args: list[str], says: str
) -> None:
    done = corpactions(*args, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert done.returncode == 3, done.stderr
    assert says in done.stderr


def test_lag_timeout_in_milliseconds_is_kept_as_such() -> None:
    """--timeout 1500 gives up after 1.5 s (read as seconds: 25 minutes), against a
    listener that takes the connection and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        server = f"127.0.0.1:{silent.getsockname()[1]}"
        t0 = time.monotonic()
        done = corpactions("lag", "--bootstrap-server", server, "--timeout", "1500")
        took = time.monotonic() - t0
    assert done.returncode == 3, done.stderr
    assert "UNKNOWN" in done.stderr
    assert took < 30, f"took {took:.0f}s"


def test_a_watched_sample_is_one_line_or_one_json_object() -> None:
    report = _report(ERR_GROUP, MISSING)
    line = summary_line(report, 2)
    assert "\n" not in line
    assert line.startswith("2025-03-01T12:00:00Z CRITICAL: stuck ERR lag=7")
    assert "TYPO NOTFOUND" in line
    obj = sample_object(report, 2)
    assert obj["status"] == "CRITICAL"
    assert obj["exit_code"] == 2
    assert [r["group"] for r in obj["rows"]] == ["stuck", "TYPO"]


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


@pytest.mark.parametrize(
    "args",
    [
        ["lag", "--bogus"],
        ["lag", "--watch", "soon"],
        ["lag", "--timeout", "0"],
        ["lag", "--bootstrap-server", "no-port"],
        ["lag", "--command-config", "/nonexistent/client.properties"],
    ],
)
def test_lag_bad_arguments_are_one_line_and_unknown(args: list[str]) -> None:
    done = corpactions(*args, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_lag_with_kafka_unreachable_is_one_line_unknown_without_warnings() -> None:
    done = corpactions("lag", "--json", "--bootstrap-server", "127.0.0.1:1", "--timeout", "10000")
    assert done.returncode == 3
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("corpactions lag: UNKNOWN: cannot reach Kafka at 127.0.0.1:1")
    assert "Unclosed" not in done.stderr


def test_lag_bootstrap_flag_overrides_the_environment() -> None:
    done = corpactions(
        "lag", "--bootstrap-server", "127.0.0.1:1", "--timeout", "10000",
        KAFKA_BOOTSTRAP_SERVERS="kafka.invalid:9092",
    )  # fmt: skip
    assert done.returncode == 3
    assert "127.0.0.1:1" in done.stderr
    assert "kafka.invalid" not in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["replay", "--reason", "wrng_key"], "'wrng_key' is not a reason code: use "),
        (["replay"], "name the --reason(s) to replay, or --all"),
        (["replay", "--all", "--since", "yesterday"], "--since: 'yesterday' is neither"),
        (["replay", "--all", "--since", "10", "--until", "5"], "nothing is in range"),
        (["replay", "--all", "--limit", "-1"], "argument --limit"),
        (["list", "--limit", "3"], "--limit, --rekey and --dry-run are for replay"),
    ],
)
def test_dlq_bad_arguments_are_one_line_exit_2(args: list[str], says: str) -> None:
    done = corpactions("dlq", *args, KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert says in line


def test_dlq_with_kafka_unreachable_is_one_line_exit_3() -> None:
    done = corpactions("dlq", "replay", "--all", "--bootstrap-server", "127.0.0.1:1")
    assert done.returncode == 3
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("corpactions dlq: cannot use Kafka at 127.0.0.1:1")
    assert "Unclosed" not in done.stderr


def _dlq_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["dlq", *argv])


def test_dlq_bounds_are_times_durations_or_offsets() -> None:
    assert parse_when("120", NOW) == 120
    assert parse_when("90m", NOW) == NOW - dt.timedelta(minutes=90)
    assert parse_when("2d", NOW) == NOW - dt.timedelta(days=2)
    assert parse_when("2025-02-28", NOW) == dt.datetime(2025, 2, 28, tzinfo=dt.UTC)
    assert parse_when("2025-02-28T09:00+09:00", NOW) == dt.datetime(2025, 2, 28, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="neither an offset"):
        parse_when("last week", NOW)


def test_dlq_choice_splits_offsets_into_the_range_and_times_into_the_selection() -> None:
    c = choice(_dlq_args("replay", "--reason", "wrong_key", "--since", "5", "--until", "1h",
                         "--limit", "3", "--partition", "2"), NOW)  # fmt: skip
    assert c == Choice(
        Range(partition=2, from_offset=5, to_offset=None),
        Selection(frozenset({"wrong_key"}), None, NOW - dt.timedelta(hours=1)),
        3,
    )
    with pytest.raises(_Usage):
        choice(_dlq_args("replay", "--all", "--since", "1h", "--until", "2h"), NOW)


def test_a_selection_takes_letters_by_reason_and_time() -> None:
    from corpactions.contracts.events import DeadLetter, DeadLetterCode, DeadLetterReason
    from corpactions.ops.dlq import StoredLetter

    def letter(code: DeadLetterCode, at: dt.datetime) -> StoredLetter:
        dl = DeadLetter(
            id="x", reason=DeadLetterReason(code=code, message="m"), source_topic="in",
            source_partition=0, source_offset=1, payload_base64="", rejected_at=at,
        )  # fmt: skip
        return StoredLetter(0, 0, dl)

    sel = Selection(frozenset({"wrong_key"}), NOW - dt.timedelta(hours=1), NOW)
    assert sel.matches(letter(DeadLetterCode.WRONG_KEY, NOW - dt.timedelta(minutes=5)))
    assert not sel.matches(letter(DeadLetterCode.UNDECODABLE, NOW - dt.timedelta(minutes=5)))
    assert not sel.matches(letter(DeadLetterCode.WRONG_KEY, NOW - dt.timedelta(hours=2)))
    assert not sel.matches(letter(DeadLetterCode.WRONG_KEY, NOW))  # until is exclusive


def test_properties_files_read_as_java_reads_them() -> None:
    text = (
        "# a comment\n! another\nsecurity.protocol = SASL_SSL\nsasl.mechanism:SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        '    username="ops" password="s3cr=t";\nempty.value=\n'
    )
    assert read_properties(text) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="ops" password="s3cr=t";',
        "empty.value": "",
    }


def test_escaped_properties_read_as_java_reads_them() -> None:
    """The escapes of java.util.Properties.load, worked by hand from its documentation:
    `\\=` and `\\:` are the characters themselves, `\\ ` a space (also in a key), `\\\\`
    one backslash (so a line ending in `\\\\` does not continue), `\\t` a tab,
    `\\u00e9` é; a continued line's leading white space is dropped."""
    text = (
        "ssl.key.password=s3\\=cr\\:et\\u00e9\n"
        "key\\ with\\ space=v\n"
        "path=C:\\\\certs\\\\\n"
        "next=1\n"
        "tab=a\\tb\n"
        "joined=one\\\n"
        "    two\n"
    )
    assert read_properties(text) == {
        "ssl.key.password": "s3=cr:et\u00e9",
        "key with space": "v",
        "path": "C:\\certs\\",
        "next": "1",
        "tab": "a\tb",
        "joined": "onetwo",
    }


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "client.properties"
    path.write_text(text)
    return path


def test_command_config_overrides_the_environment(tmp_path: Path) -> None:
    env = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "env:9092"})
    cfg = _write(
        tmp_path,
        "bootstrap.servers=file:9092\nsecurity.protocol=SASL_PLAINTEXT\n"
        "sasl.mechanism=SCRAM-SHA-256\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="ops" password="pw";\nclient.id=x\nlinger.ms=5\n',
    )
    conn = resolve(env, None, cfg)
    assert conn.bootstrap_servers == "file:9092"
    assert conn.client_options == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "ops",
        "sasl_plain_password": "pw",
    }
    assert conn.warnings == (f"{cfg}: ignored (not used by this command): linger.ms",)
    assert resolve(env, "flag:9092", cfg).bootstrap_servers == "flag:9092"
    assert resolve(env).bootstrap_servers == "env:9092"


def test_pem_truststore_and_hostname_check(tmp_path: Path) -> None:
    ca = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    if not ca.exists():
        pytest.skip("no system CA bundle to stand in for a PEM truststore")
    env = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "b:9093"})
    cfg = _write(
        tmp_path,
        f"security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={ca}\n"
        "ssl.endpoint.identification.algorithm=\n",
    )
    opts = resolve(env, None, cfg).client_options
    assert opts["security_protocol"] == "SSL"
    assert isinstance(opts["ssl_context"], ssl.SSLContext)
    assert opts["ssl_context"].check_hostname is False


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("security.protocol=SSL\nssl.truststore.location=/x.jks\nssl.truststore.type=JKS\n",
         "only PEM stores"),
        ("security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n", "sasl.mechanism='GSSAPI'"),
        ("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n", "needs a user and password"),
        ("security.protocol=TLS\n", "use one of PLAINTEXT"),
        ("request.timeout.ms=soon\n", "not a whole number"),
    ],
)  # fmt: skip
def test_unusable_properties_are_named(tmp_path: Path, text: str, says: str) -> None:
    env = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "b:9092"})
    with pytest.raises(ConfigError, match=says.replace("(", r"\(")):
        resolve(env, None, _write(tmp_path, text))
