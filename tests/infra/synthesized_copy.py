"""A writable copy of the session's synthesized output, for mutation tests:
copy it, make one unintended change, and the gate under test must name it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.infra.tf.conftest import TfSynth

Template = dict[str, Any]


@dataclass
class Output:
    cdk: Path
    cdktf: Path
    tfvars: Path

    def template_file(self, env: str, component: str) -> Path:
        manifest = json.loads((self.cdk / f"assembly-{env}" / "manifest.json").read_text())
        for artifact in manifest["artifacts"].values():
            if artifact.get("displayName", "").split(" ")[0] == f"{env}/{component}":
                return self.cdk / f"assembly-{env}" / artifact["properties"]["templateFile"]
        raise KeyError(f"{env}/{component}")

    def edit(self, env: str, component: str, change: Callable[[Template], None]) -> None:
        path = self.template_file(env, component)
        template = json.loads(path.read_text())
        change(template)
        path.write_text(json.dumps(template))

    def edit_manifest(self, env: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.cdk / f"assembly-{env}" / "manifest.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))

    def edit_report(self, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.cdk / "validation-report.json"
        report = json.loads(path.read_text())
        change(report)
        path.write_text(json.dumps(report))

    def edit_terraform(self, stack: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.cdktf / "stacks" / stack / "cdk.tf.json"
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))

    def edit_delivery(self, change: Callable[[Template], None]) -> None:
        """The delivery pipeline's template (top level of the assembly)."""
        path = self.cdk / "trading-pipeline.template.json"
        template = json.loads(path.read_text())
        change(template)
        path.write_text(json.dumps(template))

    def edit_tfvars(self, env: str, change: Callable[[str], str]) -> None:
        path = self.tfvars / f"{env}.tfvars"
        path.write_text(change(path.read_text()))


def copy_output(cdk_out: Path, tf_synth: TfSynth, tmp_path: Path) -> Output:
    copy = Output(tmp_path / "cdk.out", tmp_path / "cdktf.out", tmp_path / "terraform")
    shutil.copytree(cdk_out, copy.cdk, ignore=shutil.ignore_patterns("asset.*"))
    shutil.copytree(tf_synth.out, copy.cdktf)
    shutil.copytree(tf_synth.tfvars, copy.tfvars)
    return copy


def resource(template: Template, resource_type: str, name_part: str = "") -> dict[str, Any]:
    matches = [r for lid, r in template["Resources"].items() if r["Type"] == resource_type and name_part in lid]
    assert len(matches) == 1, (resource_type, name_part, len(matches))
    return matches[0]


def props(template: Template, resource_type: str, name_part: str = "") -> dict[str, Any]:
    return resource(template, resource_type, name_part)["Properties"]
