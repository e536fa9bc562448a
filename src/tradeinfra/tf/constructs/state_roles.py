"""The roles through which an environment reaches its web-tier state in the
tooling account's backend: the state access role (its deployer: state,
locks, ledger) and the state reader role (its plans: state, read only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from tradeinfra.config.models import TerraformStateConfig
from tradeinfra.config.naming import state_access_role_name, state_key, state_reader_role_name
from tradeinfra.tf.aws import iam_role, iam_role_policy
from tradeinfra.tf.constructs.policy import policy_document


@dataclass(frozen=True)
class StateBackend:
    """The backend's resources, by ARN, and its settings."""

    state: TerraformStateConfig
    bucket: str
    table: str
    key: str

    def workspace(self, environment: str) -> str:
        """The prefix of `environment`'s workspace: `env/<env>/`."""
        return state_key(self.state.workspace_key_prefix, environment, "")

    def listing_workspaces(self, environment: str) -> dict[str, Any]:
        return {
            "Sid": "ListWorkspaces",
            "Action": "s3:ListBucket",
            "Resource": self.bucket,
            # The backend lists `<prefix>/` to find workspaces.
            "Condition": {
                "StringLike": {"s3:prefix": [f"{self.state.workspace_key_prefix}/", f"{self.workspace(environment)}*"]}
            },
        }


@dataclass(frozen=True)
class Ledger:
    """The deployment ledger's resources a state access role reaches, by ARN."""

    table: str
    bucket: str
    keys: str
    alias: str


class StateAccessRole(Construct):
    """The role `environment`'s deployer assumes in the tooling account: for
    `terraform init/plan/apply`, read and write that workspace's state object
    and lock file, take its locks, use the state key; for the ledger, its own
    environment's entries and artifacts. Other environments stay out of reach."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: str,
        account: str,
        backend: StateBackend,
        ledger: Ledger,
    ) -> None:
        super().__init__(scope, construct_id)
        workspace = backend.workspace(environment)
        _environment_role(
            self,
            account=account,
            why="EnvironmentAccountDeploysItsWebTier",
            name=state_access_role_name(environment),
            description=f"Terraform state of the {environment} web tier: its workspace only",
            policy_name="own-workspace-state",
            statements=[
                backend.listing_workspaces(environment),
                {
                    "Sid": "ReadWriteOwnState",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": f"{backend.bucket}/{workspace}*",
                },
                {
                    "Sid": "InitReadsTheDefaultWorkspace",
                    "Action": "s3:GetObject",
                    "Resource": f"{backend.bucket}/{backend.state.key}",
                },
                {
                    "Sid": "ReleaseOwnLockFile",
                    "Action": "s3:DeleteObject",
                    "Resource": f"{backend.bucket}/{workspace}{backend.state.key}.tflock",
                },
                {
                    "Sid": "LockOwnState",
                    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
                    "Resource": backend.table,
                    # Lock IDs are `<bucket>/<state key>` and `<bucket>/<state key>-md5`.
                    "Condition": {
                        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"{backend.state.bucket}/{workspace}*"]}
                    },
                },
                {
                    "Sid": "OwnLedgerEntries",
                    "Action": [
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:Query",
                    ],
                    "Resource": ledger.table,
                    # The ledger's partition key is the environment.
                    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [environment]}},
                },
                {
                    "Sid": "OwnLedgerArtifacts",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": f"{ledger.bucket}/deployments/{environment}/*",
                },
                {
                    "Sid": "UseLedgerKey",
                    "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    "Resource": ledger.keys,
                    # The ledger's key is created by the ledger stack: named by its alias.
                    "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [ledger.alias]}},
                },
                {
                    "Sid": "UseStateKey",
                    "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    "Resource": backend.key,
                },
            ],
        )


class StateReadRole(Construct):
    """The role `environment`'s plans assume in the tooling account: read that
    workspace's state, decrypt it, list the workspaces; no lock, no write, no
    ledger. `terraform plan -lock=false` needs no more, so the pipeline's plan
    before an approval runs as the read-only validator, never as a deployer."""

    def __init__(
        self, scope: Construct, construct_id: str, *, environment: str, account: str, backend: StateBackend
    ) -> None:
        super().__init__(scope, construct_id)
        workspace = backend.workspace(environment)
        _environment_role(
            self,
            account=account,
            why="EnvironmentAccountPlansItsWebTier",
            name=state_reader_role_name(environment),
            description=f"Terraform state of the {environment} web tier, read only: its plans",
            policy_name="own-workspace-state-read-only",
            statements=[
                backend.listing_workspaces(environment),
                {
                    "Sid": "ReadOwnState",
                    "Action": "s3:GetObject",
                    "Resource": [
                        f"{backend.bucket}/{workspace}{backend.state.key}",
                        f"{backend.bucket}/{backend.state.key}",
                    ],
                },
                {
                    "Sid": "CheckOwnStateDigest",
                    "Action": "dynamodb:GetItem",
                    "Resource": backend.table,
                    # The digest Terraform compares the state with: `<bucket>/<state key>-md5`.
                    "Condition": {
                        "ForAllValues:StringEquals": {
                            "dynamodb:LeadingKeys": [f"{backend.state.bucket}/{workspace}{backend.state.key}-md5"]
                        }
                    },
                },
                {"Sid": "DecryptState", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": backend.key},
            ],
        )


def _environment_role(
    scope: Construct,
    *,
    account: str,
    why: str,
    name: str,
    description: str,
    policy_name: str,
    statements: list[dict[str, Any]],
) -> None:
    """A role in the tooling account that `account` (an environment's) may assume."""
    trust = policy_document(
        scope,
        "trust",
        [
            {
                "Sid": why,
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    )
    role = iam_role.IamRole(
        scope, "role", name=name, description=description, assume_role_policy=trust, max_session_duration=3600
    )
    iam_role_policy.IamRolePolicy(
        scope, "policy", name=policy_name, role=role.id, policy=policy_document(scope, "permissions", statements)
    )
