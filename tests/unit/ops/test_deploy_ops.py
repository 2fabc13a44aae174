"""deploy/prometheus and deploy/grafana: valid, tested, and naming only exported metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpactions.ops.metrics import LAG_METRICS, SERVICE_METRICS

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts.test.yml"
DASHBOARD = DEPLOY / "grafana" / "corpactions-dashboard.json"
RUNBOOK = DEPLOY.parent / "docs" / "runbook.md"

EXPORTED = set(LAG_METRICS) | set(SERVICE_METRICS)
# what Prometheus itself adds to every scrape target
PROMETHEUS_OWN = {"up"}
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
_KEYWORDS |= {"and", "or", "unless", "offset", "inf", "nan"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("promtool")
    assert exe, "promtool is installed by `make tools` (Debian package prometheus)"
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, timeout=60, check=False, cwd=RULES.parent
    )


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (labels, strings, ranges removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        word = m.group(0)
        after = expr[m.end() :].lstrip()
        if after.startswith("(") or word.lower() in _KEYWORDS:
            continue  # a function or an operator
        names.add(word)
    return names


def test_metric_names_parser_reads_promql() -> None:
    expr = 'sum by (reason) (rate(corpactions_dead_letters_total{job="x"}[5m])) > 0'
    assert metric_names(expr) == {"corpactions_dead_letters_total"}
    assert metric_names("time() - a_b > 300 and on (g) c") == {"a_b", "c"}


def test_alert_rules_pass_promtool_check() -> None:
    done = promtool("check", "rules", RULES.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_alert_rules_pass_their_promtool_unit_tests() -> None:
    done = promtool("test", "rules", RULE_TESTS.name)
    assert done.returncode == 0, done.stdout + done.stderr


def test_alert_rules_name_only_exported_metrics() -> None:
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    named = set().union(*(metric_names(r["expr"]) for r in rules))
    assert named - EXPORTED <= PROMETHEUS_OWN, named - EXPORTED
    # the alerts the operations issue asks for exist
    alerts = {r["alert"] for r in rules}
    assert {
        "KafkaConsumerGroupError",
        "KafkaConsumerPartitionStopped",
        "KafkaConsumerPartitionStalled",
        "KafkaConsumerPartitionRewound",
        "KafkaConsumerLagSecondsHigh",
        "CorpactionsDeadLetters",
        "CorpactionsTimersOverdue",  # replaced CorpactionsTimerBacklogGrowing (issue #18)
        "CorpactionsWorkerNotReady",
        "CorpactionsWorkerAbsent",
    } <= alerts


def _rules() -> list[dict[str, Any]]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_alert_says_what_it_means_and_links_a_runbook_section() -> None:
    anchors = {
        _anchor(line.lstrip("#"))
        for line in RUNBOOK.read_text().splitlines()
        if line.startswith("## ")
    }
    for rule in _rules():
        notes = rule["annotations"]
        assert {"summary", "description", "runbook_url"} <= set(notes), rule["alert"]
        assert len(notes["description"]) > 40, rule["alert"]
        path, _, anchor = notes["runbook_url"].partition("#")
        assert path == "docs/runbook.md", rule["alert"]
        assert anchor in anchors, (rule["alert"], anchor)


def test_every_rule_selects_the_services_job() -> None:
    for rule in _rules():
        expr = rule["expr"]
        selectors = re.findall(r"\b([a-z_:][a-z0-9_:]*)\s*(\{[^}]*\})?\s*(?=[\[)=<>!\s]|$)", expr)
        for name in metric_names(expr):
            uses = [sel for n, sel in selectors if n == name]
            assert uses, (rule["alert"], name)
            assert all('job="corpactions"' in sel for sel in uses), (rule["alert"], name, uses)


def test_every_alert_is_unit_tested_firing_and_not_firing() -> None:
    checks = [
        c for t in yaml.safe_load(RULE_TESTS.read_text())["tests"] for c in t["alert_rule_test"]
    ]
    for rule in _rules():
        mine = [c for c in checks if c["alertname"] == rule["alert"]]
        assert any(c["exp_alerts"] for c in mine), f"{rule['alert']} never tested firing"
        assert any(not c["exp_alerts"] for c in mine), f"{rule['alert']} never tested silent"


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in panels:
        yield p
        yield from _panels(p.get("panels", []))


def test_dashboard_is_valid_json_whose_queries_name_only_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"]
    assert dashboard["title"]
    exprs = [
        t["expr"] for p in _panels(dashboard["panels"]) for t in p.get("targets", [])
    ]  # fmt: skip
    for v in dashboard["templating"]["list"]:
        if v.get("type") == "query":  # label_values(metric, label): the metric is a selector
            exprs.append(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", v["definition"]))
    assert exprs
    named: set[str] = set()
    for expr in exprs:
        names = metric_names(expr)
        assert names, f"no metric in {expr!r}"
        named |= names
    assert named <= EXPORTED, named - EXPORTED
    # lag in offsets and seconds, verdicts, throughput, DLQ rate and timer backlog
    assert {
        "kafka_consumergroup_group_lag",
        "kafka_consumergroup_group_lag_seconds",
        "kafka_consumergroup_partition_status",
        "kafka_consumergroup_group_status",
        "corpactions_resolutions_total",
        "corpactions_events_emitted_total",
        "corpactions_dead_letters_total",
        "corpactions_timer_backlog",
    } <= named
    ids = [p["id"] for p in _panels(dashboard["panels"])]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_exported_names_follow_prometheus_conventions(name: str) -> None:
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name)
    assert name.startswith(("kafka_", "corpactions_"))
