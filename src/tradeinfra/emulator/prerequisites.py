"""What exists before a deployment on AWS, set up on the emulator by the
deployment itself: the environment's public hosted zone and CDK bootstrap
(README: the account's prerequisites), and the Terraform state backend in
the tooling account.

None of it depends on the version being deployed, so a deployment starts it
first, in the background, and waits only where it needs it: the CDK stacks
wait for the bootstrap, the web tier for a state backend it can keep its
state in. The state backend's apply goes on after that point: the provider
waits ~55 s for each bucket's lifecycle rules to read back consistently,
which the web tier does not need, so that wait overlaps the web tier's own
instead of delaying it. The deployment joins the apply before it is recorded
as succeeded.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import state_access_role_name
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine, cdk

BOOTSTRAP_STACK = "CDKToolkit"
# How often the web tier looks whether the state backend can hold its state.
POLL_SECONDS = 1.0


class Prerequisites:
    """The prerequisites of one deployment to the emulator, being set up on
    `executor`'s threads (two: the CDK's and the web tier's are apart);
    `needed_by_cdk` and `needed_by_web_tier` block until each part is there,
    or raise what setting it up raised."""

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        platform: PlatformConfig,
        env: EnvironmentConfig,
        target: Target,
        apps: Sequence[str],
        state_dir: Path,
        on_line: OnLine | None,
    ) -> None:
        self._platform, self._env, self._target = platform, env, target
        self._applying_state_backend = threading.Event()
        self._for_cdk = executor.submit(ensure_bootstrapped, env, target, on_line) if "cdk" in apps else None
        self._for_web_tier = executor.submit(self._set_up_web_tier, state_dir, on_line) if "tf" in apps else None

    def _set_up_web_tier(self, state_dir: Path, on_line: OnLine | None) -> None:
        from tradeinfra.ops.terraform_deploy import ensure_state_backend

        ensure_hosted_zone(self._env, self._target)
        self._applying_state_backend.set()
        ensure_state_backend(self._platform, self._env, self._target, state_dir, on_line)

    def needed_by_cdk(self) -> None:
        if self._for_cdk is not None:
            self._for_cdk.result()

    def needed_by_web_tier(self) -> None:
        if self._for_web_tier is None:
            return
        while not self._for_web_tier.done():
            if self._applying_state_backend.is_set() and state_backend_usable(self._platform, self._env, self._target):
                return
            time.sleep(POLL_SECONDS)
        self._for_web_tier.result()

    def finish(self) -> None:
        """Wait for the rest (the state backend's lifecycle rules)."""
        for part in (self._for_cdk, self._for_web_tier):
            if part is not None:
                part.result()


def ensure_bootstrapped(env: EnvironmentConfig, target: Target, on_line: OnLine | None) -> None:
    """The environment's account and region bootstrapped for the CDK. Run
    outside the repository: next to `cdk.json` the CLI synthesizes the whole
    app first (~7 s) although it bootstraps a named environment."""
    if is_bootstrapped(target.client("cloudformation", env)):
        return
    with tempfile.TemporaryDirectory(prefix="tradeinfra-bootstrap-") as elsewhere:
        cdk(
            ["bootstrap", f"aws://{env.account}/{env.region}", "--no-notices"],
            env=target.process_environment(env),
            on_line=on_line,
            cwd=Path(elsewhere),
        )


def is_bootstrapped(cloudformation: Any) -> bool:
    try:
        cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return True


def ensure_hosted_zone(env: EnvironmentConfig, target: Target) -> None:
    """The environment's public hosted zone, which on AWS exists before the
    web tier (README: the account's prerequisites)."""
    zone = env.web_tier.load_balancer.hosted_zone
    route53 = target.account_client("route53", env.account, env.web_tier_region)
    found = route53.list_hosted_zones_by_name(DNSName=zone, MaxItems="1")["HostedZones"]
    if not any(z["Name"].rstrip(".") == zone for z in found):
        route53.create_hosted_zone(Name=zone, CallerReference=f"tradeinfra-{env.name}-{zone}")


def state_backend_usable(platform: PlatformConfig, env: EnvironmentConfig, target: Target) -> bool:
    """The web tier can keep its state: the bucket encrypted with its KMS
    key, the lock table, and the environment's state access role with its
    policy (what the backend uses), whether or not the rest is there yet."""
    from tradeinfra.ops.terraform_deploy import tooling_account

    account, region = tooling_account(platform, env), env.terraform_state.region
    s3 = target.account_client("s3", account, region)
    dynamodb = target.account_client("dynamodb", account, region)
    iam = target.account_client("iam", account, region)
    try:
        rules = s3.get_bucket_encryption(Bucket=env.terraform_state.bucket)["ServerSideEncryptionConfiguration"]
        dynamodb.describe_table(TableName=env.terraform_state.lock_table)
        policies = iam.list_role_policies(RoleName=state_access_role_name(env.name))["PolicyNames"]
    except (s3.exceptions.ClientError, dynamodb.exceptions.ClientError, iam.exceptions.ClientError):
        return False
    encrypted = any(
        rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" for rule in rules.get("Rules", [])
    )
    return encrypted and bool(policies)
