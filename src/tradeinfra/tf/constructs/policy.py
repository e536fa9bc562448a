"""IAM policies in the web tier and the state backend as
`aws_iam_policy_document` data sources, written as IAM JSON statements.

A policy document keeps every statement structured in the Terraform JSON
(not a `jsonencode(...)` expression string), so the access gate reads it as
data and the provider renders it, offline, at plan time.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from tradeinfra.tf.aws import data_aws_iam_policy_document as doc


def policy_document(scope: Construct, construct_id: str, statements: list[dict[str, Any]]) -> str:
    """The rendered JSON of a policy with `statements` (IAM JSON form)."""
    return doc.DataAwsIamPolicyDocument(
        scope, construct_id, statement=[_statement(statement) for statement in statements]
    ).json


def _statement(statement: dict[str, Any]) -> doc.DataAwsIamPolicyDocumentStatement:
    principal = statement.get("Principal")
    if principal == "*":  # anyone: the data source spells it type "*"
        principal = {"*": ["*"]}
    return doc.DataAwsIamPolicyDocumentStatement(
        sid=statement.get("Sid"),
        effect=statement.get("Effect", "Allow"),
        actions=_list(statement.get("Action")),
        resources=_list(statement.get("Resource")),
        principals=[
            doc.DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=_list(ids) or [])
            for kind, ids in (principal or {}).items()
        ]
        or None,
        condition=[
            doc.DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=_list(values) or [])
            for test, variables in statement.get("Condition", {}).items()
            for variable, values in variables.items()
        ]
        or None,
    )


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]
