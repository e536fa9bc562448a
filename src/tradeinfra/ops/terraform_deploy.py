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

import os
import shutil
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine, terraform

STATE_BACKEND = "state-backend"
WEB_TIER = "web-tier"
CONFIG_FILE = "cdk.tf.json"


class TerraformDeployError(TradeinfraError):
    """Terraform could not deploy the web tier."""


def deploy_web_tier(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None,
) -> list[str]:
    from tradeinfra.tf.app import synth_tf

    out, tfvars_dir = version_dir / "cdktf.out", version_dir / "terraform"
    if on_line:
        on_line(f"synthesizing the web tier into {out}")
    synth_tf(platform, out, tfvars_dir)
    work = state_dir / "terraform" / target.kind.value
    tooling = platform.delivery.account if platform.delivery else env.account
    state_region = env.terraform_state.region
    if target.is_local:
        backend_env = target.account_environment(tooling, state_region)
        _apply(_workdir(out, STATE_BACKEND, work / STATE_BACKEND), backend_env, [], on_line, "state backend")
    web = _workdir(out, WEB_TIER, work / f"{WEB_TIER}-{env.name}")
    variables = target.process_environment(env)
    backend_config: list[str] = []
    if target.is_local:
        # The backend acts in the tooling account, the provider in the environment's.
        settings = web / "backend.local.hcl"
        settings.write_text(f'assume_role = {{\n  role_arn = "{target.role_arn(tooling)}"\n}}\n', encoding="utf-8")
        backend_config = [f"-backend-config={settings.name}"]
    _init(web, variables, backend_config, on_line)
    terraform(["workspace", "select", "-or-create", env.name], env=variables, cwd=web, on_line=on_line)
    tfvars = (tfvars_dir / f"{env.name}.tfvars").resolve()
    _run_apply(web, variables, [f"-var-file={tfvars}"], on_line, f"web tier ({env.name})")
    return [f"{WEB_TIER}/{env.name}"]


def _workdir(out: Path, stack: str, work: Path) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "stacks" / stack / CONFIG_FILE, work / CONFIG_FILE)
    return work


def _apply(work: Path, variables: dict[str, str], backend_config: list[str], on_line: OnLine | None, what: str) -> None:
    _init(work, variables, backend_config, on_line)
    _run_apply(work, variables, [], on_line, what)


def _init(work: Path, variables: dict[str, str], backend_config: list[str], on_line: OnLine | None) -> None:
    mirror = os.environ.get("TRADEINFRA_TF_PLUGIN_DIR")
    offline = [f"-plugin-dir={mirror}"] if mirror else []
    terraform(
        ["init", "-input=false", "-reconfigure", *offline, *backend_config], env=variables, cwd=work, on_line=on_line
    )


def _run_apply(work: Path, variables: dict[str, str], extra: list[str], on_line: OnLine | None, what: str) -> None:
    if on_line:
        on_line(f"terraform apply: {what}")
    terraform(
        ["apply", "-auto-approve", "-input=false", "-no-color", *extra],
        env={**variables, "TF_IN_AUTOMATION": "1"},
        cwd=work,
        on_line=on_line,
    )
