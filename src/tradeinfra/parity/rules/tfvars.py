"""PAR007: a tfvars file sets a variable the web tier does not declare, or
one that is neither environment identity nor a declared variation, or a
value that is not the configuration's."""

from __future__ import annotations

from collections.abc import Iterator

from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.normalize import canonical
from tradeinfra.parity.rules.base import Rule
from tradeinfra.tf.variables import variable_specs

ID = "PAR007"
STACK = "web-tier"


def check(ctx: ParityContext) -> Iterator[Finding]:
    if ctx.terraform is None:
        return
    specs = {spec.name: spec for spec in variable_specs(ctx.platform)}
    for env in ctx.environments:
        values = ctx.terraform.tfvars.get(env, {})
        config = ctx.platform.environment(env)
        for name, value in values.items():
            where = f"terraform/{env}.tfvars:{ctx.terraform.tfvars_lines[env][name]}"
            spec = specs.get(name)
            if name not in ctx.terraform.variables or spec is None:
                yield _finding(env, name, value, f"{where}: {name} is not a variable of the web tier")
                continue
            if not (spec.source.startswith("identity.") or ctx.platform.is_declared_variation(spec.source)):
                yield _finding(
                    env, name, value, f"{where}: {name} carries {spec.source}, which is not a declared variation"
                )
                continue
            expected = spec.value(config)
            if canonical(value) != canonical(expected) and value != expected:
                yield _finding(env, name, value, f"{where}: {name} = {value!r}, but config resolves {expected!r}")
        for name, spec in specs.items():
            if name not in values:
                yield _finding(env, name, None, f"terraform/{env}.tfvars: {name} is missing ({spec.source})")


def _finding(env: str, name: str, value: object, message: str) -> Finding:
    return Finding(
        rule=ID,
        severity=Severity.HIGH,
        environments=(env,),
        stack=STACK,
        resource=f"var.{name}",
        path="tfvars",
        values={env: value},
        message=message,
    )


RULE = Rule(ID, Severity.HIGH, "tfvars outside the declared variations", __doc__ or "", check)
