"""The failures `corpactions` reports as one line instead of a traceback, in a module that
imports nothing: cli.py catches them around every command, so defining them beside what
raises them (settings.py, broker/local.py) would make every command, `--help` and a
mistyped one too, pay for importing pydantic, the settings and the broker's code first."""

from __future__ import annotations


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use (one line, naming it)."""


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or reached."""
