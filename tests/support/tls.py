"""Certificates made at test time: a CA, the broker's, clients' (good, expired, untrusted).

openssl (Debian's) makes the keys and signs the certificates (``openssl ca`` where a
validity in the past is needed: the expired one); keytool (the JDK's) builds the
broker's PKCS12 truststore, as a platform team would. EC P-256 keys: quick to make.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from corpactions.broker.local import BrokerSecurity, require_tool

_CA_CONF = """\
[ca]
default_ca = test_ca
[test_ca]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = anything
copy_extensions = none
[anything]
commonName = supplied
"""


@dataclass(frozen=True)
class ClientCert:
    certfile: Path
    keyfile: Path


@dataclass
class Pki:
    """Everything one secured broker and its clients need, in ``root``."""

    root: Path
    ca: Path  # PEM: the CA clients trust and the broker trusts clients by
    untrusted_ca: Path  # PEM: a CA nobody trusts
    keystore: Path  # PKCS12: broker key + certificate (CN=broker, SAN 127.0.0.1)
    truststore: Path  # PKCS12: the CA, for the broker
    store_password: str = field(repr=False)
    clients: dict[str, ClientCert] = field(default_factory=dict)

    def broker_security(self, users: dict[str, str]) -> BrokerSecurity:
        return BrokerSecurity(
            keystore=self.keystore,
            truststore=self.truststore,
            store_password=self.store_password,
            scram_users=users,
        )


def _run(*args: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {proc.stdout}{proc.stderr}")


def _key(path: Path) -> None:
    _run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", str(path))  # fmt: skip


def _ca(root: Path, name: str) -> tuple[Path, Path]:
    key, cert = root / f"{name}.key", root / f"{name}.pem"
    _key(key)
    _run(
        "openssl", "req", "-x509", "-new", "-key", str(key), "-out", str(cert), "-days", "30",
        "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return key, cert


def _leaf(
    root: Path,
    name: str,
    ca: tuple[Path, Path],
    *,
    cn: str | None = None,
    expired: bool = False,
) -> ClientCert:
    """A certificate for CN ``cn`` (default ``name``) signed by ``ca``; valid for 30 days
    from now, or for January 2020 only when ``expired``."""
    key, csr, cert = root / f"{name}.key", root / f"{name}.csr", root / f"{name}.pem"
    ext = root / f"{name}.ext"
    ext.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "extendedKeyUsage=serverAuth,clientAuth\n"
        "basicConstraints=CA:FALSE\n"
    )
    _key(key)
    _run("openssl", "req", "-new", "-key", str(key), "-out", str(csr), "-subj", f"/CN={cn or name}")
    ca_key, ca_cert = ca
    if expired:
        db = root / f"ca-db-{name}"
        db.mkdir()
        (db / "index.txt").write_text("")
        (db / "serial").write_text(f"{secrets.randbelow(1 << 60) + (1 << 60):016X}\n")
        conf = db / "ca.cnf"
        conf.write_text(_CA_CONF.format(dir=db))
        _run(
            "openssl", "ca", "-batch", "-notext", "-config", str(conf), "-in", str(csr),
            "-out", str(cert), "-keyfile", str(ca_key), "-cert", str(ca_cert),
            "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
            "-extfile", str(ext),
        )  # fmt: skip
    else:
        _run(
            "openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey",
            str(ca_key), "-CAcreateserial", "-out", str(cert), "-days", "30", "-sha256",
            "-extfile", str(ext),
        )  # fmt: skip
    return ClientCert(cert, key)


def make_pki(root: Path, client_cn: str = "corpactions") -> Pki:
    """The CA, the broker's stores and these client certificates (``clients``):
    ``service`` (CN ``client_cn``, valid), ``admin`` (CN admin, a super user),
    ``expired`` (CN ``client_cn``, expired in 2020), ``untrusted`` (CN ``client_cn``,
    signed by a CA the broker does not trust)."""
    require_tool("keytool")
    if shutil.which("openssl") is None:
        raise RuntimeError("openssl not found: apt-get install openssl")
    root.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(12)
    ca = _ca(root, "ca")
    other = _ca(root, "untrusted-ca")
    broker = _leaf(root, "broker", ca)
    keystore = root / "broker.p12"
    _run(
        "openssl", "pkcs12", "-export", "-in", str(broker.certfile), "-inkey",
        str(broker.keyfile), "-certfile", str(ca[1]), "-name", "broker", "-out",
        str(keystore), "-passout", f"pass:{password}",
    )  # fmt: skip
    truststore = root / "truststore.p12"
    _run(
        "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", str(ca[1]),
        "-keystore", str(truststore), "-storetype", "PKCS12", "-storepass", password,
    )  # fmt: skip
    clients = {
        "service": _leaf(root, "service", ca, cn=client_cn),
        "admin": _leaf(root, "admin", ca),
        "expired": _leaf(root, "expired", ca, cn=client_cn, expired=True),
        "untrusted": _leaf(root, "untrusted", other, cn=client_cn),
    }
    return Pki(root, ca[1], other[1], keystore, truststore, password, clients)
