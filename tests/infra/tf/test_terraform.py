"""Terraform itself, offline: init from the provider mirror, validate, and
reject bad variable values with their messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.infra.tf.conftest import TfSynth, terraform, workdir_for


@pytest.mark.parametrize("stack", ["web-tier", "state-backend", "ledger"])
def test_init_and_validate(tf_synth: TfSynth, plugin_dir: Path, tmp_path: Path, stack: str) -> None:
    workdir = workdir_for(tf_synth, stack, tmp_path / stack)
    init = terraform(workdir, "init", "-backend=false", f"-plugin-dir={plugin_dir}", "-input=false")
    assert init.returncode == 0, init.stderr
    validate = terraform(workdir, "validate", "-json")
    report = json.loads(validate.stdout)
    assert report["valid"] is True, report["diagnostics"]
    assert report["warning_count"] == 0, report["diagnostics"]


BAD_VALUES = {
    "environment": ('"qa"', "environment must be one of dev, staging, prod."),
    "environment_suffix": ('"Not-Valid"', "environment_suffix must be 2-8 lowercase letters or digits."),
    "aws_region": ('"mars-1"', "aws_region must be an AWS region"),
    "aws_account_id": ('"1234"', "aws_account_id must be 12 digits."),
    "vpc_cidr": ('"10.300.0.0/16"', "vpc_cidr must be a CIDR block"),
    "db_instance_class": ('"db.x9.huge"', "db_instance_class must be one of"),
    "db_backup_retention_days": ("90", "db_backup_retention_days must be between 1 and 35."),
    "asg_min_size": ("-1", "asg_min_size must be a whole number between 0 and 100."),
    "asg_max_size": ("2.5", "asg_max_size must be a whole number between 1 and 100."),
    "asg_desired_capacity": ("500", "asg_desired_capacity must be a whole number between 0 and 100."),
    "alb_ingress_cidrs": ('["0.0.0.0/0"]', "alb_ingress_cidrs must not contain 0.0.0.0/0"),
}


def test_bad_tfvars_are_rejected_with_their_messages(tf_synth: TfSynth, plugin_dir: Path, tmp_path: Path) -> None:
    workdir = workdir_for(tf_synth, "web-tier", tmp_path / "web-tier")
    # Plan with a local backend and a provider pointed at a dead local endpoint:
    # variable validation needs no AWS.
    (workdir / "backend_override.tf.json").write_text(json.dumps({"terraform": {"backend": {"local": {}}}}))
    (workdir / "provider_override.tf.json").write_text(json.dumps({"provider": {"aws": {
        "skip_credentials_validation": True, "skip_requesting_account_id": True,
        "skip_metadata_api_check": "true", "max_retries": 0,
    }}}))  # fmt: skip
    assert terraform(workdir, "init", f"-plugin-dir={plugin_dir}", "-input=false").returncode == 0
    good = (tf_synth.tfvars / "prod.tfvars").read_text().splitlines()
    bad_lines = [
        f"{line.split('=')[0].strip()} = {BAD_VALUES[line.split('=')[0].strip()][0]}"
        if line and not line.startswith("#") and line.split("=")[0].strip() in BAD_VALUES
        else line
        for line in good
    ]
    (workdir / "bad.tfvars").write_text("\n".join(bad_lines) + "\n")
    plan = terraform(
        workdir,
        "plan",
        "-var-file=bad.tfvars",
        "-input=false",
        "-lock=false",
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
             "AWS_EC2_METADATA_DISABLED": "true"},
    )  # fmt: skip
    assert plan.returncode == 1
    output = " ".join((plan.stdout + plan.stderr).split())  # messages wrap across lines
    missing = [name for name, (_, message) in BAD_VALUES.items() if message not in output]
    assert missing == [], output[-4000:]
