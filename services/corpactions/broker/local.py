"""A real single-node (or small) KRaft Apache Kafka run as a plain Java process.

Machines here have Java 17 and Maven but no Docker and no Kafka install, so the project
resolves Kafka's jars from Maven Central (``deploy/kafka/pom.xml``) and starts
``kafka.Kafka`` itself. This module is the one piece of code that does so: the test
fixtures, ``make run`` and ``corpactions broker start|stop|status`` all use it.

Guarantees:
- free loopback ports are picked per broker, so overlapping runs do not clash (a port
  lost to a race between picking and binding is retried with new ports);
- a broker owned by a parent process (tests, ``demo``) gets ``PR_SET_PDEATHSIG`` so it
  dies with that process even on ``kill -9``; ``stop()`` sends SIGTERM to the broker's
  process group, then SIGKILL after a grace period;
- readiness means a real Metadata request answered with at least one broker.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from corpactions.errors import BrokerError as BrokerError  # raised here; re-exported
from corpactions.settings import KAFKA_VERSION as KAFKA_VERSION  # the default one
from corpactions.settings import KAFKA_VERSIONS as KAFKA_VERSIONS  # every one supported
from corpactions.settings import Settings

_PR_SET_PDEATHSIG = 1


class MissingToolError(BrokerError):
    """A system tool the local broker needs (java, mvn) is not installed."""


def require_tool(name: str) -> str:
    """Return the path of ``name`` or raise one clear message naming what to install."""
    path = shutil.which(name)
    if path is None:
        hints = {
            "java": "a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)",
            "mvn": "Apache Maven 3.8+ (Debian: apt-get install maven)",
            "keytool": "a Java 17+ runtime, which has keytool (Debian: openjdk-17-jre-headless)",
        }
        raise MissingToolError(
            f"`{name}` was not found on PATH: install {hints.get(name, name)}, or set "
            "KAFKA_BOOTSTRAP_SERVERS to use a Kafka broker you already run"
        )
    return path


def project_root() -> Path:
    """The repository root (this package is installed editable from ``services/``)."""
    return Settings.from_env().project_home  # CORPACTIONS_HOME, else the checkout


def default_cache_dir() -> Path:
    return Settings.from_env().cache  # CORPACTIONS_CACHE, else <home>/.cache


@dataclass(frozen=True)
class KafkaDistribution:
    """The resolved Kafka jars (one folder, used as ``-cp 'libs/*'``) of one version."""

    libs: Path
    version: str = KAFKA_VERSION

    @property
    def classpath(self) -> str:
        return str(self.libs / "*")

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @classmethod
    def ensure(
        cls, cache_dir: Path | None = None, pom: Path | None = None, version: str | None = None
    ) -> KafkaDistribution:
        """Fetch the jars once (under a file lock, so concurrent runs fetch once): those of
        ``version``, else of ``CORPACTIONS_KAFKA_VERSION``."""
        version = version or Settings.from_env().kafka_version
        if version not in KAFKA_VERSIONS:
            raise BrokerError(
                f"Kafka {version} is not one this project runs: {', '.join(KAFKA_VERSIONS)}"
            )
        cache = (cache_dir or default_cache_dir()) / "kafka" / version
        libs = cache / "libs"
        marker = cache / "complete"
        pom = pom or project_root() / "deploy" / "kafka" / "pom.xml"
        if not pom.exists():
            raise BrokerError(f"Kafka pom not found at {pom} (set CORPACTIONS_HOME to the repo)")
        # the jars are fetched again when the pom changes (the marker names its digest)
        stamp = f"{version} {hashlib.sha256(pom.read_bytes()).hexdigest()[:16]}\n"
        if _read(marker) == stamp:
            return cls(libs, version)
        mvn = require_tool("mvn")
        require_tool("java")
        cache.mkdir(parents=True, exist_ok=True)
        with _file_lock(cache / ".lock"):
            if _read(marker) == stamp:
                return cls(libs, version)
            if libs.exists():
                shutil.rmtree(libs)
            proc = subprocess.run(
                [
                    mvn,
                    "-q",
                    "-B",
                    "-f",
                    str(pom),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={libs}",
                    "-DincludeScope=runtime",
                    f"-Dkafka.version={version}",
                    *(["-Dslf4j.version=1.7.36"] if version.startswith("3.") else []),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise BrokerError(
                    f"mvn could not resolve Kafka {version} from Maven Central:\n"
                    f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
                )
            marker.write_text(stamp)
        return cls(libs, version)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def new_cluster_id() -> str:
    """A Kafka cluster id: base64url of 16 random bytes, unpadded (as StorageTool makes).

    Like Kafka's own ``Uuid.randomUuid()``, never one starting with "-": command-line
    parsers (StorageTool's included) would read it as an option.
    """
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def probe_metadata(bootstrap: str, timeout: float = 2.0) -> int:
    """Send a Metadata v4 request to the first reachable address; return the broker count.

    Kafka 4 removed Metadata v0-v3 (KIP-896); v4 is the oldest it answers and is not a
    flexible version, so the framing stays simple. Raises OSError when unreachable.
    """
    last: OSError | None = None
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout) as sock:
                sock.settimeout(timeout)
                client_id = b"corpactions-probe"
                body = struct.pack(">hhih", 3, 4, 1, len(client_id)) + client_id
                body += struct.pack(">i?", -1, False)  # all topics (null array), no auto-create
                sock.sendall(struct.pack(">i", len(body)) + body)
                (size,) = struct.unpack(">i", _recv_exact(sock, 4))
                payload = _recv_exact(sock, size)
                # correlation id (4), throttle_time_ms (4), brokers array length (4)
                (n_brokers,) = struct.unpack(">i", payload[8:12])
                return int(n_brokers)
        except OSError as exc:
            last = exc
    raise last or OSError(f"no address in {bootstrap!r}")


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return bytes(buf)


def wait_until_ready(
    bootstrap: str, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
) -> float:
    """Block until a Metadata request lists a broker; return the seconds waited."""
    start = time.monotonic()
    while True:
        if process is not None and process.poll() is not None:
            raise BrokerError(f"broker process exited with code {process.returncode}")
        try:
            if probe_metadata(bootstrap, timeout=1.0) > 0:
                return time.monotonic() - start
        except (OSError, struct.error):
            pass
        if time.monotonic() - start > timeout:
            raise BrokerError(f"broker at {bootstrap} did not answer within {timeout:.0f}s")
        time.sleep(0.1)


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = {level}
logger.state.name = state.change.logger
logger.state.level = WARN
"""

# Kafka 3.9 logs through SLF4J 1 bound to reload4j (log4j 1's format); 4.x through log4j 2
_LOG4J1 = """\
log4j.rootLogger={level}, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka={level}
log4j.logger.state.change.logger=WARN
"""


@dataclass(frozen=True)
class BrokerSecurity:
    """Secured listeners for a local broker, besides its PLAINTEXT one.

    - ``SASL_SSL``: SCRAM-SHA-512 over TLS; the ``scram_users`` are written into the
      metadata log when the storage is formatted (``StorageTool format --add-scram``, the
      KRaft way: there is no ZooKeeper to add them to before the broker starts);
    - ``SSL``: TLS requiring a client certificate signed by the truststore's CA; it is
      also the listener brokers talk to each other on, and ``CONTROLLER`` uses TLS too;
    - ACLs enforced by KRaft's ``StandardAuthorizer``: nothing is allowed without an
      ACL, except to the ``super_users``.

    Principals are ``User:<name>``: the SCRAM user name, or the CN of a client
    certificate (``ssl.principal.mapping.rules``), so one set of ACLs serves a service
    whichever listener it uses. The PLAINTEXT listener stays (readiness probes, benches)
    but its principal, ``User:ANONYMOUS``, is granted nothing unless made a super user.
    """

    keystore: Path  # PKCS12: the broker's key and certificate (CN=<a super user>)
    truststore: Path  # PKCS12: the CA whose client certificates are accepted
    store_password: str = field(repr=False)
    scram_users: Mapping[str, str] = field(default_factory=dict, repr=False)  # name: password
    super_users: tuple[str, ...] = ("admin", "broker")

    def properties(self) -> dict[str, str]:
        return {
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.keystore),
            "ssl.keystore.password": self.store_password,
            "ssl.key.password": self.store_password,
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.location": str(self.truststore),
            "ssl.truststore.password": self.store_password,
            # SSL and CONTROLLER listeners; SASL_SSL ignores it unless listener-prefixed
            # (KIP-684), so SCRAM clients need no certificate
            "ssl.client.auth": "required",
            "ssl.principal.mapping.rules": "RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": ";".join(f"User:{u}" for u in self.super_users),
        }

    def scram_arguments(self) -> list[str]:
        """``--add-scram`` arguments for ``StorageTool format`` (SCRAM-SHA-512)."""
        out: list[str] = []
        for name, password in self.scram_users.items():
            if not (name.isalnum() and password.replace("-", "").isalnum()):
                raise BrokerError("SCRAM user names and passwords here are [A-Za-z0-9-]")
            out += ["--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]"]
        return out


