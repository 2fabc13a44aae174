"""The /metrics/ registry rendered from hand-made figures and parsed back."""

from __future__ import annotations

from collections import Counter

from prometheus_client.parser import text_string_to_metric_families

from corpactions.ops.burrow import Status
from corpactions.ops.lag import GroupLag, LagReport, LagTracker, PartitionLag
from corpactions.ops.metrics import build_registry, render
from corpactions.ops.monitor import LagMonitor
from corpactions.stream.stats import EngineStats


def _parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def _row(partition: int, lag: int, status: Status, seconds: float | None = None) -> PartitionLag:
    return PartitionLag("g", "t", partition, 10, 10 + lag, lag, seconds, status, 0.5, 2.0, 5)


def test_service_counters_and_lag_figures_render_with_burrow_codes() -> None:
    stats = EngineStats(
        verdicts=Counter({"scheduled": 3, "dead_letter": 1}),
        dead_letter_reasons=Counter({"schema_violation": 1}),
        emitted=Counter({"DividendScheduled": 3}),
        transactions=4,
        aborted_transactions=1,
    )
    monitor = LagMonitor(LagTracker("unused:9092", ["g"]), interval_s=1.0)
    monitor.latest = LagReport(
        taken_at=0.0,
        groups=(
            GroupLag("g", Status.ERR, 0.0, (_row(0, 0, Status.OK, 0.0), _row(1, 7, Status.STOP))),
            GroupLag("h", Status.NOTFOUND, 0.0, ()),
        ),
        end_offsets={("t", 0): 10, ("t", 1): 17},
    )  # fmt: skip
    monitor.samples, monitor.last_success = 2, 1234.5
    registry = build_registry(
        service=stats, timer_backlog=lambda: 42, ready=lambda: True, monitor=monitor
    )
    m = _parse(render(registry).decode())

    life = ("agent", "lifecycle")
    assert m[("corpactions_resolutions_total", (life, ("verdict", "scheduled")))] == 3
    assert m[("corpactions_dead_letters_total", (life, ("reason", "schema_violation")))] == 1
    assert m[("corpactions_events_emitted_total", (life, ("type", "DividendScheduled")))] == 3
    assert m[("corpactions_transactions_total", (("agent", "lifecycle"),))] == 4
    assert m[("corpactions_transactions_aborted_total", (("agent", "lifecycle"),))] == 1
    assert m[("corpactions_timer_backlog", (("agent", "lifecycle"),))] == 42
    assert m[("corpactions_ready", (("agent", "lifecycle"),))] == 1

    p1 = (("group", "g"), ("partition", "1"), ("topic", "t"))
    assert m[("kafka_consumergroup_group_lag", p1)] == 7
    assert m[("kafka_consumergroup_group_offset", p1)] == 10
    assert m[("kafka_consumergroup_partition_status", p1)] == 4  # Burrow's STOP
    assert ("kafka_consumergroup_group_lag_seconds", p1) not in m  # unknown is not 0
    assert m[("kafka_consumergroup_commit_rate", p1)] == 2.0
    assert m[("kafka_consumergroup_group_status", (("group", "g"),))] == 3  # ERR
    assert m[("kafka_consumergroup_group_status", (("group", "h"),))] == 0  # NOTFOUND
    assert m[("kafka_consumergroup_group_sum_lag", (("group", "g"),))] == 7
    assert m[("kafka_partition_latest_offset", (("partition", "1"), ("topic", "t")))] == 17
    assert m[("corpactions_lag_monitor_samples_total", ())] == 2
    assert m[("corpactions_lag_monitor_last_success_timestamp_seconds", ())] == 1234.5


def test_before_the_first_sample_only_the_monitor_counters_are_exported() -> None:
    monitor = LagMonitor(LagTracker("unused:9092"), interval_s=1.0)
    names = {name for name, _ in _parse(render(build_registry(monitor=monitor)).decode())}
    assert names == {
        "corpactions_lag_monitor_samples_total",
        "corpactions_lag_monitor_failures_total",
    }


def test_overdue_timers_and_every_dead_letter_reason_from_zero() -> None:
    stats = EngineStats(dead_letter_reasons=Counter({"wrong_key": 2}))
    registry = build_registry(service=stats, overdue=lambda: (4, 90.5))
    m = _parse(render(registry).decode())
    assert m[("corpactions_timers_overdue", (("agent", "lifecycle"),))] == 4
    assert m[("corpactions_timers_overdue_seconds", (("agent", "lifecycle"),))] == 90.5
    reasons = {
        dict(labels)["reason"]: v
        for (name, labels), v in m.items()
        if name == "corpactions_dead_letters_total"
    }
    assert reasons == {
        "payload_too_large": 0, "undecodable": 0, "schema_violation": 0, "domain_rule": 0,
        "event_cancelled": 0, "event_already_paid": 0, "record_date_already_reached": 0,
        "iso20022_restriction": 0, "wrong_key": 2, "unknown_schema_id": 0,
        "incompatible_schema": 0,
    }  # fmt: skip
