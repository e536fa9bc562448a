"""What the platform's CloudFormation templates need from moto 5.2.5, which
the emulator adapts rather than the templates (they stay what goes to AWS):

- CloudFormation tags of SSM parameters (a map) and KMS keys (Key/Value);
  moto crashes on both;
- CDK's Lambda-backed custom resources cannot run (moto runs Lambda code only
  in Docker): the emulator does their work. Custom::VpcRestrictDefaultSG
  removes every rule of the VPC's default security group, as CDK's handler does;
- an `AWS::Lambda::Version` has an ARN (its Ref) and a `Version` attribute;
- `AWS::Lambda::Alias` is created (moto skips it);
- properties moto drops are applied: a function's `Architectures` and `Tags`,
  a bucket's `VersioningConfiguration`;
- a stack update may keep the previous value of a parameter created by
  default (the CDK CLI does so for `BootstrapVersion`); moto fails the update
  with a KeyError, CloudFormation keeps the default;
- a parameter resolved from Parameter Store is described as CloudFormation
  describes it: `ParameterValue` the parameter's name, `ResolvedValue` the
  value the stack was deployed with (moto gives the value as `ParameterValue`);
- an update whose template and parameters are unchanged still goes ahead when
  a parameter resolved from Parameter Store has a new value there, as
  CloudFormation resolves such parameters again on every update (moto says
  "No updates are to be performed" and keeps the old value);
- a deleted stack stays deleted: moto creates a stack's resources lazily, on
  first reference, so describing a deleted stack (its outputs, as the CDK CLI
  does while it waits) created its table, queues and functions again.
"""

from __future__ import annotations

import importlib
import uuid
from typing import Any

from tradeinfra.config.references import from_parameter_store


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

        def delete(self, account_id: str, region_name: str) -> None:
            """On stack deletion (the template's FunctionName is a reference;
            the alias knows its function from its ARN)."""
            function_name = self.alias.arn.split(":function:", 1)[1].rsplit(":", 1)[0]
            backend = get_backend(account_id, region_name)
            try:
                backend.get_function(function_name)
            except Exception:
                return  # the function went first: its aliases went with it, as on AWS
            backend.delete_alias(self.alias.name, function_name)


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


def _resolved_parameter_values() -> None:
    cloudformation: Any = importlib.import_module("moto.cloudformation.models")
    listed = cloudformation.Stack.parameter_list.fget

    def described_as_cloudformation(self: Any) -> list[dict[str, Any]]:
        declared = _ssm_parameters(self.resource_map)
        parameters: list[dict[str, Any]] = listed(self)
        for parameter in parameters:
            key = parameter["ParameterKey"]
            slot = declared.get(key)
            if slot is not None:
                parameter["ResolvedValue"] = _as_string(parameter["ParameterValue"])
                parameter["ParameterValue"] = self.resource_map.input_parameters.get(key, slot.get("Default"))
        return parameters

    cloudformation.Stack.parameter_list = property(described_as_cloudformation)


def _ssm_parameters(resource_map: Any) -> dict[str, dict[str, Any]]:
    # the template the stack runs (one created by a change set keeps it there only)
    declared = getattr(resource_map, "_template", None) or {}
    return {key: slot for key, slot in declared.get("Parameters", {}).items() if from_parameter_store(slot.get("Type"))}


def _as_string(value: Any) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


def _resolved_anew(resource_map: Any) -> set[str]:
    """The stack's SSM-backed parameters whose value in Parameter Store is no
    longer the one the stack resolved."""
    ssm_backends: Any = importlib.import_module("moto.ssm.models").ssm_backends
    backend = ssm_backends[resource_map._account_id][resource_map._region_name]
    changed = set()
    for key, slot in _ssm_parameters(resource_map).items():
        current = backend.get_parameter(resource_map.input_parameters.get(key, slot.get("Default")))
        if current is None or current.value != _as_string(resource_map.resolved_parameters.get(key)):
            changed.add(key)
    return changed


def _updates_resolve_parameters_again() -> None:
    responses: Any = importlib.import_module("moto.cloudformation.responses")
    parsing: Any = importlib.import_module("moto.cloudformation.parsing")
    validate = responses.CloudFormationResponse._validate_different_update

    def validate_unless_resolved_anew(self: Any, incoming_params: Any, stack_body: Any, old_stack: Any) -> None:
        if not _resolved_anew(old_stack.resource_map):
            validate(self, incoming_params, stack_body, old_stack)

    responses.CloudFormationResponse._validate_different_update = validate_unless_resolved_anew

    diff = parsing.ResourceMap.build_resource_diff

    def diff_with_values_resolved_anew(self: Any, other_template: dict[str, Any], parameters: Any = None) -> Any:
        actions = diff(self, other_template, parameters)
        changed = _resolved_anew(self)
        for name, resource in other_template["Resources"].items():
            unchanged = name in self._resource_json_map and name not in actions["Modify"]
            if unchanged and changed & set(parsing.get_references_from_template(resource)):
                actions["Modify"].append(name)
        return actions

    parsing.ResourceMap.build_resource_diff = diff_with_values_resolved_anew


def _deleted_stacks_stay_deleted() -> None:
    cloudformation: Any = importlib.import_module("moto.cloudformation.models")
    parsing: Any = importlib.import_module("moto.cloudformation.parsing")

    delete = cloudformation.Stack.delete

    class NoOutputs(dict[str, Any]):
        """A deleted stack's outputs: none (its resources are gone)."""

        exports: list[Any] = []

    def delete_for_good(self: Any) -> None:
        self.resource_map.deleted = True  # set first: a failed deletion must not recreate either
        try:
            delete(self)
        finally:
            self.output_map = NoOutputs()

    cloudformation.Stack.delete = delete_for_good

    get = parsing.ResourceMap.__getitem__

    def get_existing(self: Any, key: str) -> Any:
        if getattr(self, "deleted", False) and key not in self._parsed_resources:
            return None  # deleted with its stack: never created again by a reference
        return get(self, key)

    parsing.ResourceMap.__getitem__ = get_existing


def apply() -> None:
    _deleted_stacks_stay_deleted()
    _cloudformation_tag_formats()
    _cdk_custom_resources()
    _lambda_version_references()
    _lambda_alias_resource()
    _properties_moto_drops()
    _previous_parameter_values()
    _resolved_parameter_values()
    _updates_resolve_parameters_again()
