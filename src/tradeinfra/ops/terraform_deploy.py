"""The web tier with Terraform: the state backend first, then the
environment's workspace of `web-tier`.

Terraform works in `<state dir>/terraform/<target>/`: `state-backend/`
(its local state must outlive every version) and `web-tier-<env>/`. Each
deployment copies the version's synthesized configuration there and applies
it with the version's tfvars. The state backend lives in the tooling account
(`delivery.account`, else the environment's); on the emulator Terraform
reaches it by assuming a role there, and it is created on first use. On AWS
it is bootstrapped once, deliberately (README), and must exist.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import state_access_role_name, state_reader_role_name
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import PROVIDER_MIRROR, OnLine, ToolError, ToolRun, provider_mirror, terraform

STATE_BACKEND = "state-backend"
LEDGER = "ledger"
WEB_TIER = "web-tier"
CONFIG_FILE = "cdk.tf.json"
# Another run holds the workspace's lock: fail at once and say so (the
# caller retries); waiting would hide two pipelines racing for one state.
LOCK_TIMEOUT = "-lock-timeout=0s"


class TerraformDeployError(TradeinfraError):
    """Terraform could not deploy the web tier."""


@dataclass(frozen=True)
class Workspace:
    """An initialized working directory on the environment's workspace."""

    directory: Path
    variables: dict[str, str]
    tfvars: Path
    what: str

    def run(
        self, args: Sequence[str], on_line: OnLine | None, ok_codes: tuple[int, ...] = (0,), stdout_only: bool = False
    ) -> ToolRun:
        try:
            return terraform(
                args,
                env=self.variables,
                cwd=self.directory,
                on_line=on_line,
                ok_codes=ok_codes,
                stdout_only=stdout_only,
            )
        except ToolError as exc:
            raise TerraformDeployError(f"{self.what}: {describe_terraform_failure(exc.output) or exc}") from None


def apply_web_tier(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
    allowed: Sequence[str] = (),
) -> list[str]:
    """Plan the web tier a version synthesized (`<version>/cdktf.out`) with
    its tfvars, guard the plan (a stateful replacement `allowed` does not
    name stops here), apply exactly that plan; on the emulator, after
    `ensure_state_backend`."""
    from tradeinfra.ops.plan.model import AppPlan, Plan
    from tradeinfra.ops.plan.preview import acknowledged_by, guard
    from tradeinfra.ops.plan.web_tier import saved_plan

    workspace = open_workspace(platform, env, target, version_dir, state_dir, on_line)
    if on_line:
        on_line(f"terraform apply: {workspace.what}")
    arguments = _unattended(workspace)
    saved = "deploy.tfplan"
    changes = saved_plan(workspace, saved, LOCK_TIMEOUT, f"{WEB_TIER}/{env.name}", on_line)
    guard(acknowledged_by(platform, allowed, Plan(env.name, target.kind.value, "", (AppPlan("tf", tuple(changes)),))))
    workspace.run(["apply", "-input=false", "-no-color", LOCK_TIMEOUT, saved], on_line)
    # The state after an apply still holds what the provider could not know
    # yet (a bucket's policy set by another resource, a role's attached
    # policies, ...). Recording the settled state now is the baseline drift
    # detection compares with: later differences are changes made outside.
    if on_line:
        on_line(f"terraform apply: refresh-only, the drift baseline of {workspace.what}")
    workspace.run(["apply", "-refresh-only", *arguments], on_line)
    return [f"{WEB_TIER}/{env.name}"]


def destroy_web_tier(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
) -> list[str]:
    """`terraform destroy` of the environment's workspace, with the
    configuration and tfvars of the version that deployed it."""
    workspace = open_workspace(platform, env, target, version_dir, state_dir, on_line)
    if on_line:
        on_line(f"terraform destroy: {workspace.what}")
    workspace.run(["destroy", *_unattended(workspace)], on_line)
    return [f"{WEB_TIER}/{env.name}"]


# Terraform run by a program: no prompts, no version check over the network.
UNATTENDED = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


