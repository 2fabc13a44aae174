"""The Kafka ACLs the service's principal needs on a cluster that enforces them.

One list, used three ways: docs/security.md's table is tested
against it, the end-to-end tests grant exactly it (and prove one less fails), and
``kafka_acls_commands`` prints it as Apache Kafka's ``kafka-acls.sh`` invocations.

Operations that imply DESCRIBE (READ, WRITE) are not listed with it again. CREATE is
needed only while the service creates its own topics; the READ on
``__consumer_offsets`` only for lag verdicts (see ``Acl.optional``).
"""

from __future__ import annotations

from dataclasses import dataclass

from corpactions.contracts.topics import Topics
from corpactions.ops.offsets_topic import OFFSETS_TOPIC


@dataclass(frozen=True)
class Acl:
    """One ALLOW binding for the service's principal, from any host."""

    resource: str  # Topic, Group, TransactionalId
    name: str
    operation: str  # Read, Write, Create, Describe (kafka-acls.sh spelling)
    purpose: str
    prefixed: bool = False  # a PREFIXED resource pattern (else LITERAL)
    optional: str = ""  # empty: required; else what is lost without it

    def describe(self) -> str:
        """``Write on TransactionalId corpactions-* (prefix)``: names what it allows."""
        pattern = f"{self.name}* (prefix)" if self.prefixed else self.name
        return f"{self.operation} on {self.resource} {pattern}"


def worker_acls(topics: Topics, app_id: str) -> list[Acl]:
    """What ``corpactions worker`` (group ``app_id``) needs, its lag monitor included."""
    changelog = topics.changelog(app_id)
    notifier_changelog = topics.changelog(f"{app_id}-notifier")
    out = [
        Acl("Topic", topics.resolutions, "Read", "consume the resolutions"),
        *(Acl("Topic", t, "Write", "produce events and dead letters") for t in topics.outputs()),
        Acl("Topic", changelog, "Read", "restore state"),
        Acl("Topic", changelog, "Write", "write state"),
        Acl("Group", app_id, "Read", "join the group, commit offsets in transactions"),
        # the notifier agent (group <app id>-notifier): schedule events in, documents out
        Acl("Topic", topics.schedules, "Read", "the notifier: consume the schedule events"),
        Acl("Topic", notifier_changelog, "Read", "the notifier: restore its state"),
        Acl("Topic", notifier_changelog, "Write", "the notifier: write its state"),
        Acl("Group", f"{app_id}-notifier", "Read", "the notifier: join its group"),
        Acl(
            "TransactionalId",
            f"{app_id}-",
            "Write",
            "one transactional producer per input partition",
            prefixed=True,
        ),
        *(
            Acl(
                "Topic",
                t,
                "Create",
                "create the topic when missing",
                optional="the service cannot create its topics: create them beforehand",
            )
            for t in (topics.resolutions, *topics.outputs(), changelog, notifier_changelog)
        ),
        Acl(
            "Topic",
            OFFSETS_TOPIC,
            "Read",
            "lag verdicts: the group's commit history",
            optional=(
                "lag in offsets and seconds stays; the verdicts have no commit history to "
                "judge, so every partition reads OK (Burrow's rule for an empty window) "
                "and a stalled or stopped group goes unnoticed"
            ),
        ),
        Acl(
            "Topic",
            topics.dead_letters,
            "Read",
            "the calendar page's dead letters of the last 24 hours",
            optional="the calendar page says the dead letters could not be read",
        ),
    ]
    return out


def dlq_acls(topics: Topics) -> list[Acl]:
    """What ``corpactions dlq`` needs (an operator's principal, or the service's)."""
    return [
        Acl("Topic", topics.dead_letters, "Read", "list the dead letters"),
        Acl("Topic", topics.resolutions, "Write", "replay letters (`corpactions dlq replay`)"),
    ]


def kafka_acls_commands(acls: list[Acl], principal: str, bootstrap: str = "BROKER:9093") -> str:
    """The ``kafka-acls.sh`` invocations granting ``acls`` to ``principal``."""
    flag = {"Topic": "--topic", "Group": "--group", "TransactionalId": "--transactional-id"}
    lines = []
    for acl in acls:
        pattern = " --resource-pattern-type prefixed" if acl.prefixed else ""
        lines.append(
            f"kafka-acls.sh --bootstrap-server {bootstrap} --command-config admin.properties "
            f"--add --allow-principal {principal} --operation {acl.operation} "
            f"{flag[acl.resource]} {acl.name}{pattern}"
        )
    return "\n".join(lines)


def markdown_table(acls: list[Acl]) -> str:
    """docs/security.md's table of ``acls``."""
    rows = [
        "| Resource | Name | Pattern | Operation | Why | Without it |",
        "|---|---|---|---|---|---|",
    ]
    for a in acls:
        pattern = "prefixed" if a.prefixed else "literal"
        rows.append(
            f"| {a.resource} | `{a.name}` | {pattern} | {a.operation} | {a.purpose} | "
            f"{a.optional or 'required'} |"
        )
    return "\n".join(rows)
