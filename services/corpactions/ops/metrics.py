"""Prometheus metrics of the service and of the consumer groups it watches.

Everything is produced at scrape time by two collectors in a private registry (no global
state, nothing counted twice): the service's counters are read from its stats object,
the lag figures from the lag monitor's latest report, so a partition or group that
disappears stops being exported.

Names follow kafka-lag-exporter (``kafka_consumergroup_group_offset``, ``..._group_lag``,
``..._group_lag_seconds``, ``..._group_max_lag``, ``..._group_sum_lag``,
``kafka_partition_latest_offset``) with labels ``group``, ``topic``, ``partition``.
Verdict gauges carry Burrow's numeric status codes (core/protocol/evaluator.go):
0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (groups only), 4 STOP, 5 STALL, 6 REWIND (partitions
only) - the same values Burrow's own ``burrow_kafka_consumer_status`` exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from corpactions.contracts.events import DeadLetterCode
from corpactions.ops.lag import LagReport
from corpactions.ops.monitor import LagMonitor

# Prometheus text format 0.0.4: every Prometheus 2.x and 3.x server reads it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_PARTITION = ["group", "topic", "partition"]

# name -> help, for every metric this module can export (the dashboard test reads it)
LAG_METRICS = {
    "kafka_consumergroup_group_offset": "Committed offset of the group (OffsetFetch)",
    "kafka_consumergroup_group_lag": "Log-end offset minus committed offset",
    "kafka_consumergroup_group_lag_seconds": (
        "Age of the next record the group would read (0 when none is readable)"
    ),
    "kafka_consumergroup_group_max_lag": "Largest partition lag of the group",
    "kafka_consumergroup_group_sum_lag": "Sum of the group's partition lags",
    "kafka_consumergroup_group_max_lag_seconds": "Largest partition lag in seconds",
    "kafka_partition_latest_offset": "Log-end offset (high watermark) of the partition",
    "kafka_consumergroup_partition_status": (
        "Burrow partition status: 1 OK, 2 WARN, 4 STOP, 5 STALL, 6 REWIND"
    ),
    "kafka_consumergroup_group_status": "Burrow group status: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR",
    "kafka_consumergroup_partition_complete": "Filled share of the partition's commit window",
    "kafka_consumergroup_group_complete": "Share of the group's partitions with a full window",
    "kafka_consumergroup_commit_rate": "Offset commits per second over the commit window",
    "corpactions_lag_monitor_samples_total": "Lag samples taken",
    "corpactions_lag_monitor_failures_total": "Lag samples that failed with a Kafka error",
    "corpactions_lag_monitor_last_success_timestamp_seconds": "Unix time of the last sample",
}

SERVICE_METRICS = {
    "corpactions_resolutions_total": "Board resolutions processed, by verdict",
    "corpactions_dead_letters_total": "Inputs dead-lettered, by reason",
    "corpactions_events_emitted_total": "Events emitted, by event type",
    "corpactions_transactions_total": "Kafka transactions committed",
    "corpactions_transactions_aborted_total": "Kafka transactions aborted",
    "corpactions_timer_backlog": "Pending record/payment date timers held by this worker",
    "corpactions_timers_overdue": "Record/payment dates due now that have not fired yet",
    "corpactions_timers_overdue_seconds": "How long ago the earliest unfired due date fell due",
    "corpactions_ready": "1 while holding partitions, all restored, none recovering; else 0",
    "corpactions_partitions_assigned": "Input partitions assigned to this worker",
}


class ServiceStats(Protocol):
    """What the stream engine counts (``EngineStats`` satisfies this)."""

    @property
    def verdicts(self) -> Mapping[str, int]: ...

    @property
    def dead_letter_reasons(self) -> Mapping[str, int]: ...

    @property
    def emitted(self) -> Mapping[str, int]: ...

    @property
    def transactions(self) -> int: ...

    @property
    def aborted_transactions(self) -> int: ...


@dataclass(frozen=True)
class AgentMetrics:
    """What one agent's engine exports (the lifecycle's or the notifier's): each series
    carries its name as the ``agent`` label."""

    agent: str
    stats: ServiceStats
    timer_backlog: Callable[[], int] = lambda: 0
    ready: Callable[[], bool] = lambda: False
    overdue: Callable[[], tuple[int, float]] = lambda: (0, 0.0)
    assigned: Callable[[], int] = lambda: 0


class ServiceCollector(Collector):
    def __init__(self, agents: Sequence[AgentMetrics]) -> None:
        self.agents = agents

    def collect(self) -> Iterable[Metric]:
        def counter(name: str, *labels: str) -> CounterMetricFamily:
            help_text = SERVICE_METRICS[name + "_total"]
            return CounterMetricFamily(name, help_text, labels=["agent", *labels])

        verdicts = counter("corpactions_resolutions", "verdict")
        reasons = counter("corpactions_dead_letters", "reason")
        emitted = counter("corpactions_events_emitted", "type")
        transactions = counter("corpactions_transactions")
        aborted = counter("corpactions_transactions_aborted")
        gauges = {
            name: GaugeMetricFamily(name, SERVICE_METRICS[name], labels=["agent"])
            for name in (
                "corpactions_timer_backlog",
                "corpactions_timers_overdue",
                "corpactions_timers_overdue_seconds",
                "corpactions_ready",
                "corpactions_partitions_assigned",
            )
        }
        for a in self.agents:
            s = a.stats
            for key, value in sorted(s.verdicts.items()):
                verdicts.add_metric([a.agent, key], value)
            # every reason from 0, so that the first letters of a reason are an increase
            # (a series born at 3 has no rate, and its alert would never fire)
            counts = {code.value: 0 for code in DeadLetterCode} | dict(s.dead_letter_reasons)
            for key, value in sorted(counts.items()):
                reasons.add_metric([a.agent, key], value)
            for key, value in sorted(s.emitted.items()):
                emitted.add_metric([a.agent, key], value)
            transactions.add_metric([a.agent], s.transactions)
            aborted.add_metric([a.agent], s.aborted_transactions)
            overdue, overdue_s = a.overdue()
            values: tuple[tuple[str, float], ...] = (
                ("corpactions_timer_backlog", a.timer_backlog()),
                ("corpactions_timers_overdue", overdue),
                ("corpactions_timers_overdue_seconds", overdue_s),
                ("corpactions_ready", int(a.ready())),
                ("corpactions_partitions_assigned", a.assigned()),
            )
            for gauge, reading in values:
                gauges[gauge].add_metric([a.agent], reading)
        yield from (verdicts, reasons, emitted, transactions, aborted, *gauges.values())


class LagCollector(Collector):
    def __init__(self, monitor: LagMonitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterable[Metric]:
        m = self.monitor
        yield CounterMetricFamily(
            "corpactions_lag_monitor_samples",
            LAG_METRICS["corpactions_lag_monitor_samples_total"],
            value=m.samples,
        )
        yield CounterMetricFamily(
            "corpactions_lag_monitor_failures",
            LAG_METRICS["corpactions_lag_monitor_failures_total"],
            value=m.failures,
        )
        if m.last_success is not None:
            name = "corpactions_lag_monitor_last_success_timestamp_seconds"
            yield GaugeMetricFamily(name, LAG_METRICS[name], value=m.last_success)
        if m.latest is not None:
            yield from lag_metrics(m.latest)


def lag_metrics(report: LagReport) -> Iterator[Metric]:
    """The ``kafka_*`` families for one report."""

    def gauge(name: str, labels: list[str]) -> GaugeMetricFamily:
        return GaugeMetricFamily(name, LAG_METRICS[name], labels=labels)

    offset = gauge("kafka_consumergroup_group_offset", _PARTITION)
    lag = gauge("kafka_consumergroup_group_lag", _PARTITION)
    lag_s = gauge("kafka_consumergroup_group_lag_seconds", _PARTITION)
    p_status = gauge("kafka_consumergroup_partition_status", _PARTITION)
    p_complete = gauge("kafka_consumergroup_partition_complete", _PARTITION)
    rate = gauge("kafka_consumergroup_commit_rate", _PARTITION)
    max_lag = gauge("kafka_consumergroup_group_max_lag", ["group"])
    sum_lag = gauge("kafka_consumergroup_group_sum_lag", ["group"])
    max_lag_s = gauge("kafka_consumergroup_group_max_lag_seconds", ["group"])
    g_status = gauge("kafka_consumergroup_group_status", ["group"])
    g_complete = gauge("kafka_consumergroup_group_complete", ["group"])
    latest = gauge("kafka_partition_latest_offset", ["topic", "partition"])
    for g in report.groups:
        for p in g.partitions:
            labels = [g.group, p.topic, str(p.partition)]
            offset.add_metric(labels, p.committed_offset)
            lag.add_metric(labels, p.lag)
            if p.lag_seconds is not None:
                lag_s.add_metric(labels, p.lag_seconds)
            p_status.add_metric(labels, int(p.status))
            p_complete.add_metric(labels, p.complete)
            rate.add_metric(labels, p.commit_rate)
        max_lag.add_metric([g.group], g.max_lag)
        sum_lag.add_metric([g.group], g.total_lag)
        max_lag_s.add_metric([g.group], g.max_lag_seconds)
        g_status.add_metric([g.group], int(g.status))
        g_complete.add_metric([g.group], g.complete)
    for (topic, partition), end in sorted(report.end_offsets.items()):
        latest.add_metric([topic, str(partition)], end)
    yield from (offset, lag, lag_s, p_status, p_complete, rate)
    yield from (max_lag, sum_lag, max_lag_s, g_status, g_complete, latest)


def build_registry(
    *,
    service: ServiceStats | None = None,
    timer_backlog: Callable[[], int] = lambda: 0,
    ready: Callable[[], bool] = lambda: False,
    monitor: LagMonitor | None = None,
    overdue: Callable[[], tuple[int, float]] = lambda: (0, 0.0),
    assigned: Callable[[], int] = lambda: 0,
    agents: Sequence[AgentMetrics] = (),
) -> CollectorRegistry:
    """A private registry with the service's and the lag monitor's collectors: the
    ``agents``' series, or ``service``'s (and the callables after it) as the lifecycle's."""
    registry = CollectorRegistry(auto_describe=False)
    if service is not None:
        agents = (
            AgentMetrics("lifecycle", service, timer_backlog, ready, overdue, assigned),
            *agents,
        )
    if agents:
        registry.register(ServiceCollector(agents))
    if monitor is not None:
        registry.register(LagCollector(monitor))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format (:data:`CONTENT_TYPE`)."""
    return bytes(generate_latest(registry))