def _unattended(workspace: Workspace) -> list[str]:
    """No prompt, no waiting on a held lock, the version's tfvars."""
    return ["-auto-approve", "-input=false", "-no-color", LOCK_TIMEOUT, f"-var-file={workspace.tfvars}"]


def open_workspace(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
) -> Workspace:
    """The environment's web-tier working directory with the version's
    configuration, initialized on its backend and switched to workspace `env`."""
    workspace = _initialized(platform, env, target, version_dir, state_dir, on_line)
    workspace.run(["workspace", "select", "-or-create", "-no-color", env.name], on_line)
    return workspace


def existing_workspace(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
) -> Workspace | None:
    """As `open_workspace`, but None (and nothing created on the backend)
    when the environment has no workspace yet; for reading only: the
    backend acts as the environment's state reader role, so run plans with
    `-lock=false`."""
    # Its own working directory: a plan never disturbs a deployment's.
    reader = state_reader_role_name(env.name)
    workspace = _initialized(platform, env, target, version_dir, state_dir, on_line, purpose="-plan", role=reader)
    listed = workspace.run(["workspace", "list", "-no-color"], None, stdout_only=True)
    if env.name not in {line.strip().lstrip("*").strip() for line in listed.output}:
        return None
    workspace.run(["workspace", "select", "-no-color", env.name], on_line)
    return workspace


def _initialized(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
    purpose: str = "",
    role: str | None = None,
) -> Workspace:
    directory = _copy_config(
        version_dir / "cdktf.out", WEB_TIER, work_root(state_dir, target) / f"{WEB_TIER}-{env.name}{purpose}"
    )
    workspace = Workspace(
        directory=directory,
        variables={**target.process_environment(env), **UNATTENDED},
        tfvars=(version_dir / "terraform" / f"{env.name}.tfvars").resolve(),
        what=f"web tier ({env.name})",
    )
    # The backend acts in the tooling account as the environment's state
    # access role (its own workspace only; `role` names another, the reader),
    # the provider in the environment's account: on AWS and on the emulator alike.
    settings = directory / "backend.hcl"
    role_arn = f"arn:aws:iam::{tooling_account(platform, env)}:role/{role or state_access_role_name(env.name)}"
    settings.write_text(f'assume_role = {{\n  role_arn = "{role_arn}"\n}}\n', encoding="utf-8")
    backend_config = [f"-backend-config={settings.name}"]
    workspace.run(["init", "-input=false", "-reconfigure", "-no-color", *_offline(), *backend_config], on_line)
    return workspace


def work_root(state_dir: Path, target: Target) -> Path:
    return state_dir / "terraform" / target.kind.value


def tooling_account(platform: PlatformConfig, env: EnvironmentConfig) -> str:
    return platform.delivery.account if platform.delivery else env.account


def ensure_state_backend(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    state_dir: Path,
    on_line: OnLine | None,
) -> None:
    """On the emulator: create the state bucket and lock table in the tooling
    account, unless they are there (created by another machine, whose local
    state of this stack this one does not have), from a fresh synth."""
    account, region = tooling_account(platform, env), env.terraform_state.region
    if _state_backend_exists(target, account, region, env):
        return
    backend = _tooling_workspace(platform, env, target, state_dir, STATE_BACKEND, "state backend", on_line)
    if on_line:
        on_line("terraform apply: state backend")
    try:
        backend.run(["apply", "-auto-approve", "-input=false", "-no-color"], on_line)
    except TerraformDeployError:
        # Two first deployments (two environments, two machines) race to create
        # it: the one that lost finds the bucket and table there, and goes on.
        if not _state_backend_exists(target, account, region, env):
            raise


def _state_backend_exists(target: Target, account: str, region: str, env: EnvironmentConfig) -> bool:
    s3, dynamodb = target.account_client("s3", account, region), target.account_client("dynamodb", account, region)
    try:
        s3.head_bucket(Bucket=env.terraform_state.bucket)
        dynamodb.describe_table(TableName=env.terraform_state.lock_table)
    except (s3.exceptions.ClientError, dynamodb.exceptions.ClientError):
        return False
    return True


