"""terraform/<env>.tfvars: generated from config/ and committed; they must match."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.infra.tf.conftest import TfSynth
from tradeinfra.config.loader import PlatformConfig


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_committed_tfvars_match_config(tf_synth: TfSynth, env: str) -> None:
    committed = REPO_ROOT / "terraform" / f"{env}.tfvars"
    assert committed.read_text() == (tf_synth.tfvars / f"{env}.tfvars").read_text(), (
        f"{committed} is out of date: run 'tradeinfra synth'"
    )


def test_tfvars_values(tf_synth: TfSynth, platform: PlatformConfig) -> None:
    prod = (tf_synth.tfvars / "prod.tfvars").read_text()
    assert 'db_instance_class        = "db.t3.large"' in prod
    assert "db_multi_az              = true" in prod
    assert "asg_min_size             = 3" in prod and "asg_desired_capacity     = 5" in prod
    dev = (tf_synth.tfvars / "dev.tfvars").read_text()
    assert 'db_instance_class        = "db.t3.micro"' in dev and "alb_access_logs          = false" in dev


def test_tfvars_hold_only_identity_and_declared_variations(tf_synth: TfSynth, platform: PlatformConfig) -> None:
    from tradeinfra.tf.variables import variable_specs

    for spec in variable_specs(platform):
        assert spec.source.startswith("identity.") or platform.is_declared_variation(spec.source), spec.name
