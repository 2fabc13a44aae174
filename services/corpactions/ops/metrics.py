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

from collections.abc import Callable, Iterable, Iterator, Mapping
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


class ServiceCollector(Collector):
    def __init__(
        self,
        stats: ServiceStats,
        timer_backlog: Callable[[], int],
        ready: Callable[[], bool],
        overdue: Callable[[], tuple[int, float]] = lambda: (0, 0.0),
        assigned: Callable[[], int] = lambda: 0,
    ) -> None:
        self.assigned = assigned
        self.stats = stats
        self.timer_backlog = timer_backlog
        self.ready = ready
        self.overdue = overdue

    def collect(self) -> Iterable[Metric]:
        s = self.stats
        yield _labelled_counter("corpactions_resolutions", "verdict", s.verdicts)
        # every reason from 0, so that the first letters of a reason are an increase
        # (a series born at 3 has no rate, and its alert would never fire)
        reasons = {code.value: 0 for code in DeadLetterCode} | dict(s.dead_letter_reasons)
        yield _labelled_counter("corpactions_dead_letters", "reason", reasons)
        yield _labelled_counter("corpactions_events_emitted", "type", s.emitted)
        yield CounterMetricFamily(
            "corpactions_transactions",
            SERVICE_METRICS["corpactions_transactions_total"],
            value=s.transactions,
        )
        yield CounterMetricFamily(
            "corpactions_transactions_aborted",
            SERVICE_METRICS["corpactions_transactions_aborted_total"],
            value=s.aborted_transactions,
        )
        yield GaugeMetricFamily(
            "corpactions_timer_backlog",
            SERVICE_METRICS["corpactions_timer_backlog"],
            value=self.timer_backlog(),
        )
        overdue, overdue_s = self.overdue()
        for name, value in (
            ("corpactions_timers_overdue", overdue),
            ("corpactions_timers_overdue_seconds", overdue_s),
        ):
            yield GaugeMetricFamily(name, SERVICE_METRICS[name], value=value)
        yield GaugeMetricFamily(
            "corpactions_ready", SERVICE_METRICS["corpactions_ready"], value=int(self.ready())
        )
        name = "corpactions_partitions_assigned"
        yield GaugeMetricFamily(name, SERVICE_METRICS[name], value=self.assigned())


def _labelled_counter(name: str, label: str, counts: Mapping[str, int]) -> Metric:
    family = CounterMetricFamily(name, SERVICE_METRICS[name + "_total"], labels=[label])
    for key, value in sorted(counts.items()):
        family.add_metric([key], value)
    return family


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
) -> CollectorRegistry:
    """A private registry with the service's and the lag monitor's collectors."""
    registry = CollectorRegistry(auto_describe=False)
    if service is not None:
        registry.register(ServiceCollector(service, timer_backlog, ready, overdue, assigned))
    if monitor is not None:
        registry.register(LagCollector(monitor))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The registry in Prometheus text format (:data:`CONTENT_TYPE`)."""
    return bytes(generate_latest(registry))
