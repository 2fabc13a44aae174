"""The `corpactions` commands: `corpactions X` is ``commands/X.py``, its ``run(args)``.

``cli.py`` defines the arguments and imports only the module of the command given, so
each module may import what its command needs (aiokafka, faust, rich) at the top. A
command module is the thin layer from arguments to a call and an exit code; what it
calls lives with the rest of the service (``ops/``, ``broker/``, ``stream/``,
``contracts/``).

This package's own module holds what several commands share: where their Kafka is.
"""

from __future__ import annotations

from collections.abc import Callable

from corpactions.settings import Settings


def bootstrap_servers(settings: Settings, local: Callable[[], str] | None = None) -> str:
    """Every command's Kafka: the environment's brokers (``KAFKA_BOOTSTRAP_SERVERS``),
    else the local broker (by default the one `corpactions broker start` left running;
    ``local`` is how a command that starts it itself, `corpactions demo`, gets it)."""
    if settings.bootstrap_servers:
        return settings.bootstrap_servers
    return (local or running_local_broker)()


def running_local_broker() -> str:
    """The bootstrap of the local broker `corpactions broker start` started."""
    from corpactions.broker import daemon
    from corpactions.broker.local import BrokerError

    state = daemon.running()
    if state is None:
        raise BrokerError(
            "no Kafka: set KAFKA_BOOTSTRAP_SERVERS, or run `corpactions broker start` first"
        )
    return state.bootstrap_servers
