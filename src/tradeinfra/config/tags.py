"""The mandatory tags of every taggable resource, for both apps."""

from __future__ import annotations

from tradeinfra.config.models import EnvironmentConfig

MANAGED_BY_CDK = "tradeinfra-cdk"
MANAGED_BY_TERRAFORM = "tradeinfra-cdktf"
MANDATORY_TAG_KEYS = ("Environment", "Project", "ManagedBy", "CostCenter", "Owner", "Compliance")


def mandatory_tags(env: EnvironmentConfig, managed_by: str) -> dict[str, str]:
    """Environment, Project, ManagedBy, CostCenter, Owner and Compliance."""
    return {
        "Environment": env.name,
        "Project": env.tags.project,
        "ManagedBy": managed_by,
        "CostCenter": env.tags.cost_center,
        "Owner": env.tags.owner,
        "Compliance": env.tags.compliance,
    }
