"""Stacks of one environment reference each other through Parameter Store
only: no CloudFormation import links them, every reference names a parameter
its producer writes, and the producer is deployed first."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from tests.infra.cdk.conftest import Assembly
from tests.infra.synthesized_copy import Output, Template
from tradeinfra.cdk.app import build_app
from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.environment import TradingEnvironment
from tradeinfra.config import references
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.deploy import DeployError, check_references
from tradeinfra.synthesized.references import template_references

ENVS = ("dev", "staging", "prod")


def imports_in(value: Any) -> list[Any]:
    if isinstance(value, dict):
        found = [value["Fn::ImportValue"]] if "Fn::ImportValue" in value else []
        return found + [item for child in value.values() for item in imports_in(child)]
    if isinstance(value, list):
        return [item for child in value for item in imports_in(child)]
    return []


@pytest.mark.parametrize("env", ENVS)
def test_no_stack_imports_another_stacks_export(assembly: Assembly, env: str) -> None:
    for stack in assembly[env].values():
        assert imports_in(stack.template) == [], stack.stack_name


@pytest.mark.parametrize("env", ENVS)
def test_every_reference_names_a_parameter_its_producer_writes_and_follows_it(assembly: Assembly, env: str) -> None:
    stacks = assembly[env]
    found = template_references(env, stacks)
    by_name = {stack.stack_name: stack for stack in stacks.values()}
    published = {p.parameter(env): p for p in references.PUBLISHED}
    assert len(found) >= 14  # compute reads 11 values, monitoring 2, api 1
    for reference in found:
        assert reference.parameter in published, f"{reference.consumer} reads {reference.parameter}, not in the catalog"
        expected_producer = by_name[reference.consumer].stack_name.replace(
            by_name[reference.consumer].construct_id, published[reference.parameter].component
        )
        assert reference.producer == expected_producer, reference
        assert reference.producer != reference.consumer
        # deployed after its producer, destroyed before it
        assert reference.producer in by_name[reference.consumer].depends_on, reference


@pytest.mark.parametrize("env", ENVS)
def test_each_catalog_value_is_written_by_its_component_only(assembly: Assembly, env: str) -> None:
    written = {
        resource["Properties"]["Name"]: stack.construct_id
        for stack in assembly[env].values()
        for resource in stack.resources("AWS::SSM::Parameter").values()
        if str(resource["Properties"]["Name"]).startswith(f"/trading/{env}/")
        and "/runtime/" not in str(resource["Properties"]["Name"])
    }
    assert written == {p.parameter(env): p.component for p in references.PUBLISHED}


def test_the_compute_stack_reads_exactly_what_it_uses(assembly: Assembly) -> None:
    reads = {r.parameter for r in template_references("prod", assembly["prod"]) if r.consumer == "prod-trading-compute"}
    assert reads == {
        p.parameter("prod")
        for p in (
            references.VPC_ID,
            references.PRIVATE_SUBNET_IDS,
            references.ISOLATED_SUBNET_IDS,
            references.TABLE_NAME,
            references.TABLE_ARN,
            references.TABLE_KEY_ARN,
            references.QUEUE_ARN,
            references.QUEUE_URL,
            references.QUEUE_KEY_ARN,
            references.DLQ_ARN,
            references.ALARM_TOPIC_ARN,
        )
    }


def test_a_replaced_producer_resource_leaves_its_consumers_unchanged(
    platform: PlatformConfig, assembly: Assembly, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With exports, replacing the orders queue changed the export compute
    imports, and CloudFormation refuses to change an export in use: the
    messaging stack could not be deployed before compute stopped importing
    it. Through Parameter Store the consumer's template does not change at
    all; the new value reaches it when it is deployed after its producer."""
    # Without the exports kept for the previous release's consumers (they pin the queue's logical ID).
    monkeypatch.setattr(TradingStack, "retire_exports", lambda self, *values: None)
    app = build_app(platform, ["dev"])
    stage = app.node.find_child("dev")
    assert isinstance(stage, TradingEnvironment)
    queue = stage.messaging.queue.node.default_child
    assert isinstance(queue, cdk.CfnResource)
    queue.override_logical_id("OrdersQueueReplacement")  # a new logical ID: CloudFormation replaces the queue
    synthesized = app.synth().get_nested_assembly("assembly-dev")

    def template(construct_id: str) -> dict[str, Any]:
        stack = synthesized.get_stack_by_name(f"dev-trading-{construct_id}")
        return json.loads(json.dumps(stack.template))

    assert "OrdersQueueReplacement" in template("messaging")["Resources"]
    compute, before = template("compute"), assembly["dev"]["compute"].template
    assert (compute["Resources"], compute["Parameters"]) == (before["Resources"], before["Parameters"])


def test_a_release_that_drops_a_producer_a_consumer_still_reads_is_refused(output: Output) -> None:
    check_references(output.cdk, "dev")  # the release as synthesized

    def read_an_unpublished_value(template: Template) -> None:
        template["Parameters"]["MessagingQueueArn"]["Default"] = "/trading/dev/messaging/retired-queue-arn"

    output.edit("dev", "compute", read_an_unpublished_value)
    with pytest.raises(DeployError, match="dev-trading-compute reads /trading/dev/messaging/retired-queue-arn"):
        check_references(output.cdk, "dev")


def test_a_consumer_not_ordered_after_its_producer_is_refused(output: Output) -> None:
    def forget_dependencies(manifest: dict[str, Any]) -> None:
        for artifact in manifest["artifacts"].values():
            if artifact.get("displayName", "").split(" ")[0] == "dev/api":
                artifact["dependencies"] = [d for d in artifact["dependencies"] if "compute" not in d]

    output.edit_manifest("dev", forget_dependencies)
    with pytest.raises(DeployError, match="dev-trading-compute writes, but is not deployed first"):
        check_references(output.cdk, "dev")
