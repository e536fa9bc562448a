"""What the web tier's Terraform needs from moto 5.2.5:

- every RDS instance gets its own DbiResourceId (moto gives all the same one,
  which breaks a second database in another workspace);
- what Terraform writes reads back as written, so applying an unchanged web
  tier again changes nothing: the description of a rule that references a
  security group, an RDS instance's Performance Insights settings, a scaling
  policy's `Enabled` (and no empty predictive scaling block), and a launch
  template's data without the template's own tags;
- a load balancer created without a `Scheme` is internet-facing, as on AWS
  (moto records none).
"""

from __future__ import annotations

import importlib
import uuid
from typing import Any


def _unique_rds_resource_ids() -> None:
    models: Any = importlib.import_module("moto.rds.models")

    original = models.DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()

    models.DBInstance.__init__ = init


def _terraform_reads_back_what_it_wrote() -> None:
    security_groups: Any = importlib.import_module("moto.ec2.models.security_groups")
    launch_templates: Any = importlib.import_module("moto.ec2.models.launch_templates")
    rds: Any = importlib.import_module("moto.rds.models")
    autoscaling: Any = importlib.import_module("moto.autoscaling.responses")

    def rule_description(self: Any) -> str | None:
        # moto keeps the description of a rule that names a source group on the group reference
        description: str | None = self.ip_range.get("Description") or self.source_group.get("Description")
        return description

    security_groups.SecurityGroupRule.description = property(rule_description)

    create_template = launch_templates.LaunchTemplateBackend.create_launch_template

    def create_template_as_given(self: Any, name: str, description: str, data: dict[str, Any], tags: Any) -> Any:
        # a template's own tags are not part of its launch data
        specs = [spec for spec in data.get("TagSpecifications", []) if spec.get("ResourceType") != "launch-template"]
        return create_template(self, name, description, {**data, "TagSpecifications": specs}, tags)

    launch_templates.LaunchTemplateBackend.create_launch_template = create_template_as_given

    init_instance = rds.DBInstance.__init__

    def init_with_performance_insights(self: Any, *args: Any, **kwargs: Any) -> None:
        init_instance(self, *args, **kwargs)
        enabled = bool(kwargs.get("enable_performance_insights"))
        self.performance_insights_enabled = enabled
        self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id") if enabled else None
        self.performance_insights_retention_period = (
            kwargs.get("performance_insights_retention_period") if enabled else None
        )

    rds.DBInstance.__init__ = init_with_performance_insights

    put_policy = autoscaling.AutoScalingResponse.put_scaling_policy

    def put_policy_as_given(self: Any) -> Any:
        result = put_policy(self)
        policy = self.autoscaling_backend.policies[self._get_param("PolicyName")]
        policy.enabled = str(self._get_param("Enabled", True)).lower() != "false"
        policy.predictive_scaling_configuration = policy.predictive_scaling_configuration or None
        return result

    autoscaling.AutoScalingResponse.put_scaling_policy = put_policy_as_given


def _default_load_balancer_scheme() -> None:
    elbv2: Any = importlib.import_module("moto.elbv2.models")
    create = elbv2.ELBv2Backend.create_load_balancer

    def create_with_default_scheme(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("scheme") is None:
            kwargs["scheme"] = "internet-facing"
        return create(self, *args, **kwargs)

    elbv2.ELBv2Backend.create_load_balancer = create_with_default_scheme


def apply() -> None:
    _unique_rds_resource_ids()
    _terraform_reads_back_what_it_wrote()
    _default_load_balancer_scheme()
