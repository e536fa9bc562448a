"""Shared by the CDK tests; the session's synth lives in tests/infra/conftest.py."""

from __future__ import annotations

from tradeinfra.cdk.assembly import SynthesizedStack

Assembly = dict[str, dict[str, SynthesizedStack]]
