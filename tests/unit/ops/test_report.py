"""The HTML report: what each environment's section says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.checks import Check, Outcome, ValidationReport
from tradeinfra.ops.drift import Drift, DriftReport
from tradeinfra.ops.plan.formatters import to_json
from tradeinfra.ops.plan.model import AppPlan, Plan
from tradeinfra.ops.plan.stacks import template_changes
from tradeinfra.ops.report import render_report
from tradeinfra.ops.results import save_result
from tradeinfra.ops.versions import DeploymentStore


def test_each_environment_shows_deployments_validation_and_drift(platform: PlatformConfig, tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    store.finish(store.begin(["cdk"], "abc"), "succeeded")
    store.finish(store.begin(["cdk"], "def"), "rolled-back", detail="validation of prod failed: <smoke>")
    failed = Check("smoke order", "POST /orders", "201", "503", Outcome.failed)
    save_result(tmp_path, "local", "prod", "validation", ValidationReport("prod", "local", [failed]).to_json())
    staging_store = DeploymentStore(tmp_path, "local", "staging")
    staging_store.finish(staging_store.begin(["tf"], "abc"), "succeeded")
    drift = Drift("terraform", "aws_autoscaling_group.compute_asg", "max_size", "10", "12")
    save_result(
        tmp_path, "local", "staging", "drift", DriftReport("staging", "local", "tf v0001", [drift], []).to_json()
    )

    page = render_report(platform, None, tmp_path, "local", None)

    prod = page[page.index("<h2>prod</h2>") :]
    assert '<td class="bad">rolled-back</td>' in prod and "&lt;smoke&gt;" in prod  # escaped
    assert "0 passed, 1 failed, 0 not emulated" in prod and '<td class="bad">failed</td>' in prod
    staging = page[page.index("<h2>staging</h2>") : page.index("<h2>prod</h2>")]
    assert "Never deployed on this target." in page[page.index("<h2>dev</h2>") : page.index("<h2>staging</h2>")]
    assert "1 drifted setting(s)" in staging and "<td>max_size</td><td>10</td><td>12</td>" in staging
    assert "not run" in page[: page.index("<h2>dev</h2>")]  # parity without synthesized output
    assert "<td>compute.memory_mb</td><td>512</td><td>1024</td><td>2048</td>" in page


def test_each_environment_shows_its_latest_plan_and_what_it_would_lose(
    platform: PlatformConfig, tmp_path: Path
) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    store.finish(store.begin(["cdk"], "abc"), "succeeded")
    was = {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "prod-trading-orders"}}
    renamed = {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "prod-trading-orders-2"}}
    changes = template_changes("prod-trading-data", {"Resources": {"T": was}}, {"Resources": {"T": renamed}})
    plan = Plan("prod", "local", "this checkout (abc)", (AppPlan("cdk", tuple(changes)),))
    save_result(tmp_path, "local", "prod", "plan", to_json(plan))

    prod = render_report(platform, None, tmp_path, "local", None).split("<h2>prod</h2>")[1]

    assert "Latest plan, of this checkout (abc)" in prod
    assert "1 to replace; 1 stateful replacement(s) or removal(s) not allowed" in prod
    assert "<td>replace (data lost)</td><td>prod-trading-data</td><td>prod-trading-orders-2</td>" in prod
    assert "Properties.TableName: prod-trading-orders -&gt; prod-trading-orders-2" in prod


def report_args(tmp_path: Path, output: Path) -> list[str]:
    from tests.conftest import CONFIG_DIR

    return [
        "report",
        "--output",
        str(output),
        "--config-dir",
        str(CONFIG_DIR),
        "--cdk-out",
        str(tmp_path / "no-cdk.out"),
        "--state-dir",
        str(tmp_path / "state"),
    ]


def test_cli_writes_the_page_into_a_new_directory(tmp_path: Path) -> None:
    from tradeinfra.cli import main

    store = DeploymentStore(tmp_path / "state", "local", "prod")  # the cache: no emulator runs here
    store.finish(store.begin(["cdk"], "abc"), "succeeded")
    output = tmp_path / "reports" / "index.html"
    assert main(report_args(tmp_path, output)) == 0
    assert "<h2>prod</h2>" in output.read_text(encoding="utf-8")


def test_nothing_to_report_is_said_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tradeinfra.cli import main

    output = tmp_path / "reports" / "index.html"
    assert main(report_args(tmp_path, output)) == 1
    assert "error: nothing to report on local: no synthesized output" in capsys.readouterr().err
    assert not output.parent.exists()  # nothing written, not even the directory


def test_the_access_section_names_broken_contracts(platform: PlatformConfig, tmp_path: Path) -> None:
    from tradeinfra.access.gate import AccessReport, Row

    broken = Row(
        "order-processor", "prod", "must", ["kms:Decrypt"], ["orders-table-key"], "prod", False, ["<missing grant>"]
    )
    held = Row("validator", "prod", "never", ["lambda:GetFunction"], ["order-processor-function"], "prod", True)
    page = render_report(platform, None, tmp_path, "local", None, AccessReport([held, broken], ["prod"], 2))
    section = page[page.index("<h2>Access contracts</h2>") : page.index("<h2>dev</h2>")]
    assert "1 broken: 1 of 2 rules hold" in section
    assert section.index("order-processor") < section.index("validator")  # broken first
    assert "&lt;missing grant&gt;" in section and "<b>broken</b>" in section
    assert (
        "not run" in render_report(platform, None, tmp_path, "local", None).split("<h2>Access contracts</h2>")[1][:200]
    )
