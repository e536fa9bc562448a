"""Each parity rule on tiny templates: a compliant case and a violating one."""

from __future__ import annotations

from typing import Any

import pytest

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.normalize import Identity, normalize_stack
from tradeinfra.parity.rules import (
    RULES,
    acknowledgments,
    naming,
    outputs,
    property_differs,
    resource_presence,
    variation_value,
)
from tradeinfra.parity.rules import tfvars as tfvars_rule
from tradeinfra.parity.sources import EnvironmentSnapshot
from tradeinfra.synthesized.terraform import TerraformSide
from tradeinfra.tf.variables import variable_specs

ENVS = ("dev", "staging", "prod")
MEMORY = {"dev": 512, "staging": 1024, "prod": 2048}


def template(
    env: str, resources: dict[str, tuple[str, dict[str, Any]]], outputs_: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "Resources": {
            logical_id: {
                "Type": kind,
                "Properties": props,
                "Metadata": {"aws:cdk:path": f"{env}/compute/{logical_id}/Resource"},
            }
            for logical_id, (kind, props) in resources.items()
        },
        "Outputs": outputs_ or {},
    }


def function(env: str, **overrides: Any) -> tuple[str, dict[str, Any]]:
    return "AWS::Lambda::Function", {
        "FunctionName": f"{env}-trading-order-processor", "MemorySize": MEMORY[env], "Timeout": 30, **overrides,
    }  # fmt: skip


def context(
    platform: PlatformConfig,
    build: Any,
    acks: dict[str, set[tuple[str, str]]] | None = None,
    terraform: TerraformSide | None = None,
) -> ParityContext:
    snapshots = {}
    for env in ENVS:
        config = platform.environment(env)
        stack = normalize_stack(build(env), Identity(env, config.account, config.region), "compute",
                                f"{env}-trading-compute", config.security.termination_protection)  # fmt: skip
        snapshots[env] = EnvironmentSnapshot(env, {"compute": stack}, (acks or {}).get(env, set()))
    return ParityContext(platform, snapshots, terraform)


def ids(findings: Any) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(f.rule, f.resource, f.path, f.environments) for f in findings]


def test_every_rule_has_id_severity_and_explanation() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES) == 7
    for rule in RULES:
        assert rule.id.startswith("PAR") and rule.title and len(rule.explanation) > 40


def test_par001_property_differs(platform: PlatformConfig) -> None:
    same = context(platform, lambda env: template(env, {"OrderProcessor": function(env)}))
    assert list(property_differs.check(same)) == []
    odd = context(
        platform, lambda env: template(env, {"OrderProcessor": function(env, Timeout=60 if env == "prod" else 30)})
    )
    assert ids(property_differs.check(odd)) == [("PAR001", "OrderProcessor/Resource", "Properties.Timeout", ("prod",))]


def test_par001_ignores_identity(platform: PlatformConfig) -> None:
    def build(env: str) -> dict[str, Any]:
        config = platform.environment(env)
        arn = f"arn:aws:sqs:{config.region}:{config.account}:{env}-trading-orders"
        return template(env, {"OrderProcessor": function(env, Environment={"Variables": {"QUEUE": arn, "STAGE": env}})})

    assert list(property_differs.check(context(platform, build))) == []


def test_par002_declared_variation_must_hold_config_value(platform: PlatformConfig) -> None:
    right = context(platform, lambda env: template(env, {"OrderProcessor": function(env)}))
    assert list(variation_value.check(right)) == []
    wrong = context(platform, lambda env: template(env, {"OrderProcessor": function(env, MemorySize=1024)}))
    assert {(f.path, f.environments) for f in variation_value.check(wrong)} == {
        ("Properties.MemorySize", ("dev",)),
        ("Properties.MemorySize", ("prod",)),
    }
    assert list(property_differs.check(wrong)) == []  # explained, so not PAR001


def test_par003_resource_presence(platform: PlatformConfig) -> None:
    queue = ("AWS::SQS::Queue", {"QueueName": "x"})
    extra = context(
        platform,
        lambda env: template(env, {"OrderProcessor": function(env), **({"Debug": queue} if env == "prod" else {})}),
    )
    assert ids(resource_presence.check(extra)) == [("PAR003", "Debug/Resource", "(resource)", ("prod",))]
    same = context(platform, lambda env: template(env, {"OrderProcessor": function(env), "Debug": queue}))
    assert list(resource_presence.check(same)) == []


