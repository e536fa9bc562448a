"""Entry point of the CDK for Terraform app: `cdktf.json` runs
`python -m tradeinfra.tf.app`; `tradeinfra synth` calls `synth_tf` in-process
(no cdktf CLI needed). Configuration is read here, once."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import cdktf

from tradeinfra.config.loader import PlatformConfig, load_platform
from tradeinfra.config.naming import ResourceKind, tf_name
from tradeinfra.config.tags import MANAGED_BY_TERRAFORM, mandatory_tags
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import replaced_directory, write_text_atomically
from tradeinfra.tf.stacks.ledger import LedgerStack
from tradeinfra.tf.stacks.state_backend import StateBackendStack
from tradeinfra.tf.stacks.web_tier import WebTierStack
from tradeinfra.tf.variables import VariableSpec, render_tfvars, variable_specs

# Settings of other sections the web tier reads per environment.
WEB_TIER_INPUTS = ("web_tier.", "network.vpc_cidr")


@dataclass(frozen=True)
class TfSynthResult:
    out_dir: Path
    stacks: list[str]
    tfvars: list[Path]


def build_tf_app(platform: PlatformConfig, outdir: Path) -> cdktf.App:
    specs = variable_specs(platform)
    _check_variations_are_variables(platform, specs)
    _check_names_fit(platform)
    # The web tier's constants are the same in every environment (config
    # forbids undeclared differences), so any environment's values will do.
    base = platform.environment(platform.names[0])
    static_tags = {k: v for k, v in mandatory_tags(base, MANAGED_BY_TERRAFORM).items() if k != "Environment"}
    app = cdktf.App(outdir=str(outdir), skip_validation=False)
    WebTierStack(app, web=base.web_tier, state=base.terraform_state, static_tags=static_tags, variables=specs)
    StateBackendStack(
        app,
        state=base.terraform_state,
        ledger=base.ledger,
        static_tags=static_tags,
        environments={name: platform.environment(name).account for name in platform.names},
    )
    LedgerStack(app, ledger=base.ledger, region=base.terraform_state.region, static_tags=static_tags)
    return app


def _check_variations_are_variables(platform: PlatformConfig, specs: list[VariableSpec]) -> None:
    carried = {spec.source for spec in specs}
    missing = [path for path in platform.variations if path.startswith(WEB_TIER_INPUTS) and path not in carried]
    if missing:
        raise TradeinfraError(
            f"declared variations {', '.join(missing)} affect the web tier but have no Terraform variable: "
            "add them to src/tradeinfra/tf/variables.py"
        )


def _check_names_fit(platform: PlatformConfig) -> None:
    """Resolve the longest generated names for each environment now, so a
    too-long suffix fails at synth rather than at apply."""
    for name in platform.names:
        env = platform.environment(name)
        suffix = env.web_tier.environment_suffix
        tf_name("alb-logs", name, suffix, ResourceKind.S3_BUCKET)
        tf_name("alb", name, suffix, ResourceKind.LOAD_BALANCER)
        tf_name("tg", name, suffix, ResourceKind.TARGET_GROUP)
        tf_name("rds-final", name, f"{suffix}-20991231235959", ResourceKind.RDS_INSTANCE)  # + creation time
        tf_name("profile-web", name, suffix, ResourceKind.IAM_ROLE)
        for role in ("alb", "app", "db"):
            tf_name(f"{role}-sg", name, suffix, ResourceKind.SECURITY_GROUP)


def synth_tf(platform: PlatformConfig, out_dir: Path, tfvars_dir: Path) -> TfSynthResult:
    """Synthesize both stacks into `out_dir` and write terraform/<env>.tfvars,
    each atomically (nothing half-written on failure)."""
    with replaced_directory(out_dir) as scratch:
        build_tf_app(platform, scratch).synth()
    specs = variable_specs(platform)
    tfvars_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in platform.names:
        target = tfvars_dir / f"{name}.tfvars"
        write_text_atomically(target, render_tfvars(specs, platform.environment(name)))
        written.append(target)
    stacks = sorted(p.name for p in (out_dir / "stacks").iterdir())
    return TfSynthResult(out_dir, stacks, written)


def main() -> int:
    config_dir = Path(os.environ.get("TRADEINFRA_CONFIG_DIR", "config"))
    try:
        platform = load_platform(config_dir)
        build_tf_app(platform, Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out"))).synth()
    except TradeinfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
