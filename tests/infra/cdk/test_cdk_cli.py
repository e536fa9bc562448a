"""`npx cdk synth` (the pinned CDK CLI reading cdk.json) produces the same
templates as `tradeinfra synth`, offline and without credentials."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.infra.cdk.conftest import Assembly
from tradeinfra.synthesized.cloud_assembly import read_assembly

CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"


@pytest.mark.slow
def test_cdk_cli_synth_agrees(assembly: Assembly, tmp_path: Path) -> None:
    assert CDK_CLI.exists(), "node_modules missing: run 'make setup'"
    out = tmp_path / "cli.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"CDK_DISABLE_VERSION_CHECK": "1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CI": "true"}
    result = subprocess.run(
        [str(CDK_CLI), "synth", "--quiet", "--no-notices", "--no-version-reporting", "--output", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    from_cli = read_assembly(out)
    assert set(from_cli) == set(assembly)
    for env_name, stacks in assembly.items():
        assert set(from_cli[env_name]) == set(stacks)
        for component, stack in stacks.items():
            assert json.dumps(from_cli[env_name][component].template, sort_keys=True) == json.dumps(
                stack.template, sort_keys=True
            ), f"{stack.stack_name} differs between cdk synth and tradeinfra synth"
