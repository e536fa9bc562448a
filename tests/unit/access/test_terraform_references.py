"""Terraform references in the web tier and state backend resolve per
environment; an expression the resolver does not know is an error."""

from __future__ import annotations

import json

import pytest

from tradeinfra.access.intrinsics import UnresolvedReferenceError
from tradeinfra.access.terraform import TerraformResolver, scope_from_terraform

DOCUMENT = {
    "data": {
        "aws_iam_policy_document": {
            "trust": {
                "statement": [
                    {
                        "actions": ["sts:AssumeRole"],
                        "principals": [{"type": "Service", "identifiers": ["ec2.amazonaws.com"]}],
                    }
                ]
            },
            "read": {
                "statement": [
                    {
                        "sid": "ReadApp",
                        "actions": ["s3:GetObject"],
                        "resources": ["${aws_s3_bucket.bucket.arn}/app/*"],
                        "condition": [{"test": "StringLike", "variable": "s3:prefix", "values": ["app/*"]}],
                    }
                ]
            },
        }
    },
    "resource": {
        "aws_s3_bucket": {"bucket": {"bucket": "web-${var.environment}-${var.suffix}"}},
        "aws_s3_bucket_policy": {"logs": {"count": "${var.logs ? 1 : 0}", "bucket": "x", "policy": "{}"}},
        "aws_iam_role": {
            "role": {
                "//": {"metadata": {"path": "web-tier/compute/role"}},
                "name": "role-web-${var.environment}",
                "assume_role_policy": "${data.aws_iam_policy_document.trust.json}",
            }
        },
        "aws_iam_role_policy": {
            "read": {"role": "${aws_iam_role.role.id}", "policy": "${data.aws_iam_policy_document.read.json}"}
        },
    },
}
VARIABLES = {"environment": "prod", "suffix": "p9m3", "logs": False}


def test_variables_and_attributes_resolve_to_concrete_names() -> None:
    resolver = TerraformResolver(DOCUMENT, VARIABLES, "333333333333", "us-east-1")
    assert resolver.resolve("${aws_s3_bucket.bucket.arn}", "t") == "arn:aws:s3:::web-prod-p9m3"
    assert resolver.resolve("${aws_iam_role.role.arn}", "t") == "arn:aws:iam::333333333333:role/role-web-prod"


def test_policy_documents_render_as_iam_json() -> None:
    resolver = TerraformResolver(DOCUMENT, VARIABLES, "333333333333", "us-east-1")
    rendered = json.loads(resolver.resolve("${data.aws_iam_policy_document.read.json}", "t"))
    assert rendered["Statement"] == [
        {
            "Effect": "Allow",
            "Sid": "ReadApp",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::web-prod-p9m3/app/*"],
            "Condition": {"StringLike": {"s3:prefix": ["app/*"]}},
        }
    ]


def test_a_role_gets_its_trust_and_attached_policies() -> None:
    scope = scope_from_terraform("prod", "333333333333", "us-east-1", DOCUMENT, VARIABLES)
    assert scope.problems == []
    role = scope.roles["web-tier/compute/role"]
    assert role.arn == "arn:aws:iam::333333333333:role/role-web-prod"
    assert role.trust is not None and role.trust.document["Statement"][0]["Principal"] == {
        "Service": ["ec2.amazonaws.com"]
    }
    assert [p.document["Statement"][0]["Sid"] for p in role.identity_policies] == ["ReadApp"]


def test_a_resource_switched_off_by_count_is_not_there() -> None:
    scope = scope_from_terraform("prod", "333333333333", "us-east-1", DOCUMENT, VARIABLES)
    assert "arn:aws:s3:::x" not in scope.policies


@pytest.mark.parametrize(
    "expression", ["${jsonencode({a = 1})}", "${var.missing}", "${aws_kms_key.nothing.arn}", "${aws_sqs_queue.x.arn}"]
)
def test_unknown_expressions_are_errors(expression: str) -> None:
    resolver = TerraformResolver({"resource": {"aws_lb": {"x": {}}}}, VARIABLES, "333333333333", "us-east-1")
    with pytest.raises(UnresolvedReferenceError):
        resolver.resolve(expression, "web-tier/x")
