"""Where a command acts: the local emulator (default) or real AWS.

For the emulator, each environment's account is reached by assuming a role
in it (moto keeps accounts apart by the credentials' account), and every AWS
SDK and the CDK CLI are pointed at the emulator's endpoint through the
standard AWS_ENDPOINT_URL variables. For AWS, the caller's own credentials
and configuration are used unchanged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.emulator.process import LOCAL_CREDENTIALS, Emulator
from tradeinfra.errors import TradeinfraError

LOCAL_ROLE = "tradeinfra-local"
# A role to act as in the environment's account (the delivery pipeline sets
# it to the web-tier deployer or the read-only validator role); unset: the
# caller's own credentials on AWS, the emulator's stand-in role locally.
ASSUME_ROLE_VARIABLE = "TRADEINFRA_ASSUME_ROLE_ARN"


class TargetKind(StrEnum):
    local = "local"
    aws = "aws"


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    endpoint: str | None = None  # the emulator's, for local

    @property
    def is_local(self) -> bool:
        return self.kind is TargetKind.local

    def process_environment(self, environment: EnvironmentConfig) -> dict[str, str]:
        """Environment variables for tools acting on `environment`."""
        return self.account_environment(environment.account, environment.region)

    def account_environment(self, account: str, region: str) -> dict[str, str]:
        """Environment variables for tools acting in `account` and `region`."""
        base = {**os.environ, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
        if not self.is_local:
            role = os.environ.get(ASSUME_ROLE_VARIABLE)
            return {**base, **_assumed(role, region)} if role else base
        assert self.endpoint is not None
        credentials = self._local_credentials(account)
        return {
            **base,
            **credentials,
            "AWS_ENDPOINT_URL": self.endpoint,
            # The CDK CLI hands CloudFormation a template URL; moto resolves
            # it as S3 only for a localhost host.
            "AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION": self.endpoint.replace("127.0.0.1", "localhost"),
            "CDK_DISABLE_VERSION_CHECK": "1",
        }

    def client(self, service: str, environment: EnvironmentConfig) -> Any:
        """A boto3 client for `service` in the environment's account and region."""
        variables = self.process_environment(environment)
        return self.session(environment, variables).client(service, endpoint_url=variables.get("AWS_ENDPOINT_URL"))

    def session(self, environment: EnvironmentConfig, variables: dict[str, str] | None = None) -> Any:
        """A boto3 session acting in the environment: as the role named by
        TRADEINFRA_ASSUME_ROLE_ARN on AWS when set, never silently as the caller."""
        variables = variables if variables is not None else self.process_environment(environment)
        return session_from(variables, environment.region)

    def account_client(self, service: str, account: str, region: str) -> Any:
        """A boto3 client for `service` in `account` (e.g. the tooling account)."""
        variables = self.account_environment(account, region)
        endpoint = variables.get("AWS_ENDPOINT_URL") or None
        return session_from(variables, region).client(service, endpoint_url=endpoint)

    def role_arn(self, account: str) -> str:
        """On the emulator, the role whose credentials act in `account`."""
        return f"arn:aws:iam::{account}:role/{LOCAL_ROLE}"

    def _local_credentials(self, account: str) -> dict[str, str]:
        """The emulator's stand-in role of `account`, or the role named by
        TRADEINFRA_ASSUME_ROLE_ARN when it is in that account: the pipeline's
        steps run as the roles they name, here as on AWS."""
        import boto3

        named = os.environ.get(ASSUME_ROLE_VARIABLE, "")
        role = named if named.split(":")[4:5] == [account] else self.role_arn(account)
        sts = boto3.client(
            "sts",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        return assume_role(sts, role)


def session_from(variables: dict[str, str], region: str) -> Any:
    """A boto3 session with the credentials in `variables` (the AWS_* a tool
    would read); the default chain where they hold none."""
    import boto3

    return boto3.Session(
        region_name=region,
        aws_access_key_id=variables.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=variables.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=variables.get("AWS_SESSION_TOKEN"),
    )


def assume_role(sts: Any, role_arn: str, session_name: str = "tradeinfra") -> dict[str, str]:
    """The role's temporary credentials, as the AWS_* variables tools read."""
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


def _assumed(role_arn: str, region: str) -> dict[str, str]:
    import boto3

    try:
        return assume_role(boto3.client("sts", region_name=region), role_arn)
    except Exception as exc:
        raise TradeinfraError(f"{ASSUME_ROLE_VARIABLE}={role_arn}: cannot assume the role ({exc})") from None


def check_credentials() -> None:
    """--target aws: usable credentials, before any work; else one line on how to get them."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.Session()
    how = (
        "set AWS_PROFILE (and run 'aws sso login'), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
        "or run where a role provides them (CodeBuild, an instance profile)"
    )
    if session.get_credentials() is None:
        raise TradeinfraError(f"--target aws: no AWS credentials found: {how}")
    try:
        session.client("sts", region_name=session.region_name or "us-east-1").get_caller_identity()
    except NoCredentialsError:
        raise TradeinfraError(f"--target aws: no AWS credentials found: {how}") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise TradeinfraError(
            f"--target aws: the AWS credentials are not usable ({error.get('Code')}: {error.get('Message')}): "
            "refresh them (e.g. 'aws sso login') or use others"
        ) from None
    except BotoCoreError as exc:
        raise TradeinfraError(f"--target aws: cannot check the AWS credentials ({exc})") from None


def resolve_target(kind: TargetKind, state_dir: Path) -> Target:
    """The target, checked: the local one needs a running, answering emulator."""
    if kind is TargetKind.aws:
        check_credentials()
        return Target(kind)
    status = Emulator(state_dir).status()
    if not status.healthy:
        raise TradeinfraError(
            f"--target local: the emulator is not running at {status.endpoint}: "
            "start it with 'tradeinfra emulator start' (or use --target aws)"
        )
    return Target(kind, status.endpoint)
