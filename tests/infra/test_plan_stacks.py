"""The CDK part of a plan over the real synthesized app, against a fake
CloudFormation that serves chosen templates: a fresh environment adds every
resource; a deployed one changes only what differs; on the emulator a change
to a resource it never created is said to be planned from templates alone."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.infra.cdk.conftest import Assembly
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.plan.model import Action
from tradeinfra.ops.plan.stacks import plan_stacks


class FakeCloudFormation:
    """Deployed stacks: name -> (template, logical IDs the target created)."""

    def __init__(self, deployed: dict[str, tuple[dict[str, Any], set[str]]]) -> None:
        self.deployed = deployed

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Pages:
            def paginate(self, **arguments: Any) -> Iterator[dict[str, Any]]:
                if operation == "describe_stacks":
                    yield {"Stacks": [{"StackName": n, "StackStatus": "UPDATE_COMPLETE"} for n in fake.deployed]}
                else:
                    _, created = fake.deployed[arguments["StackName"]]
                    yield {
                        "StackResourceSummaries": [
                            {"LogicalResourceId": logical, "PhysicalResourceId": f"physical-{logical}"}
                            for logical in created
                        ]
                    }

        return Pages()

    def get_template(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's argument name)
        return {"TemplateBody": json.dumps(self.deployed[StackName][0])}


class FakeTarget:
    def __init__(self, cloudformation: FakeCloudFormation, is_local: bool = True) -> None:
        self.cloudformation, self.is_local = cloudformation, is_local

    def client(self, service: str, env: Any) -> Any:
        assert service in ("cloudformation", "ssm")  # Parameter Store: read only for stacks that have references
        return self.cloudformation if service == "cloudformation" else None


def test_a_fresh_environment_adds_every_resource_of_every_stack(
    platform: PlatformConfig, cdk_out: Path, assembly: Assembly
) -> None:
    plan = plan_stacks(cdk_out, platform.environment("prod"), FakeTarget(FakeCloudFormation({})))  # type: ignore[arg-type]
    expected = {(s.stack_name, logical) for s in assembly["prod"].values() for logical in s.template["Resources"]}
    assert {(c.container, c.address) for c in plan.changes} == expected
    assert {c.action for c in plan.changes} == {Action.ADD} and plan.caveat == ""


def test_a_deployed_environment_changes_only_what_differs_and_says_what_the_emulator_never_made(
    platform: PlatformConfig, cdk_out: Path, assembly: Assembly
) -> None:
    stacks = {s.stack_name: s.template for s in assembly["dev"].values()}
    monitoring = copy.deepcopy(stacks["dev-trading-monitoring"])
    alarm = next(k for k, r in monitoring["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm")
    monitoring["Resources"][alarm]["Properties"]["EvaluationPeriods"] = 99  # what runs differs from this checkout
    deployed = {name: (template, set(template["Resources"])) for name, template in stacks.items()}
    deployed["dev-trading-monitoring"] = (monitoring, set(monitoring["Resources"]) - {alarm})  # never created
    env = platform.environment("dev")

    plan = plan_stacks(cdk_out, env, FakeTarget(FakeCloudFormation(deployed)))  # type: ignore[arg-type]
    (change,) = plan.changes
    assert (change.container, change.address, change.action) == ("dev-trading-monitoring", alarm, Action.MODIFY)
    assert [(p.path, p.before) for p in change.properties] == [("Properties.EvaluationPeriods", "99")]
    assert plan.caveat.startswith("not emulated: the emulator never created resources of AWS::CloudWatch::Alarm")

    on_aws = plan_stacks(cdk_out, env, FakeTarget(FakeCloudFormation(deployed), is_local=False))  # type: ignore[arg-type]
    assert on_aws.caveat == "" and on_aws.changes == plan.changes
