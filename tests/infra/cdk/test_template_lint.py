"""cfn-lint over every synthesized template; ignored checks are listed, with
reasons, in .cfnlintrc.yaml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_cfn_lint_is_clean(cdk_out: Path) -> None:
    templates = sorted(str(p) for p in [*cdk_out.glob("assembly-*/*.template.json"), *cdk_out.glob("*.template.json")])
    # every stack of every environment, the pipeline and its us-east-2 support stack
    assert len(templates) == 3 * 8 + 2
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--config-file",
            str(REPO_ROOT / ".cfnlintrc.yaml"),
            *templates,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