def ensure_ledger(platform: PlatformConfig, target: Target, state_dir: Path, on_line: OnLine | None) -> None:
    """On the emulator: apply the `ledger` stack in the tooling account (as
    the bootstrap does on AWS), from a fresh synth of the Terraform app."""
    env = platform.environment(platform.names[0])
    if on_line:
        on_line("deployment ledger: not found on the emulator; creating it (stack ledger)")
    ledger = _tooling_workspace(platform, env, target, state_dir, LEDGER, "deployment ledger", on_line)
    ledger.run(["apply", "-auto-approve", "-input=false", "-no-color"], on_line)


def _tooling_workspace(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    state_dir: Path,
    stack: str,
    what: str,
    on_line: OnLine | None,
) -> Workspace:
    """A stack of the tooling account (local state), from a fresh synth,
    initialized: Terraform acts in the tooling account's environment."""
    directory = _fresh_stack(platform, stack, work_root(state_dir, target) / stack)
    variables = {**target.account_environment(tooling_account(platform, env), env.terraform_state.region), **UNATTENDED}
    workspace = Workspace(directory, variables, Path(), what)
    workspace.run(["init", "-input=false", "-no-color", *_offline()], on_line)
    return workspace


def _fresh_stack(platform: PlatformConfig, stack: str, work: Path) -> Path:
    """`stack` of a fresh synth of the Terraform app, copied into `work`."""
    import tempfile

    from tradeinfra.synth import IN_PROCESS
    from tradeinfra.tf.app import synth_tf

    with IN_PROCESS, tempfile.TemporaryDirectory(prefix=f"tradeinfra-{stack}-") as scratch:
        synth_tf(platform, Path(scratch) / "cdktf.out", Path(scratch) / "terraform")
        return _copy_config(Path(scratch) / "cdktf.out", stack, work)


def _copy_config(out: Path, stack: str, work: Path) -> Path:
    source = out / "stacks" / stack / CONFIG_FILE
    if not source.is_file():
        raise TerraformDeployError(f"{source}: not found: the version has no synthesized {stack} stack")
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, work / CONFIG_FILE)
    return work


def _offline() -> list[str]:
    mirror = provider_mirror()
    return [f"-plugin-dir={mirror}"] if mirror else []


LOCKED = "Error acquiring the state lock"
NO_PROVIDER = ("Failed to query available provider packages", "Failed to install provider")
ERROR_LINE = re.compile(r"^[│|]?\s*Error: (?P<message>.+)$")
LOCK_HOLDER = re.compile(r"^[│|]?\s*(?P<field>ID|Who|Operation|Created):\s+(?P<value>.+)$")


def describe_terraform_failure(output: Sequence[str]) -> str | None:
    """The error Terraform reported, in one line: the state lock and its
    holder when another run has it, else the first `Error:` with the resource
    it names."""
    if any(LOCKED in line for line in output):
        holder = {m["field"]: m["value"].strip() for line in output if (m := LOCK_HOLDER.match(line))}
        labels = {"Who": "held by", "Operation": "for", "Created": "since", "ID": "lock ID"}
        who = ", ".join(f"{label} {holder[k]}" for k, label in labels.items() if k in holder)
        return (
            "the state is locked by another Terraform run"
            + (f" ({who})" if who else "")
            + ": wait for it to finish; if it died, release the lock with 'terraform force-unlock'"
        )
    for index, line in enumerate(output):
        match = ERROR_LINE.match(line)
        if match is None:
            continue
        detail = [
            text
            for raw in output[index + 1 : index + 6]
            if (text := raw.strip().lstrip("│|").strip()) and not text.startswith("Error:")
        ]
        where = next((d for d in detail if d.startswith("with ")), None)
        message = match["message"].strip()
        if message.startswith(NO_PROVIDER):
            return f"{message}: {_where_providers_come_from()}"
        return message + (f" ({where.rstrip(',')})" if where else "")
    return None


def _where_providers_come_from() -> str:
    mirror = provider_mirror()
    if mirror:
        return f"the provider mirror {PROVIDER_MIRROR}={mirror} does not hold the AWS provider this project pins"
    return (
        f"Terraform could not reach its registry; offline, set {PROVIDER_MIRROR} to a filesystem mirror of "
        "the AWS provider ('make' finds the machine image's)"
    )
