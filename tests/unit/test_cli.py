"""The `corpactions` command's wiring: one module per command, the bootstrap rule, laziness."""

from __future__ import annotations

import argparse
import gc
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpactions.broker import daemon
from corpactions.broker.daemon import DaemonState
from corpactions.broker.local import BrokerError
from corpactions.cli import build_parser, main
from corpactions.commands import bootstrap_servers
from corpactions.settings import Settings

from .resolutions import EXAMPLE


def _subcommands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_every_command_is_the_run_function_of_its_own_module() -> None:
    names = _subcommands()
    assert names == ["broker", "demo", "dlq", "extract", "lag", "notifier", "schedule", "worker"]
    for name in names:
        module = importlib.import_module(f"corpactions.commands.{name}")
        assert callable(module.run), name


def test_schedule_loads_neither_aiokafka_nor_faust() -> None:
    code = (
        "import sys\n"
        "from corpactions.cli import main\n"
        f"assert main(['schedule', {str(EXAMPLE)!r}]) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'aiokafka', 'faust'})\n"
        "print(heavy, file=sys.stderr)\n"
        "sys.exit(1 if heavy else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("argv", [["--help"], ["schedule", "--help"], ["schedul", "x.json"]])
def test_help_and_usage_errors_import_no_contract_nor_settings(argv: list[str]) -> None:
    """cli.py imports only the standard library and errors.py: a usage error or --help
    costs no pydantic (a command's own modules load when it runs)."""
    code = (
        "import sys\n"
        "from corpactions.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic' or m in "
        "{'corpactions.settings', 'corpactions.domain', 'corpactions.broker'})\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines()[-1] == f"{2 if argv[0] == 'schedul' else 0} []"


def test_commands_run_with_the_garbage_collector_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() pauses collection only while it imports the command (start-up makes no
    garbage): what the command then runs, the worker for hours, collects as usual."""
    seen: list[bool] = []
    monkeypatch.setattr(
        importlib.import_module("corpactions.commands.broker"),
        "run",
        lambda args: seen.append(gc.isenabled()) or 0,
    )
    assert main(["broker", "status"]) == 0
    assert seen == [True]
    assert gc.isenabled()
    capsys.readouterr()


def test_bootstrap_is_the_environments_brokers_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_local() -> str:
        raise AssertionError("the local broker must not be asked for")

    monkeypatch.setattr(daemon, "running", no_local)
    settings = Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092"})
    assert bootstrap_servers(settings) == "kafka-1:9092,kafka-2:9092"
    assert bootstrap_servers(settings, local=no_local) == "kafka-1:9092,kafka-2:9092"


def test_bootstrap_is_the_running_local_broker_when_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(daemon, "running", lambda: DaemonState(1, 39092, 39093, 0.0))
    assert bootstrap_servers(Settings.from_env({})) == "127.0.0.1:39092"
    assert bootstrap_servers(Settings.from_env({}), local=lambda: "here:1") == "here:1"


def test_no_bootstrap_and_no_local_broker_is_a_broker_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(daemon, "running", lambda: None)
    with pytest.raises(BrokerError, match="corpactions broker start"):
        bootstrap_servers(Settings.from_env({"KAFKA_BOOTSTRAP_SERVERS": ""}))


def test_a_bad_setting_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORPACTIONS_PARTITIONS", "abc")
    assert main(["worker"]) == 2
    err = capsys.readouterr().err
    assert err == "corpactions worker: CORPACTIONS_PARTITIONS='abc' is not a whole number\n"


def test_version_is_the_packages() -> None:
    import tomllib

    from corpactions import __version__

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert __version__ == project["project"]["version"]
    done = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (0, f"corpactions {__version__}\n")


@pytest.mark.parametrize(
    "command", ["schedule", "extract", "worker", "broker", "lag", "dlq", "demo"]
)
def test_every_command_has_a_help_naming_what_it_reads_from_the_environment(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpactions.cli import build_parser
    from corpactions.settings import variables

    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    _usage, _, rest = text.partition("\n\n")
    assert rest.strip(), f"`corpactions {command} --help` says nothing beyond its usage"
    environment = text.split("environment:\n", 1)[1]
    named = set(re.findall(r"\b((?:CORPACTIONS|KAFKA)_[A-Z0-9_]*[A-Z0-9])\b", environment))
    known = {name for name, _ in variables()}
    assert named, text
    assert named <= known
    if command in {"worker", "demo"}:  # the service: every setting
        assert named == known
