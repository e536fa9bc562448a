"""No AWS service is admitted without naming the source it acts for
(`aws:SourceAccount`/`aws:SourceArn`): every resource policy and trust
policy of both apps, in every environment and the pipeline. Execution roles
(Lambda, EC2, RDS monitoring) are the documented exception."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infra.tf.conftest import TfSynth
from tradeinfra.cdk.confused_deputy import EXECUTION_ROLE_SERVICES, services_of, unbound_statements

POLICY_PROPERTIES = ("AssumeRolePolicyDocument", "KeyPolicy", "PolicyDocument")


def _cloudformation_policies(cdk_out: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for template in sorted(cdk_out.rglob("*.template.json")):
        for logical_id, resource in json.loads(template.read_text())["Resources"].items():
            for prop in POLICY_PROPERTIES:
                if isinstance(resource.get("Properties", {}).get(prop), dict):
                    yield f"{template.name}/{logical_id}.{prop}", resource["Properties"][prop]


def _terraform_policies(document: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Policies in Terraform JSON: policy-document data sources (as IAM JSON)
    and policies written inline as JSON strings."""
    if isinstance(document, dict):
        if "statement" in document and "aws_iam_policy_document" in where:
            yield where, {"Statement": [_iam_statement(s) for s in document["statement"]]}
            return
        for key, value in document.items():
            yield from _terraform_policies(value, f"{where}/{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _terraform_policies(value, f"{where}/{index}")
    elif isinstance(document, str) and '"Statement"' in document:
        parsed = json.loads(document)
        if isinstance(parsed, dict) and "Statement" in parsed:
            yield where, parsed


def _iam_statement(statement: dict[str, Any]) -> dict[str, Any]:
    principals: dict[str, list[str]] = {}
    for principal in statement.get("principals", []):
        principals.setdefault(principal["type"], []).extend(principal["identifiers"])
    conditions: dict[str, dict[str, Any]] = {}
    for condition in statement.get("condition", []):
        conditions.setdefault(condition["test"], {})[condition["variable"]] = condition["values"]
    return {"Effect": statement.get("effect", "Allow"), "Principal": principals, "Condition": conditions}


def test_every_cloudformation_service_principal_names_its_source(cdk_out: Path) -> None:
    policies = list(_cloudformation_policies(cdk_out))
    admitted = {s for _, p in policies for st in p.get("Statement", []) for s in services_of(st)}
    # the services the review found unbound, among others
    assert {"events.amazonaws.com", "config.amazonaws.com", "codebuild.amazonaws.com"} <= admitted
    unbound = [where for where, policy in policies if unbound_statements(policy)]
    assert unbound == []


@pytest.mark.parametrize("stack", ["web-tier", "state-backend", "ledger"])
def test_every_terraform_service_principal_names_its_source(tf_synth: TfSynth, stack: str) -> None:
    policies = list(_terraform_policies(tf_synth.stack(stack)))
    assert policies  # key, bucket and trust policies
    unbound = [where for where, policy in policies if unbound_statements(policy)]
    assert unbound == []


def test_the_check_finds_an_unbound_service_and_spares_execution_roles() -> None:
    unbound = {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish"}
    bound = {**unbound, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:us-east-1:1:rule/r"}}}
    execution = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    mixed = {**execution, "Principal": {"Service": ["lambda.amazonaws.com", "codebuild.amazonaws.com"]}}
    assert unbound_statements({"Statement": [bound, unbound, execution, mixed]}) == [1, 3]
    assert "lambda.amazonaws.com" in EXECUTION_ROLE_SERVICES