class _StartStop:
    """``with broker:`` starts it and stops it, also when the block raises."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class LocalKafka(_StartStop):
    """One KRaft node (broker + controller) on loopback, in ``workdir``.

    ``owned=True`` ties the broker's life to this process (tests, demo); ``owned=False``
    starts it detached for ``corpactions broker start``.
    """

    def __init__(
        self,
        dist: KafkaDistribution,
        workdir: Path,
        *,
        owned: bool = True,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "1g",
        overrides: Mapping[str, str] | None = None,
        log_level: str = "INFO",
        node_id: int = 1,
        voters: str | None = None,
        cluster_id: str | None = None,
        security: BrokerSecurity | None = None,
    ) -> None:
        self.dist = dist
        self.security = security
        # SASL_SSL and SSL listener ports (picked at start when ``security`` is given)
        self.secure_ports: dict[str, int] = {}
        self.workdir = workdir
        self.owned = owned
        self.port = port
        self.controller_port = controller_port
        self.heap = heap
        self.overrides = dict(overrides or {})
        self.log_level = log_level
        self.node_id = node_id
        self.voters = voters  # "1@host:port,2@host:port,..."; None = this node alone
        self.cluster_id = cluster_id
        self.process: subprocess.Popen[bytes] | None = None
        self.started_in: float | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self.port is None:
            raise BrokerError("broker not started")
        return f"127.0.0.1:{self.port}"

    def bootstrap_for(self, listener: str) -> str:
        """The address of listener ``PLAINTEXT``, ``SASL_SSL`` or ``SSL``."""
        if listener == "PLAINTEXT":
            return self.bootstrap_servers
        if listener not in self.secure_ports:
            raise BrokerError(f"no {listener} listener (started with security?)")
        return f"127.0.0.1:{self.secure_ports[listener]}"

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        return self.workdir / "broker.log"

    def properties(self) -> dict[str, str]:
        assert self.port is not None
        assert self.controller_port is not None
        props = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "controller.quorum.voters": (
                self.voters or f"{self.node_id}@127.0.0.1:{self.controller_port}"
            ),
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "auto.create.topics.enable": "true",
            # A single node: every internal topic has one replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # Fewer internal partitions: the first group join and the first transaction
            # create these topics, and creating Kafka's default 50 partitions of each on
            # one node holds both up.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.num.partitions": "5",
            # Tests and demos join groups constantly; no reason to wait 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "168",
        }
        if self.security is not None:
            sasl, tls = self.secure_ports["SASL_SSL"], self.secure_ports["SSL"]
            props.update(self.security.properties())
            props.update(
                {
                    "listeners": (
                        f"PLAINTEXT://127.0.0.1:{self.port},SASL_SSL://127.0.0.1:{sasl},"
                        f"SSL://127.0.0.1:{tls},CONTROLLER://127.0.0.1:{self.controller_port}"
                    ),
                    "advertised.listeners": (
                        f"PLAINTEXT://127.0.0.1:{self.port},SASL_SSL://127.0.0.1:{sasl},"
                        f"SSL://127.0.0.1:{tls}"
                    ),
                    "inter.broker.listener.name": "SSL",
                    "listener.security.protocol.map": (
                        "CONTROLLER:SSL,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL"
                    ),
                }
            )
        if self.dist.major < 4:
            # Kafka 3.9 has no share groups (KIP-932 came in 4.0): it would log each of
            # these as an unknown setting
            props = {k: v for k, v in props.items() if not k.startswith("share.coordinator.")}
        props.update(self.overrides)
        return props

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "server.properties"
        conf.write_text("".join(f"{k}={v}\n" for k, v in self.properties().items()))
        (self.workdir / "log4j2.properties").write_text(_LOG4J2.format(level=self.log_level))
        (self.workdir / "log4j.properties").write_text(_LOG4J1.format(level=self.log_level))
        return conf

    def _java(self, main: str, *args: str, heap: str = "256m") -> list[str]:
        return [
            require_tool("java"),
            f"-Xms{min_heap(heap)}",
            f"-Xmx{heap}",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}",
            f"-Dlog4j.configuration=file:{self.workdir / 'log4j.properties'}",
            "-cp",
            self.dist.classpath,
            main,
            *args,
        ]

    def _format(self, conf: Path) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        proc = subprocess.run(
            self._java(
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={self.cluster_id or new_cluster_id()}",
                "-c",
                str(conf),
                *(self.security.scram_arguments() if self.security else []),
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            out = proc.stdout + proc.stderr
            for password in self.security.scram_users.values() if self.security else ():
                out = out.replace(password, "***")
            raise BrokerError(f"kafka StorageTool format failed:\n{out}")

    def start(self, timeout: float = 90.0, attempts: int = 3) -> None:
        """Format (once) and start the broker, then wait until it answers metadata."""
        fixed_ports = self.port is not None
        for attempt in range(1, attempts + 1):
            if not fixed_ports or self.port is None:
                self.port, self.controller_port = free_port(), free_port()
            if self.controller_port is None:
                self.controller_port = free_port()
            if self.security is not None and (not fixed_ports or not self.secure_ports):
                self.secure_ports = {"SASL_SSL": free_port(), "SSL": free_port()}
            t0 = time.monotonic()
            self.launch()
            try:
                wait_until_ready(self.bootstrap_servers, timeout=timeout, process=self.process)
            except BrokerError:
                self.stop()
                if (
                    attempt == attempts
                    or fixed_ports
                    or "Address already in use"
                    not in (self.log_file.read_text(errors="replace")[-20000:])
                ):
                    raise BrokerError(
                        f"Kafka did not start; last lines of {self.log_file}:\n"
                        + "\n".join(self.log_file.read_text(errors="replace").splitlines()[-30:])
                    ) from None
                continue
            self.started_in = time.monotonic() - t0
            return

    def launch(self) -> None:
        """Write the config, format once, and start the process (without waiting)."""
        conf = self._write_config()
        self._format(conf)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self._java("kafka.Kafka", str(conf), heap=self.heap),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent if self.owned else None,
            )

    def kill(self) -> None:
        """SIGKILL the broker (a crash, for fault tests); its data stays for a restart."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM the broker's process group, SIGKILL after ``grace`` seconds."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def min_heap(heap: str) -> str:
    """-Xms: a quarter of -Xmx, at least 128m, so a small broker starts small."""
    units = {"g": 1024, "m": 1}
    mb = int(heap[:-1]) * units[heap[-1].lower()]
    return f"{min(mb, max(128, mb // 4))}m"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class LocalKafkaCluster(_StartStop):
    """N KRaft nodes (each broker + controller) on loopback: a real multi-broker cluster.

    Internal topics get replication factor ``min(3, size)`` and ``min.insync.replicas``
    2, so losing one node of three loses nothing acknowledged with ``acks=all``.
    """

    def __init__(
        self, dist: KafkaDistribution, workdir: Path, size: int = 3, heap: str = "512m"
    ) -> None:
        self.size = size
        ports = [(free_port(), free_port()) for _ in range(size)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{c}" for i, (_, c) in enumerate(ports))
        rf = str(min(3, size))
        isr = str(min(2, size))
        overrides = {
            "offsets.topic.replication.factor": rf,
            "transaction.state.log.replication.factor": rf,
            "transaction.state.log.min.isr": isr,
            "share.coordinator.state.topic.replication.factor": rf,
            "share.coordinator.state.topic.min.isr": isr,
            "default.replication.factor": rf,
            "min.insync.replicas": isr,
        }
        cluster_id = new_cluster_id()
        self.nodes = [
            LocalKafka(
                dist,
                workdir / f"node{i + 1}",
                port=p,
                controller_port=c,
                heap=heap,
                overrides=overrides,
                node_id=i + 1,
                voters=voters,
                cluster_id=cluster_id,
            )
            for i, (p, c) in enumerate(ports)
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(n.bootstrap_servers for n in self.nodes)

    def start(self, timeout: float = 120.0) -> None:
        for node in self.nodes:  # a quorum needs a majority up before any node answers
            node.launch()
        try:
            for node in self.nodes:
                wait_until_ready(node.bootstrap_servers, timeout=timeout, process=node.process)
        except BrokerError:
            self.stop()
            raise

    def kill(self, index: int) -> None:
        self.nodes[index].kill()

    def restart(self, index: int, timeout: float = 120.0) -> None:
        node = self.nodes[index]
        node.launch()
        wait_until_ready(node.bootstrap_servers, timeout=timeout, process=node.process)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
