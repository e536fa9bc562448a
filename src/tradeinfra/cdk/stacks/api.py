"""The REST API in front of the order processor."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, encrypted_log_group
from tradeinfra.config import references
from tradeinfra.config.models import ApiConfig, EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, check_name

ORDER_SCHEMA = apigateway.JsonSchema(
    schema=apigateway.JsonSchemaVersion.DRAFT4,
    type=apigateway.JsonSchemaType.OBJECT,
    required=["client_order_id", "symbol", "side", "quantity", "limit_price"],
    additional_properties=False,
    properties={
        "client_order_id": apigateway.JsonSchema(
            type=apigateway.JsonSchemaType.STRING, pattern="^[A-Za-z0-9_-]{8,64}$"
        ),
        "symbol": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, pattern="^[A-Z]{1,8}(\\.[A-Z]{1,2})?$"),
        "side": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, enum=["BUY", "SELL"]),
        "quantity": apigateway.JsonSchema(type=apigateway.JsonSchemaType.INTEGER, minimum=1),
        "limit_price": apigateway.JsonSchema(type=apigateway.JsonSchemaType.STRING, pattern="^[0-9]+(\\.[0-9]{1,4})?$"),
    },
)


class ApiStack(TradingStack):
    def __init__(
        self,
        scope: Construct,
        *,
        environment: EnvironmentConfig,
        api: ApiConfig,
        validator_role_name: str | None = None,
    ) -> None:
        super().__init__(scope, "api", environment=environment, description="Orders REST API")
        env = environment.name
        key = EncryptionKey(
            self,
            "LogsKey",
            alias=cdk_name(env, "api-logs"),
            description="Encrypts API access logs",
            for_logs=True,
        ).key
        access_logs = encrypted_log_group(
            self,
            "AccessLogs",
            name=f"/trading/{env}/api-access-logs",
            retention_days=api.access_log_retention_days,
            key=key,
        )
        self.rest_api = apigateway.RestApi(
            self,
            "OrdersApi",
            rest_api_name=cdk_name(env, "api", ResourceKind.API_GATEWAY),
            description="Order entry for the trading platform",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=True,
            deploy=True,  # the stage is created with the API
            deploy_options=apigateway.StageOptions(
                stage_name=env,
                throttling_rate_limit=api.throttling_rate_limit,
                throttling_burst_limit=api.throttling_burst_limit,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigateway.MethodLoggingLevel.INFO,
                data_trace_enabled=False,  # bodies hold order details: keep them out of logs
                metrics_enabled=True,
                tracing_enabled=True,
            ),
            default_method_options=apigateway.MethodOptions(authorization_type=apigateway.AuthorizationType.IAM),
        )
        # RestApi adds its own "Endpoint" output; the URL is published (output + SSM) below instead.
        self.rest_api.node.try_remove_child("Endpoint")
        # The live alias: traffic shifting and rollback move it, not this API.
        handler = lambda_.Function.from_function_attributes(
            self, "OrderProcessor", function_arn=self.read(references.ALIAS_ARN), same_environment=True
        )
        integration = apigateway.LambdaIntegration(handler)
        body_validator = self.rest_api.add_request_validator(
            "BodyValidator", validate_request_body=True, validate_request_parameters=True
        )
        params_validator = self.rest_api.add_request_validator("ParamsValidator", validate_request_parameters=True)
        order_model = self.rest_api.add_model("OrderModel", content_type="application/json", schema=ORDER_SCHEMA)
        orders = self.rest_api.root.add_resource("orders")
        orders.add_method(
            "POST",
            integration,
            request_validator=body_validator,
            request_models={"application/json": order_model},
        )
        orders.add_resource("{id}").add_method(
            "GET",
            integration,
            request_validator=params_validator,
            request_parameters={"method.request.path.id": True},
        )
        acknowledge(
            self.rest_api,
            {
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": "The account-level role API Gateway needs to write access and execution logs",
                "AwsSolutions::AwsSolutions-COG4": "Callers are internal services: methods use IAM (SigV4) authorization, not Cognito",
                "NIST.800.53.R5::NIST.800.53.R5-APIGWCacheEnabledAndEncrypted": "Order responses must never be served from a cache",
                "PCI.DSS.321::PCI.DSS.321-APIGWCacheEnabledAndEncrypted": "Order responses must never be served from a cache",
                "NIST.800.53.R5::NIST.800.53.R5-APIGWSSLEnabled": "The backend is a Lambda integration, not an HTTP endpoint that could check a client certificate",
                "PCI.DSS.321::PCI.DSS.321-APIGWSSLEnabled": "The backend is a Lambda integration, not an HTTP endpoint that could check a client certificate",
            },
        )
        self._web_acl(env, key, api.access_log_retention_days, api.client_rate_limit_per_5_minutes)
        if validator_role_name is not None:
            self._validator_smoke_test(validator_role_name)
        self.publish(references.API_URL, self.rest_api.url)
        self.publish(references.API_ID, self.rest_api.rest_api_id)

    def _validator_smoke_test(self, role_name: str) -> None:
        """The post-deployment validator sends its smoke-test order through
        this API, signed as itself: exactly the two order routes of this
        API's stage (the security stack, which owns the role, precedes the API)."""
        stage = self.environment_name  # the stage is named after the environment
        api_id = f"<{self.resolve(self.get_logical_id(self.rest_api.node.default_child))}>"  # type: ignore[arg-type]
        policy = iam.Policy(
            self,
            "ValidatorSmokeTest",
            roles=[iam.Role.from_role_name(self, "ValidatorRole", role_name)],
            statements=[
                iam.PolicyStatement(
                    sid="SmokeTestOrderThroughTheApi",
                    actions=["execute-api:Invoke"],
                    resources=[
                        self.rest_api.arn_for_execute_api("POST", "/orders", stage),
                        self.rest_api.arn_for_execute_api("GET", "/orders/*", stage),
                    ],
                )
            ],
        )
        acknowledge(
            policy,
            {
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The validator's smoke-test grant names this API's two order routes only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The validator's smoke-test grant names this API's two order routes only",
                f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:{self.partition}:execute-api:{self.region}:{self.account}:{api_id}/{stage}/GET/orders/*]": "Any order id on this API's stage: the smoke order's id is generated at run time",
            },
        )

    def _web_acl(self, env: str, key: kms.IKey, log_retention_days: int, client_rate_limit: int) -> None:
        """AWS managed protections plus a per-client rate limit in front of the
        stage (the stage's own throttling is shared by every client)."""

        def managed(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=_visibility(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=check_name(cdk_name(env, "api-acl"), ResourceKind.GENERIC),
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility("orders-api"),
            rules=[
                managed("AWSManagedRulesCommonRuleSet", 0),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
                wafv2.CfnWebACL.RuleProperty(
                    name="PerClientRateLimit",
                    priority=2,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", limit=client_rate_limit, evaluation_window_sec=300
                        )
                    ),
                    visibility_config=_visibility("PerClientRateLimit"),
                ),
            ],
        )
        # WAF only logs to log groups whose name starts with aws-waf-logs-.
        waf_log_name = f"aws-waf-logs-{cdk_name(env, 'api')}"
        encrypted_log_group(self, "WebAclLogs", name=waf_log_name, retention_days=log_retention_days, key=key)
        wafv2.CfnLoggingConfiguration(
            self,
            "WebAclLogging",
            resource_arn=acl.attr_arn,
            log_destination_configs=[
                self.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=waf_log_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.rest_api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )
