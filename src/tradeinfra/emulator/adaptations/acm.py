"""ACM on moto 5.2.5: a requested certificate turns ISSUED once it has
waited MOTO_ACM_VALIDATION_WAIT seconds (60 by default) after creation,
whether or not its DNS validation record exists. Terraform's
aws_acm_certificate_validation waits for ISSUED: without a wait the web
tier's deploy does not sit out a minute per environment. DNS validation
itself is not emulated (README)."""

from __future__ import annotations

import importlib
from typing import Any


def apply() -> None:
    settings: Any = importlib.import_module("moto.settings")
    settings.ACM_VALIDATION_WAIT = 0
