"""The process `tradeinfra emulator start` runs: moto in server mode on
127.0.0.1, set up for what the platform deploys.

- AWS managed IAM policies are loaded (the web tier attaches
  AmazonSSMManagedInstanceCore);
- every RDS instance gets its own DbiResourceId (moto 5.2.5 gives all the
  same one, which breaks a second database in another workspace);
- CloudFormation tags of SSM parameters (a map) and KMS keys (Key/Value) are
  read in the form CloudFormation uses; moto 5.2.5 crashes on both. The
  templates stay exactly what goes to AWS: the emulator adapts, not them;
- CDK's Lambda-backed custom resources cannot run (moto runs Lambda code only
  in Docker): the emulator does their work itself. Custom::VpcRestrictDefaultSG
  removes every rule of the VPC's default security group, as CDK's handler does;
- an `AWS::Lambda::Version` has an ARN (its Ref) and a `Version` attribute,
  as in CloudFormation (moto 5.2.5 returns its internal object for a Ref);
- `AWS::Lambda::Alias` is created (moto 5.2.5 skips it), so the order
  processor's `live` alias exists as on AWS;
- CloudFormation properties moto 5.2.5 drops are applied: a function's
  `Architectures` and `Tags`, a bucket's `VersioningConfiguration`;
- bucket policies see requests as made over TLS (`aws:SecureTransport`):
  the emulator listens on plain HTTP on loopback where AWS would be HTTPS, and
  the platform's TLS-only bucket policies must not lock every client out; and
  moto evaluates `Bool` conditions (it treats operators it does not know as
  always true, which turns a conditional Deny into a blanket one);
- a stack update may keep the previous value of a parameter the stack was
  created with by default (the CDK CLI does so for `BootstrapVersion`); moto
  5.2.5 fails the update with a KeyError, CloudFormation keeps the default.
- what Terraform writes reads back as written, so applying an unchanged web
  tier again changes nothing (with moto 5.2.5 it changed eight resources and
  paid the provider's RDS wait each time): the description of a rule that
  references a security group, an RDS instance's Performance Insights
  settings, a scaling policy's `Enabled` (and no empty predictive scaling
  block), and a launch template's data without the template's own tags (moto
  copies the `launch-template` tag specification into the version's data).

Run as `python -m tradeinfra.ops.emulator_server --port N`; SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import threading
import uuid
from typing import Any

HOST = "127.0.0.1"


def _unique_rds_resource_ids() -> None:
    models: Any = importlib.import_module("moto.rds.models")

    original = models.DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + uuid.uuid4().hex[:26].upper()

    models.DBInstance.__init__ = init


def _cloudformation_tag_formats() -> None:
    kms: Any = importlib.import_module("moto.kms.models")
    ssm: Any = importlib.import_module("moto.ssm.models")

    put_parameter = ssm.SimpleSystemManagerBackend.put_parameter

    def put_parameter_with_map_tags(self: Any, *args: Any, **kwargs: Any) -> Any:
        tags = kwargs.get("tags")
        if isinstance(tags, dict):
            kwargs["tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
        return put_parameter(self, *args, **kwargs)

    ssm.SimpleSystemManagerBackend.put_parameter = put_parameter_with_map_tags

    create_key = kms.KmsBackend.create_key

    def create_key_with_cfn_tags(self: Any, *args: Any, **kwargs: Any) -> Any:
        tags = kwargs.get("tags")
        if tags and "Key" in tags[0]:
            kwargs["tags"] = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in tags]
        return create_key(self, *args, **kwargs)

    kms.KmsBackend.create_key = create_key_with_cfn_tags


def _restrict_default_security_group(properties: dict[str, Any], account_id: str, region: str) -> None:
    ec2_backends: Any = importlib.import_module("moto.ec2.models").ec2_backends

    group = ec2_backends[account_id][region].get_security_group_from_id(properties["DefaultSecurityGroupId"])
    if group is not None:
        group.ingress_rules.clear()
        group.egress_rules.clear()


CDK_CUSTOM_RESOURCES = {"Custom::VpcRestrictDefaultSG": _restrict_default_security_group}


def _cdk_custom_resources() -> None:
    custom_model: Any = importlib.import_module("moto.cloudformation.custom_model")

    create = custom_model.CustomModel.create_from_cloudformation_json.__func__

    def create_in_process(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        handler = CDK_CUSTOM_RESOURCES.get(kwargs["ResourceType"])
        if handler is None:
            return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        handler(cloudformation_json["Properties"], account_id, region_name)
        resource = custom_model.CustomModel(region_name, str(uuid.uuid4()), kwargs["LogicalId"], resource_name)
        resource.set_data({})
        return resource

    custom_model.CustomModel.create_from_cloudformation_json = classmethod(create_in_process)


def _lambda_version_references() -> None:
    aws_lambda: Any = importlib.import_module("moto.awslambda.models")

    create = aws_lambda.LambdaVersion.create_from_cloudformation_json.__func__

    def create_with_arn(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        version = create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        function = aws_lambda.get_backend(account_id, region_name).get_function(
            cloudformation_json["Properties"]["FunctionName"]
        )
        version.arn = f"arn:aws:lambda:{region_name}:{account_id}:function:{function.function_name}:{version.version}"
        return version

    version_class: Any = aws_lambda.LambdaVersion
    version_class.create_from_cloudformation_json = classmethod(create_with_arn)
    version_class.physical_resource_id = property(lambda self: self.arn)
    version_class.has_cfn_attr = classmethod(lambda cls, attribute: attribute in ("Version", "FunctionArn"))
    version_class.get_cfn_attribute = lambda self, attribute: self.version if attribute == "Version" else self.arn


def _lambda_alias_resource() -> None:
    get_backend: Any = importlib.import_module("moto.awslambda.models").get_backend
    from moto.core.common_models import CloudFormationModel

    def alias_arguments(properties: dict[str, Any]) -> tuple[Any, ...]:
        """name, function name, version, description, routing config."""
        return (
            properties["Name"],
            properties["FunctionName"],
            str(properties["FunctionVersion"]),
            properties.get("Description", ""),
            properties.get("RoutingConfig"),
        )

    class LambdaAliasResource(CloudFormationModel):  # registered by subclassing
        __module__ = "moto.awslambda.models"  # moto files models by the service in their module path

        def __init__(self, alias: Any) -> None:
            self.alias = alias

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @property
        def physical_resource_id(self) -> str:
            return str(self.alias.arn)

        @classmethod
        def has_cfn_attr(cls, attribute: str) -> bool:
            return attribute == "AliasArn"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            return self.alias.arn

        @classmethod
        def create_from_cloudformation_json(
            cls,
            resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> LambdaAliasResource:
            backend = get_backend(account_id, region_name)
            return cls(backend.create_alias(*alias_arguments(cloudformation_json["Properties"])))

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: Any,
            new_resource_name: str,
            cloudformation_json: dict[str, Any],
            account_id: str,
            region_name: str,
        ) -> LambdaAliasResource:
            backend = get_backend(account_id, region_name)
            return cls(backend.update_alias(*alias_arguments(cloudformation_json["Properties"])))

        @classmethod
        def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
        ) -> None:
            properties = cloudformation_json["Properties"]
            get_backend(account_id, region_name).delete_alias(properties["Name"], properties["FunctionName"])


def _properties_moto_drops() -> None:
    aws_lambda: Any = importlib.import_module("moto.awslambda.models")
    s3: Any = importlib.import_module("moto.s3.models")

    create_function = aws_lambda.LambdaFunction.create_from_cloudformation_json.__func__

    def create_function_fully(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        function = create_function(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json.get("Properties", {})
        function.architectures = properties.get("Architectures", function.architectures)
        function.tags = {**function.tags, **{tag["Key"]: tag["Value"] for tag in properties.get("Tags", [])}}
        return function

    aws_lambda.LambdaFunction.create_from_cloudformation_json = classmethod(create_function_fully)

    create_bucket = s3.FakeBucket.create_from_cloudformation_json.__func__

    def create_bucket_fully(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        bucket = create_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        versioning = cloudformation_json.get("Properties", {}).get("VersioningConfiguration", {})
        if versioning.get("Status"):
            bucket.versioning_status = versioning["Status"]
        return bucket

    s3.FakeBucket.create_from_cloudformation_json = classmethod(create_bucket_fully)


REQUEST_CONTEXT = {"aws:SecureTransport": "true"}  # as over HTTPS on AWS


def _requests_count_as_tls() -> None:
    s3: Any = importlib.import_module("moto.s3.models")
    access_control: Any = importlib.import_module("moto.iam.access_control")
    conditions: Any = importlib.import_module("moto.iam.policy_conditions")

    def bool_equals(expected: list[str] | str, actual: str) -> bool:
        wanted = expected if isinstance(expected, list) else [expected]
        return str(actual).lower() in [str(value).lower() for value in wanted]

    conditions.CONDITION_OPERATIONS.setdefault("Bool", bool_equals)

    def holds(condition: dict[str, Any] | None) -> bool:
        return all(
            test.verify_condition([REQUEST_CONTEXT[key] for key in test.context_keys if key in REQUEST_CONTEXT])
            for test in conditions.TrustRelationShipConditions(condition or {})
        )

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return access_control.PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        # moto answers DENIED for any statement whose condition does not
        # hold, Deny or Allow; a Deny whose condition does not hold denies nothing.
        applicable = [s for s in statements if s.get("Effect") != "Deny" or holds(s.get("Condition"))]
        if not applicable:
            return access_control.PermissionResult.NEUTRAL
        policy = access_control.IAMPolicy(json.dumps({**document, "Statement": applicable}))
        return policy.is_action_permitted(action, resource, incoming_condition_values=REQUEST_CONTEXT)

    s3.FakeBucket.get_permission = get_permission


def _previous_parameter_values() -> None:
    cloudformation: Any = importlib.import_module("moto.cloudformation.models")
    resolve = cloudformation.CloudFormationBackend._resolve_update_parameters

    def resolve_with_defaults(self: Any, instance: Any, incoming_params: list[dict[str, str]]) -> dict[str, str]:
        known = [
            p
            for p in incoming_params
            if not p.get("UsePreviousValue", False) or p["ParameterKey"] in instance.parameters
        ]
        return dict(resolve(self, instance, known))

    cloudformation.CloudFormationBackend._resolve_update_parameters = resolve_with_defaults


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


def serve(port: int) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    _unique_rds_resource_ids()
    _cloudformation_tag_formats()
    _cdk_custom_resources()
    _lambda_version_references()
    _lambda_alias_resource()
    _requests_count_as_tls()
    _properties_moto_drops()
    _previous_parameter_values()
    _terraform_reads_back_what_it_wrote()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    server.start()
    print(f"moto server listening on http://{HOST}:{port}", flush=True)
    stopped.wait()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
