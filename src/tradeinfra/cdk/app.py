"""Entry point of the CDK app: `cdk.json` runs `python -m tradeinfra.cdk.app`;
`tradeinfra synth` calls `build_app` in-process.

The configuration is read here, once, and passed down as typed objects.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk

from tradeinfra.cdk.compliance import add_compliance_checks
from tradeinfra.cdk.confused_deputy import BindServicePrincipals
from tradeinfra.cdk.environment import TradingEnvironment
from tradeinfra.config.loader import PlatformConfig, load_platform

CDK_JSON = Path(__file__).resolve().parents[3] / "cdk.json"


def feature_flags() -> dict[str, object]:
    """The context the CDK CLI would pass from cdk.json (feature flags, path
    and asset metadata on, version reporting off), so in-process synth matches `cdk synth`."""
    settings = json.loads(CDK_JSON.read_text(encoding="utf-8"))
    return {
        **settings.get("context", {}),
        "aws:cdk:enable-path-metadata": settings.get("pathMetadata", True),
        "aws:cdk:enable-asset-metadata": settings.get("assetMetadata", True),
        "aws:cdk:version-reporting": settings.get("versionReporting", False),
    }


def build_app(platform: PlatformConfig, environments: Sequence[str], outdir: Path | None = None) -> cdk.App:
    """An app with one `TradingEnvironment` stage per named environment and,
    when every environment is built and config has a `delivery` section, the
    pipeline that deploys them in promotion order."""
    app = cdk.App(outdir=str(outdir) if outdir else None, context=feature_flags())
    add_compliance_checks(app)
    stages = [TradingEnvironment(app, platform.environment(name), platform.delivery) for name in environments]
    for scope in [app, *stages]:  # aspects stop at a stage's boundary
        cdk.Aspects.of(scope).add(BindServicePrincipals())
    if platform.delivery is not None and list(environments) == platform.names:
        from tradeinfra.cdk.delivery import DeliveryPipelineStack  # CDK Pipelines loads only when needed

        DeliveryPipelineStack(app, delivery=platform.delivery, cli_version=cdk_cli_version(), environments=stages)
    return app


def cdk_cli_version() -> str:
    """The CDK CLI version pinned in package.json, for the pipeline's own steps."""
    package = json.loads((CDK_JSON.parent / "package.json").read_text(encoding="utf-8"))
    return str(package["devDependencies"]["aws-cdk"])


def main() -> int:
    # Run by the CDK CLI: the CLI passes the output directory in CDK_OUTDIR;
    # TRADEINFRA_CONFIG_DIR and TRADEINFRA_ENVS choose what to synthesize.
    from tradeinfra.errors import TradeinfraError

    config_dir = Path(os.environ.get("TRADEINFRA_CONFIG_DIR", "config"))
    try:
        platform = load_platform(config_dir)
        names = [n for n in os.environ.get("TRADEINFRA_ENVS", ",".join(platform.names)).split(",") if n]
        app = build_app(platform, names)
    except TradeinfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