def test_par004_naming(platform: PlatformConfig) -> None:
    good = context(platform, lambda env: template(env, {"OrderProcessor": function(env)}))
    assert list(naming.check(good)) == []
    bad = context(
        platform,
        lambda env: template(
            env,
            {
                "OrderProcessor": function(
                    env, FunctionName="orders-" + env if env == "dev" else f"{env}-trading-order-processor"
                )
            },
        ),
    )
    assert ids(naming.check(bad)) == [("PAR004", "OrderProcessor/Resource", "Properties.FunctionName", ("dev",))]


def test_par005_acknowledgments(platform: PlatformConfig) -> None:
    build = lambda env: template(env, {"OrderProcessor": function(env)})  # noqa: E731
    everywhere = {env: {("AwsSolutions::AwsSolutions-L1", "compute/OrderProcessor/Resource")} for env in ENVS}
    assert list(acknowledgments.check(context(platform, build, everywhere))) == []
    prod_only = {"prod": {("AwsSolutions::AwsSolutions-L1", "compute/OrderProcessor/Resource")}}
    assert ids(acknowledgments.check(context(platform, build, prod_only))) == [
        ("PAR005", "OrderProcessor/Resource", "AwsSolutions::AwsSolutions-L1", ("prod",))
    ]
    # PITR acknowledgments follow data.point_in_time_recovery, a declared variation
    pitr = {env: {("AwsSolutions::AwsSolutions-DDB3", "data/OrdersTable/Resource")} for env in ("dev", "staging")}
    assert list(acknowledgments.check(context(platform, build, pitr))) == []


def test_par006_outputs(platform: PlatformConfig) -> None:
    same = context(
        platform,
        lambda env: template(
            env, {"OrderProcessor": function(env)}, {"FunctionName": {"Value": {"Ref": "OrderProcessor"}}}
        ),
    )
    assert list(outputs.check(same)) == []
    missing = context(
        platform,
        lambda env: template(
            env, {"OrderProcessor": function(env)}, {} if env == "dev" else {"FunctionName": {"Value": "x"}}
        ),
    )
    assert ids(outputs.check(missing)) == [("PAR006", "(output) FunctionName", "(presence)", ("dev",))]


@pytest.fixture
def terraform_side(platform: PlatformConfig) -> TerraformSide:
    specs = variable_specs(platform)
    values = {env: {s.name: s.value(platform.environment(env)) for s in specs} for env in ENVS}
    lines = {env: {s.name: n for n, s in enumerate(specs, 1)} for env in ENVS}
    return TerraformSide({s.name: {} for s in specs}, values, lines)


def test_par007_tfvars(platform: PlatformConfig, terraform_side: TerraformSide) -> None:
    build = lambda env: template(env, {"OrderProcessor": function(env)})  # noqa: E731
    assert list(tfvars_rule.check(context(platform, build, terraform=terraform_side))) == []
    terraform_side.tfvars["prod"]["asg_max_size"] = 20
    terraform_side.tfvars["dev"]["extra_knob"] = 1
    terraform_side.tfvars_lines["dev"]["extra_knob"] = 99
    found = {
        (f.resource, f.environments) for f in tfvars_rule.check(context(platform, build, terraform=terraform_side))
    }
    assert found == {("var.asg_max_size", ("prod",)), ("var.extra_knob", ("dev",))}


def test_identity_scrub() -> None:
    identity = Identity("prod", "333333333333", "us-east-1")
    assert identity.scrub("arn:aws:s3:::prod-trading-trade-data-333333333333-us-east-1") == (
        "arn:aws:s3:::<env>-trading-trade-data-<account>-<region>"
    )
    assert identity.scrub("/trading/prod/runtime/") == "/trading/<env>/runtime/"
    assert identity.scrub("product-prodigy") == "product-prodigy"  # only whole words
    assert identity.scrub("proddataOrdersTableReadScalingAB12CD34", "data") == "<env>dataOrdersTableReadScaling<id>"
    assert identity.scrub("0" * 64 + ".zip") == "<hash>.zip"
