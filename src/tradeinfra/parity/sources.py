"""What the parity gate reads: the CDK cloud assembly (one nested assembly per
environment, plus the cdk-nag report) in normalized form, and the Terraform
side (stacks and tfvars) as `synthesized.terraform` reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import read_json_object
from tradeinfra.parity.normalize import Identity, NormalizedStack, normalize_stack
from tradeinfra.synthesized.cloud_assembly import read_assembly

VALIDATION_REPORT = "validation-report.json"


class ParityInputError(TradeinfraError):
    """What the gate needs to read is missing or unreadable."""


@dataclass
class EnvironmentSnapshot:
    name: str
    stacks: dict[str, NormalizedStack]
    acknowledgments: set[tuple[str, str]] = field(default_factory=set)  # (rule, normalized construct path)


def load_cdk(cdk_out: Path, platform: PlatformConfig) -> dict[str, EnvironmentSnapshot]:
    assembly = read_assembly(cdk_out)
    unknown = sorted(set(assembly) - set(platform.names))
    if unknown:
        raise ParityInputError(
            f"{cdk_out}: environment(s) {', '.join(unknown)} are not in the configuration "
            f"(expected {', '.join(platform.names)})"
        )
    missing = [name for name in platform.names if name not in assembly]
    if missing:
        raise ParityInputError(
            f"{cdk_out}: no stacks for {', '.join(missing)}: run 'tradeinfra synth' for every environment"
        )
    snapshots = {}
    for name in platform.names:
        stacks = {}
        for component, stack in assembly[name].items():
            suffix = platform.environment(name).web_tier.environment_suffix
            identity = Identity(name, stack.account, stack.region, suffix)
            stacks[component] = normalize_stack(
                stack.template, identity, component, stack.stack_name, stack.termination_protection
            )
        snapshots[name] = EnvironmentSnapshot(name, stacks)
    _read_acknowledgments(cdk_out / VALIDATION_REPORT, snapshots, platform)
    return snapshots


def _read_acknowledgments(path: Path, snapshots: dict[str, EnvironmentSnapshot], platform: PlatformConfig) -> None:
    report = read_json_object(path, "cdk-nag report", "synthesize with 'tradeinfra synth' (it runs cdk-nag)")
    for plugin in report.get("pluginReports", []):
        for finding in plugin.get("suppressedViolations", []):
            for construct in finding.get("violatingConstructs", []):
                env, _, rest = construct["constructPath"].partition("/")
                if env in snapshots:
                    component = rest.split("/", 1)[0]
                    config = platform.environment(env)
                    identity = Identity(env, config.account, config.region, config.web_tier.environment_suffix)
                    snapshots[env].acknowledgments.add(
                        (
                            identity.scrub(finding.get("acknowledgedId", finding["ruleName"]), component),
                            identity.scrub(rest, component),
                        )
                    )
