"""The delivery pipeline (CDK Pipelines), stack `trading-pipeline` in the
tooling account: how a commit reaches production.

    Source (CodeConnections) -> Synth (`tradeinfra synth`: both apps, cdk-nag)
    -> UpdatePipeline (self-mutation) -> Assets
    -> ConsistencyGate (unit tests, parity gate, access gate, cfn-lint)
    -> dev: plan -> CDK stacks -> web tier + ledger record -> validate
    -> staging: the same -> prod: plan -> approval -> the same

Each environment's stage plans the release there first, both apps, as the
read-only validator (the stateful guard: a replaced table, bucket or
database stops the run unless the commit's config/replacements.yaml lists
that change), deploys the CDK stacks
(CloudFormation actions, through the account's CDK bootstrap roles), then
runs the same engine as a
workstation: `tradeinfra deploy --app tf --deployed-cdk cdk.out` applies the
web tier as the environment's web-tier deployer role and records one version
of both apps in the deployment ledger; then `tradeinfra validate` checks both
apps as the read-only validator role.

A failure anywhere stops the run, so nothing is promoted past it; a failed
web-tier deploy or validation rolls its stage back (CodePipeline V2 stage
OnFailure rollback): the stage's actions run again with the last successful
execution's source and assembly, so the CDK stacks and the web tier both
return to that commit, and the ledger records it as a new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import Construct

from tradeinfra.cdk.constructs.pipeline_boundary import PipelineBoundary
from tradeinfra.cdk.environment import TradingEnvironment
from tradeinfra.cdk.pipeline_generated import acknowledge_generated_findings, narrow_generated_grants
from tradeinfra.config.models import DeliveryConfig, EnvironmentConfig
from tradeinfra.config.naming import (
    ResourceKind,
    check_name,
    validation_step_role_name,
    validator_role_name,
    web_tier_deployer_role_name,
    web_tier_step_role_name,
)
from tradeinfra.config.replacements import REPLACEMENTS_FILE
from tradeinfra.config.tags import MANAGED_BY_CDK

INSTALL = ["make install"]  # the pinned Python and npm dependencies, from the lock files
# ... and the pinned Terraform CLI, checksum-verified, for the web tier.
INSTALL_WITH_TERRAFORM = [*INSTALL, "make terraform-cli"]
CLI = ".venv/bin/tradeinfra"
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
RUNTIMES = {"python": "3.12", "nodejs": "20"}


def delivery_tags(delivery: DeliveryConfig, example: EnvironmentConfig) -> dict[str, str]:
    """The mandatory tags, for the tooling account's resources."""
    return {
        "Environment": "tooling",
        "Project": example.tags.project,
        "ManagedBy": MANAGED_BY_CDK,
        "CostCenter": example.tags.cost_center,
        "Owner": example.tags.owner,
        "Compliance": example.tags.compliance,
    }


@dataclass(frozen=True)
class StepRole:
    """A step's own role, and the role in the environment it may assume."""

    role: iam.Role
    acts_as: str  # ARN


class DeliveryPipelineStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        *,
        delivery: DeliveryConfig,
        cli_version: str,
        environments: Sequence[TradingEnvironment],
    ) -> None:
        name = check_name(delivery.pipeline_name, ResourceKind.CLOUDFORMATION_STACK)
        super().__init__(
            scope,
            name,
            stack_name=name,
            env=cdk.Environment(account=delivery.account, region=delivery.region),
            termination_protection=True,
            description="Delivery pipeline: validates every change and promotes it dev -> staging -> prod",
        )
        for key, value in delivery_tags(delivery, environments[0].config).items():
            cdk.Tags.of(self).add(key, value)
        source = pipelines.CodePipelineSource.connection(
            delivery.source.repository,
            delivery.source.branch,
            connection_arn=delivery.source.connection_arn,
            trigger_on_push=True,
        )
        synth = pipelines.ShellStep(
            "Synth",
            input=source,
            install_commands=INSTALL,
            commands=[f"{CLI} config validate", f"{CLI} synth"],
            primary_output_directory="cdk.out",
        )
        cdktf_out = synth.add_output_directory("cdktf.out")
        timeout = cdk.Duration.minutes(delivery.step_timeout_minutes)
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=delivery.pipeline_name,
            pipeline_type=codepipeline.PipelineType.V2,
            synth=synth,
            cross_account_keys=True,  # each environment account decrypts the artifacts with its own role
            enable_key_rotation=True,
            self_mutation=True,
            cli_version=cli_version,  # the CDK CLI pinned in package.json
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.MEDIUM
                ),
                partial_build_spec=codebuild.BuildSpec.from_object(
                    {"phases": {"install": {"runtime-versions": RUNTIMES}}}
                ),
                timeout=timeout,
            ),
        )
        assembly = synth.primary_output
        assert assembly is not None  # set by primary_output_directory above
        gate = pipelines.CodeBuildStep(
            "ConsistencyGate",
            input=source,
            additional_inputs={"cdk.out": assembly, "cdktf.out": cdktf_out},
            install_commands=INSTALL,
            commands=["make gate"],
        )
        self.pipeline.add_wave("ConsistencyGate", pre=[gate])
        self.validated_stages: list[str] = []
        for stage in environments:
            env = stage.config.name
            validator = self._role_acting_as(
                "Validate",
                stage.config,
                acts_as=validator_role_name(env),
                step_role_name=validation_step_role_name(delivery.pipeline_name, env),
                purpose=f"Post-deployment validation and plan of {env}: may only assume the validator role there",
            )
            plan = self._plan(stage.config, source, assembly, validator, timeout)
            pre: list[pipelines.Step] = [plan]
            if env in delivery.approval_before:
                approval = pipelines.ManualApprovalStep(
                    f"Approve-{env}",
                    comment=f"Release to {env}: the previous environment passed validation. Review what it changes "
                    f"in {env}: the Plan-{env} action's log (markdown); it failed the run instead if it replaced "
                    f"or removed a stateful resource that config/{REPLACEMENTS_FILE} does not list.",
                )
                approval.add_step_dependency(plan)
                pre.append(approval)
            web_tier = self._web_tier(stage.config, source, assembly, delivery, timeout)
            validation = self._validation(stage.config, source, validator, timeout)
            validation.add_step_dependency(web_tier)
            self.pipeline.add_stage(stage, pre=pre, post=[web_tier, validation])
            self.validated_stages.append(env)
        self.pipeline.build_pipeline()
        boundary = PipelineBoundary(
            self, "Boundary", delivery=delivery, environments=[stage.config for stage in environments]
        )
        iam.PermissionsBoundary.of(self).apply(boundary.policy)
        self._roll_back_failed_stages()
        narrow_generated_grants(self, self.pipeline)
        acknowledge_generated_findings(self, self.pipeline)

    def _web_tier(
        self,
        env: EnvironmentConfig,
        source: pipelines.CodePipelineSource,
        assembly: pipelines.FileSet,
        delivery: DeliveryConfig,
        timeout: cdk.Duration,
    ) -> pipelines.CodeBuildStep:
        """The web tier of the environment, applied with Terraform as its
        web-tier deployer role, recorded in the ledger together with the CDK
        stacks this stage just deployed from `assembly`."""
        role = self._role_acting_as(
            "WebTier",
            env,
            acts_as=web_tier_deployer_role_name(env.name),
            step_role_name=web_tier_step_role_name(delivery.pipeline_name, env.name),
            purpose=f"Web-tier deployment of {env.name}: may only assume the web-tier deployer role there",
        )
        return self._step_acting_as(
            f"WebTier-{env.name}",
            env,
            role,
            commands=[f"{CLI} deploy --env {env.name} --app tf --target aws --deployed-cdk cdk.out"],
            install=INSTALL_WITH_TERRAFORM,
            inputs=(source, {"cdk.out": assembly}),
            timeout=timeout,
        )

    def _validation(
        self,
        env: EnvironmentConfig,
        source: pipelines.CodePipelineSource,
        validator: StepRole,
        timeout: cdk.Duration,
    ) -> pipelines.CodeBuildStep:
        """`tradeinfra validate` against the environment just deployed, as
        its read-only validator role."""
        return self._step_acting_as(
            f"Validate-{env.name}",
            env,
            validator,
            commands=[f"{CLI} validate --env {env.name} --target aws --app all"],
            install=INSTALL,
            inputs=(source, {}),
            timeout=timeout,
        )

    def _plan(
        self,
        env: EnvironmentConfig,
        source: pipelines.CodePipelineSource,
        assembly: pipelines.FileSet,
        validator: StepRole,
        timeout: cdk.Duration,
    ) -> pipelines.CodeBuildStep:
        """Before the stage deploys (and before its approval, where one is
        configured): what the release changes in the environment, both apps
        (the CDK app from the assembly the stage deploys, the web tier from
        the commit, as its own step synthesizes it), as markdown in the
        step's log, planned as the read-only validator role (the web tier's
        state through the environment's state reader role, without the lock).
        A stateful resource replaced or removed (exit 2) fails the run before
        anyone is asked and before CloudFormation touches it, unless the
        commit's config/replacements.yaml lists that very change: the
        pipeline passes no --allow-replace."""
        report = f"plan-{env.name}.md"
        plan = (
            f"{CLI} plan --env {env.name} --target aws --app all --cdk-out cdk.out --format markdown --output {report}"
        )
        return self._step_acting_as(
            f"Plan-{env.name}",
            env,
            validator,
            commands=[f'{plan}; status=$?; cat {report} || true; exit "$status"'],
            install=INSTALL_WITH_TERRAFORM,
            inputs=(source, {"cdk.out": assembly}),
            timeout=timeout,
        )

    def _role_acting_as(
        self, prefix: str, env: EnvironmentConfig, *, acts_as: str, step_role_name: str, purpose: str
    ) -> StepRole:
        """A step role (in the tooling account) that may only assume the role
        `acts_as` in the environment's account; that role trusts it alone."""
        role_arn = f"arn:aws:iam::{env.account}:role/{acts_as}"
        role = iam.Role(
            self,
            f"{prefix}{env.name.capitalize()}Role",  # e.g. ValidateDevRole
            role_name=step_role_name,
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=purpose,
        )
        role.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[role_arn]))
        return StepRole(role, role_arn)

    def _step_acting_as(
        self,
        name: str,
        env: EnvironmentConfig,
        role: StepRole,
        *,
        commands: list[str],
        install: list[str],
        inputs: tuple[pipelines.CodePipelineSource, dict[str, pipelines.IFileSetProducer]],
        timeout: cdk.Duration,
    ) -> pipelines.CodeBuildStep:
        """A step that runs `tradeinfra` as the role its step role may assume
        (TRADEINFRA_ASSUME_ROLE_ARN)."""
        source, additional = inputs
        return pipelines.CodeBuildStep(
            name,
            input=source,
            additional_inputs=additional or None,
            install_commands=install,
            commands=commands,
            env={"TRADEINFRA_ASSUME_ROLE_ARN": role.acts_as},
            role=role.role,
            timeout=timeout,
        )

    def _roll_back_failed_stages(self) -> None:
        """A stage whose validation fails goes back to its last successful
        artifacts. The CDK Pipelines construct has no option for it: set
        OnFailure on the V2 pipeline's stages directly."""
        cfn = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn, codepipeline.CfnPipeline)
        for index, stage in enumerate(self.pipeline.pipeline.stages):
            if stage.stage_name in self.validated_stages:
                cfn.add_property_override(f"Stages.{index}.OnFailure", {"Result": "ROLLBACK"})
