"""The delivery pipeline as synthesized: each stage's CodeBuild steps, in
run order, with the commands and environment variables their build specs
hold. Tests read the pipeline's steps from here, never from a copy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tradeinfra.synthesized.cloud_assembly import SynthesizedStack, read_delivery_stacks


@dataclass(frozen=True)
class PipelineStep:
    stage: str
    name: str  # the action's name, e.g. WebTier-dev
    run_order: int
    install_commands: list[str]
    commands: list[str]  # the build phase
    variables: dict[str, str]  # plain-text environment variables of the project
    role: Any  # the project's service role (a CloudFormation reference)


def pipeline_steps(stack: SynthesizedStack) -> dict[str, list[PipelineStep]]:
    """Stage name -> its CodeBuild steps in run order."""
    pipeline = stack.only("AWS::CodePipeline::Pipeline")["Properties"]
    found: dict[str, list[PipelineStep]] = {}
    for stage in pipeline["Stages"]:
        steps = [
            _step(stack, stage["Name"], action)
            for action in stage["Actions"]
            if action["ActionTypeId"]["Provider"] == "CodeBuild"
        ]
        found[stage["Name"]] = sorted(steps, key=lambda step: step.run_order)
    return found


def read_pipeline_steps(cdk_out: Path, pipeline_name: str) -> dict[str, list[PipelineStep]]:
    return pipeline_steps(read_delivery_stacks(cdk_out)[pipeline_name])


def _step(stack: SynthesizedStack, stage: str, action: dict[str, Any]) -> PipelineStep:
    project = stack.template["Resources"][action["Configuration"]["ProjectName"]["Ref"]]["Properties"]
    phases = json.loads(project["Source"]["BuildSpec"])["phases"]
    variables = {
        v["Name"]: v["Value"]
        for v in project["Environment"].get("EnvironmentVariables", [])
        if v.get("Type", "PLAINTEXT") == "PLAINTEXT" and isinstance(v["Value"], str)
    }
    return PipelineStep(
        stage=stage,
        name=action["Name"],
        run_order=int(action.get("RunOrder", 1)),
        install_commands=list(phases.get("install", {}).get("commands", [])),
        commands=list(phases.get("build", {}).get("commands", [])),
        variables=variables,
        role=project["ServiceRole"],
    )
