"""The web tier as a CDK for Terraform app (cdktf 0.21, AWS provider 5.100)."""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
