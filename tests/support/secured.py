"""A secured local Kafka for tests: SASL_SSL (SCRAM-SHA-512) and mutual-TLS listeners,
ACLs enforced, certificates and passwords made for the run.

Principals: ``admin`` (a super user: the tests' own producer, consumer and ACL
changes) and ``corpactions`` (the service: only the ACLs granted to it), each by SCRAM
password on SASL_SSL or by client certificate (CN) on SSL.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import for_code
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest

from corpactions.broker.local import KafkaDistribution, LocalKafka
from corpactions.ops.acls import Acl
from corpactions.settings import KafkaSecurity
from tests.support.tls import Pki, make_pki

SERVICE = "corpactions"
ADMIN = "admin"

# Kafka's protocol codes (org.apache.kafka.common.acl / resource)
_RESOURCE = {"Topic": 2, "Group": 3, "Cluster": 4, "TransactionalId": 5}
_OPERATION = {"All": 2, "Read": 3, "Write": 4, "Create": 5, "Describe": 8}
_LITERAL, _PREFIXED, _ALLOW = 3, 4, 3


@dataclass
class SecuredKafka:
    broker: LocalKafka
    pki: Pki
    passwords: dict[str, str]
    started_in: float

    @classmethod
    def start(cls, workdir: Path, heap: str = "768m") -> SecuredKafka:
        pki = make_pki(workdir / "pki", client_cn=SERVICE)
        passwords = {ADMIN: secrets.token_hex(16), SERVICE: secrets.token_hex(16)}
        broker = LocalKafka(
            KafkaDistribution.ensure(),
            workdir / "kafka",
            owned=True,
            heap=heap,
            security=pki.broker_security(passwords),
        )
        t0 = time.monotonic()
        broker.start()
        return cls(broker, pki, passwords, time.monotonic() - t0)

    def stop(self) -> None:
        self.broker.stop()

    def bootstrap(self, listener: str) -> str:
        return self.broker.bootstrap_for(listener)

    def security(
        self, listener: str, user: str = SERVICE, password: str | None = None, cert: str = ""
    ) -> KafkaSecurity:
        """``user``'s settings on ``listener``: its password (SASL_SSL), its certificate
        (SSL; ``cert`` picks another of ``pki.clients``: expired, untrusted)."""
        if listener == "SASL_SSL":
            return KafkaSecurity(
                protocol="SASL_SSL",
                sasl_mechanism="SCRAM-SHA-512",
                sasl_username=user,
                sasl_password=self.passwords[user] if password is None else password,
                ssl_cafile=str(self.pki.ca),
            )
        client = self.pki.clients[cert or ("admin" if user == ADMIN else "service")]
        return KafkaSecurity(
            protocol="SSL",
            ssl_cafile=str(self.pki.ca),
            ssl_certfile=str(client.certfile),
            ssl_keyfile=str(client.keyfile),
        )

    def env(self, listener: str, **kw: str) -> dict[str, str]:
        """The service's environment variables for ``listener`` (see ``security``)."""
        s = self.security(listener, **kw)
        env = {"KAFKA_SECURITY_PROTOCOL": s.protocol, "KAFKA_SSL_CAFILE": s.ssl_cafile or ""}
        if s.protocol == "SASL_SSL":
            env |= {
                "KAFKA_SASL_MECHANISM": s.sasl_mechanism or "",
                "KAFKA_SASL_USERNAME": s.sasl_username or "",
                "KAFKA_SASL_PASSWORD": s.sasl_password or "",
            }
        else:
            env |= {
                "KAFKA_SSL_CERTFILE": s.ssl_certfile or "",
                "KAFKA_SSL_KEYFILE": s.ssl_keyfile or "",
            }
        return env

    def admin_options(self, listener: str = "SASL_SSL") -> dict[str, Any]:
        return self.security(listener, user=ADMIN).client_options()

    async def _acl_requests(self, requests: list[Any]) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap("SASL_SSL"), **self.admin_options()
        )
        await admin.start()
        try:
            for request in requests:
                response = await admin._send_request(request)
                for result in getattr(response, "creation_responses", None) or getattr(
                    response, "filter_responses", []
                ):
                    if result[0] != 0:
                        raise for_code(result[0])(result[1])
        finally:
            await admin.close()

    async def grant(self, acls: list[Acl], principal: str = SERVICE) -> None:
        await self._acl_requests([_acl_request(CreateAclsRequest, a, principal) for a in acls])

    async def revoke(self, acls: list[Acl], principal: str = SERVICE) -> None:
        await self._acl_requests([_acl_request(DeleteAclsRequest, a, principal) for a in acls])


def _acl_request(kind: Any, acl: Acl, principal: str) -> Any:
    """A CreateAcls or DeleteAcls request for ``acl`` allowed to ``User:principal`` from
    any host (the two requests take the same fields)."""
    return kind(
        _RESOURCE[acl.resource],
        acl.name,
        _PREFIXED if acl.prefixed else _LITERAL,
        f"User:{principal}",
        "*",
        _OPERATION[acl.operation],
        _ALLOW,
    )
