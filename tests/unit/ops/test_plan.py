"""What a plan calls a change, and when the guard stops a deployment: from
templates and Terraform plans written here, no target needed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tradeinfra.config.replacements import ReviewedReplacement
from tradeinfra.ops.plan.formatters import to_html, to_json, to_markdown
from tradeinfra.ops.plan.model import Action, AppPlan, Plan, refusal
from tradeinfra.ops.plan.preview import StatefulChangeError, allowances_recorded, guard
from tradeinfra.ops.plan.stacks import template_changes
from tradeinfra.ops.plan.stateful import CLOUDFORMATION, TERRAFORM
from tradeinfra.ops.plan.web_tier import configured_resources, plan_changes


def _table(**properties: Any) -> dict[str, Any]:
    base = {"TableName": "dev-trading-orders", "KeySchema": [{"AttributeName": "orderId", "KeyType": "HASH"}]}
    return {"Type": "AWS::DynamoDB::Table", "Properties": {**base, **properties}, "DeletionPolicy": "Retain"}


def _template(**resources: Any) -> dict[str, Any]:
    return {"Resources": resources}


def test_a_renamed_table_is_replaced_and_loses_data() -> None:
    (change,) = template_changes(
        "dev-trading-data", _template(Orders=_table()), _template(Orders=_table(TableName="dev-trading-orders-2"))
    )
    assert (change.action, change.physical_name, change.loses_data) == (Action.REPLACE, "dev-trading-orders-2", True)
    (prop,) = change.properties
    assert (prop.path, prop.before, prop.after, prop.replaces) == (
        "Properties.TableName",
        "dev-trading-orders",
        "dev-trading-orders-2",
        True,
    )


def test_a_new_key_schema_replaces_the_table_and_capacity_only_modifies_it() -> None:
    key = [{"AttributeName": "id", "KeyType": "HASH"}]
    (replaced,) = template_changes("s", _template(T=_table()), _template(T=_table(KeySchema=key)))
    assert replaced.action is Action.REPLACE
    capacity = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    (modified,) = template_changes("s", _template(T=_table()), _template(T=_table(ProvisionedThroughput=capacity)))
    assert (modified.action, modified.loses_data) == (Action.MODIFY, False)
    assert {p.path for p in modified.properties} == {"Properties.ProvisionedThroughput"}  # set where it was not


def test_added_removed_unchanged_and_retention_policy_changes() -> None:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}
    changes = template_changes(
        "s",
        _template(T=_table(), Q=queue),
        _template(T={**_table(), "DeletionPolicy": "Delete"}, P={"Type": "AWS::SSM::Parameter", "Properties": {}}),
    )
    found = {(c.address, c.action, c.loses_data) for c in changes}
    assert found == {("T", Action.MODIFY, False), ("Q", Action.REMOVE, True), ("P", Action.ADD, False)}
    (policy,) = next(c for c in changes if c.address == "T").properties
    assert (policy.path, policy.before, policy.after) == ("DeletionPolicy", "Retain", "Delete")
    assert template_changes("s", _template(T=_table()), _template(T=_table())) == []


def _resource_change(address: str, kind: str, actions: list[str], **change: Any) -> dict[str, Any]:
    return {"address": address, "type": kind, "change": {"actions": actions, **change}}


def test_terraform_actions_replace_paths_and_volatile_attributes() -> None:
    plan = {
        "resource_changes": [
            _resource_change(
                "aws_db_instance.db",
                "aws_db_instance",
                ["delete", "create"],
                before={"identifier": "rds-dev-d4e1", "username": "a"},
                after={"identifier": "rds-dev-d4e1", "username": "b", "arn": None},
                after_unknown={"arn": True},
                replace_paths=[["username"]],
            ),
            _resource_change(
                "aws_autoscaling_group.asg",
                "aws_autoscaling_group",
                ["update"],
                before={"name": "asg", "max_size": 2},
                after={"name": "asg", "max_size": 3},
            ),
            _resource_change(
                "aws_db_instance.other",
                "aws_db_instance",
                ["update"],
                before={"latest_restorable_time": "1"},
                after={"latest_restorable_time": "2"},
            ),
            _resource_change("aws_s3_bucket.b", "aws_s3_bucket", ["no-op"]),
            _resource_change("data.aws_vpc.v", "aws_vpc", ["read"]),
        ]
    }
    database, group = plan_changes(plan, "web-tier/dev")
    assert (database.action, database.physical_name, database.loses_data) == (Action.REPLACE, "rds-dev-d4e1", True)
    assert {(p.path, p.before, p.after, p.replaces) for p in database.properties} == {
        ("username", "a", "b", True),
        ("arn", "none", "(known after apply)", False),
    }
    assert (group.action, [(p.path, p.before, p.after) for p in group.properties]) == (
        Action.MODIFY,
        [("max_size", "2", "3")],
    )


def test_a_configuration_with_no_state_adds_every_resource() -> None:
    configuration = {
        "resource": {"aws_s3_bucket": {"b": {"bucket": "web-${var.environment}"}}, "aws_lb": {"l": {"name": "alb"}}}
    }
    added = configured_resources(configuration, "web-tier/prod")
    assert [(c.address, c.action, c.physical_name, c.stateful) for c in added] == [
        ("aws_lb.l", Action.ADD, "alb", False),
        ("aws_s3_bucket.b", Action.ADD, "", True),
    ]


def _plan(allowed: set[str] = frozenset()) -> Plan:  # type: ignore[assignment]
    renamed = template_changes("dev-trading-data", _template(T=_table()), _template(T=_table(TableName="x")))
    return Plan("dev", "local", "this checkout", (AppPlan("cdk", tuple(renamed)),), frozenset(allowed))


def test_the_guard_refuses_until_the_resource_is_named_by_any_of_its_names() -> None:
    with pytest.raises(StatefulChangeError) as refused:
        guard(_plan())
    assert "--allow-replace x" in str(refused.value) and "AWS::DynamoDB::Table" in str(refused.value)
    assert refusal(_plan()).startswith("dev: 1 stateful resource(s) would be replaced or removed")
    for name in ("x", "T", "dev-trading-data/T"):
        guard(_plan({name}))  # allowed: passes
        assert len(_plan({name}).acknowledged) == 1
    assert _plan({"typo", "x"}).unused_allowances == ["typo"]


def _reviewed(change: str, resource: str = "x", environment: str = "dev") -> ReviewedReplacement:
    return ReviewedReplacement(environment=environment, resource=resource, change=change, reason="orders moved: RB-1")


def test_a_reviewed_replacement_allows_exactly_the_change_it_names() -> None:
    planned = _plan()
    (finding,) = planned.findings
    assert len(finding.fingerprint) == 12 and finding.fingerprint in refusal(planned)
    assert "config/replacements.yaml" in refusal(planned)
    reviewed = replace(planned, reviewed=(_reviewed(finding.fingerprint),))
    guard(reviewed)  # allowed: passes
    assert reviewed.acknowledgment(finding) == "reviewed: orders moved: RB-1" and reviewed.unused_reviews == []
    # The same resource renamed to something else is another change: refused again.
    other = template_changes("dev-trading-data", _template(T=_table()), _template(T=_table(TableName="y")))
    elsewhere = Plan(
        "dev", "local", "", (AppPlan("cdk", tuple(other)),), reviewed=(_reviewed(finding.fingerprint, "y"),)
    )
    assert other[0].fingerprint != finding.fingerprint
    with pytest.raises(StatefulChangeError, match=other[0].fingerprint):
        guard(elsewhere)
    assert elsewhere.unused_reviews == list(elsewhere.reviewed)
    # The fingerprint alone is not enough: the entry must name the resource too.
    assert replace(planned, reviewed=(_reviewed(finding.fingerprint, "orders"),)).findings == [finding]


def test_the_fingerprint_follows_every_value_of_the_change() -> None:
    (change,) = _plan().findings
    assert change.fingerprint == _plan().findings[0].fingerprint  # the same change, planned again
    (prop,) = change.properties
    for changed in (
        replace(change, container="prod-trading-data"),
        replace(change, properties=(replace(prop, before="dev-trading-orders-old"),)),
        replace(change, properties=(replace(prop, after="z"),)),
        replace(change, action=Action.REMOVE),
    ):
        assert changed.fingerprint != change.fingerprint


def test_a_version_records_the_reviewed_replacements_of_its_environment(tmp_path: Path) -> None:
    from tests.conftest import CONFIG_DIR
    from tradeinfra.config.loader import load_platform

    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    (config / "replacements.yaml").write_text(
        "allowed:\n"
        "  - {environment: prod, resource: prod-trading-orders, change: 0123456789ab, reason: key schema RB-7}\n"
    )
    platform = load_platform(config)
    assert allowances_recorded(platform, "prod", ["rds-prod-a1"]) == [
        "rds-prod-a1",
        "prod-trading-orders (reviewed change 0123456789ab: key schema RB-7)",
    ]
    assert allowances_recorded(platform, "dev", []) == []


def test_formats_show_the_finding_and_escape_values() -> None:
    plan = _plan()
    assert to_json(plan)["counts"] == {"add": 0, "modify": 0, "replace": 1, "remove": 0}
    assert to_json(plan)["findings"][0]["loses_data"] is True
    assert to_json(plan)["findings"][0]["change"] == plan.findings[0].fingerprint
    assert f"(change `{plan.findings[0].fingerprint}`)" in to_markdown(plan)
    markdown = to_markdown(plan)
    assert "**Stateful, data lost:** x (T): replace because of Properties.TableName" in markdown
    assert (
        "| replace | dev-trading-data | x (T) | AWS::DynamoDB::Table | `Properties.TableName` (replaces) |" in markdown
    )
    escaped = Plan("<dev>", "local", "<b>", ())
    assert "<dev>" not in to_html(escaped) and "&lt;dev&gt;" in to_html(escaped)


def test_both_engines_protect_the_same_kinds_of_data() -> None:
    assert sorted(CLOUDFORMATION.values()) == sorted(TERRAFORM.values())


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["--env", "dev", "--app", "tf", "--cdk-out", "cdk.out"],
            "--cdk-out cdk.out: a cloud assembly holds the CDK app only",
        ),
        (["--promote", "--from", "dev"], "--promote: name both environments"),
        (["--from", "dev", "--to", "staging"], "--from/--to: only with --promote"),
        ([], "--env: name the environment to plan"),
    ],
)
def test_plan_options_that_do_not_fit_are_one_clear_error(
    arguments: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradeinfra.cli import main

    assert main(["plan", *arguments]) == 1
    assert expected in " ".join(capsys.readouterr().err.split())


def test_plan_exits_2_naming_a_stateful_replacement_and_keeps_the_result_for_the_report(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tradeinfra.cli import main
    from tradeinfra.ops import targets
    from tradeinfra.ops.plan import preview as previews
    from tradeinfra.ops.results import load_result

    monkeypatch.setattr(targets, "resolve_target", lambda *_: None)  # no emulator: preview is replaced
    monkeypatch.setattr(previews, "preview", lambda *_, **__: _plan())
    state = tmp_path / "state"
    assert main(["plan", "--env", "dev", "--format", "markdown", "--state-dir", str(state)]) == 2
    shown = capsys.readouterr()
    assert "**Stateful, data lost:** x (T): replace because of Properties.TableName" in shown.out
    assert "1 stateful resource(s) would be replaced or removed" in " ".join(shown.err.split())
    saved = load_result(state, "local", "dev", "plan")
    assert saved is not None and saved["findings"][0]["address"] == "T"

    monkeypatch.setattr(previews, "preview", lambda *_, **__: _plan({"x"}))
    assert main(["plan", "--env", "dev", "--allow-replace", "x", "--state-dir", str(state)]) == 0


def test_a_missing_or_unreadable_service_specification_is_one_clear_error(tmp_path: Path) -> None:
    from tradeinfra.ops.plan.service_spec import ServiceSpecError, replacing_properties

    with pytest.raises(ServiceSpecError, match="not found: run 'make setup'"):
        replacing_properties("AWS::DynamoDB::Table", tmp_path / "db.json.gz")
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(ServiceSpecError, match="unreadable AWS service specification"):
        replacing_properties("AWS::DynamoDB::Table", broken)
    assert "KeySchema" in replacing_properties("AWS::DynamoDB::Table")  # the pinned one
