"""Synthesize the Terraform app once per session; run terraform offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PLUGIN_DIR_VARIABLE = "TRADEINFRA_TF_PLUGIN_DIR"


@dataclass(frozen=True)
class TfSynth:
    out: Path
    tfvars: Path

    def stack(self, name: str) -> dict[str, Any]:
        return json.loads((self.out / "stacks" / name / "cdk.tf.json").read_text())


@pytest.fixture(scope="session")
def plugin_dir() -> Path:
    value = os.environ.get(PLUGIN_DIR_VARIABLE)
    assert value, f"set {PLUGIN_DIR_VARIABLE} to the offline provider mirror (make does this)"
    path = Path(value)
    assert (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir(), f"{path} holds no AWS provider"
    return path


def terraform(workdir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TF_IN_AUTOMATION": "1", **(env or {})},
        timeout=300,
    )


def workdir_for(tf_synth: TfSynth, stack: str, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(tf_synth.out / "stacks" / stack / "cdk.tf.json", target / "cdk.tf.json")
    return target
