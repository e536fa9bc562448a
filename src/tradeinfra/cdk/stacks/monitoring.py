"""Where the environment's alarms go, and the CloudFormation drift detection
that raises one when a deployed stack no longer matches its template.

The drift detector runs on a schedule from config and whenever a stack of the
environment finishes an update; it publishes Trading/Drift metrics that the
alarms below watch. Where config enables it, the AWS Config managed rule
cloudformation-stack-drift-detection-check is a second, independent signal.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_config as config
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey
from tradeinfra.cdk.constructs.operations_function import OperationsFunction
from tradeinfra.cdk.constructs.read_access import DRIFT_DETECTION_ACTIONS, read_acknowledgments, read_statements
from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig, MonitoringConfig
from tradeinfra.config.naming import ResourceKind, alarm_name, cdk_name

DRIFT_NAMESPACE = "Trading/Drift"  # runtime/drift_detector/metrics.py publishes here
# A detection run polls for at most this long; the function gets a minute more
# to publish its metrics.
DRIFT_WAIT_SECONDS = 240
# Stack statuses after which the stack's template is what CloudFormation last
# applied: the moment to check that nothing else changed it.
SETTLED_STATUSES = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"]


class MonitoringStack(TradingStack):
    def __init__(self, scope: Construct, *, environment: EnvironmentConfig, monitoring: MonitoringConfig) -> None:
        super().__init__(scope, "monitoring", environment=environment, description="Alarm topic and drift detection")
        env = environment.name
        self.stack_prefix = f"{env}-trading-"
        self.key = EncryptionKey(
            self,
            "MonitoringKey",
            alias=cdk_name(env, "monitoring"),
            description="Encrypts the alarm topic, drift-detector logs and dead letters",
            for_logs=True,
        ).key
        self.alarm_topic = self._alarm_topic(env, monitoring, self.key)
        self.alarm_action = cloudwatch_actions.SnsAction(self.alarm_topic)
        detector = self._drift_detector(env, monitoring, self.environment_vpc(isolated=False))
        self._drift_alarms(env, monitoring, detector)
        if monitoring.aws_config_drift_rule:
            self._config_rule(env)
        self.publish(references.ALARM_TOPIC_ARN, self.alarm_topic.topic_arn)
        self.retire_exports(self.alarm_topic.topic_arn)

    def _alarm_topic(self, env: str, monitoring: MonitoringConfig, key: kms.IKey) -> sns.Topic:
        # Alarms and EventBridge publish to the encrypted topic with the
        # service's own identity; the key lets them, for this account only.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlarmAndEventPublishing",
                principals=[
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                    iam.ServicePrincipal("events.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=cdk_name(env, "alarms", ResourceKind.SNS_TOPIC),
            display_name=f"Trading platform alarms ({env})",
            master_key=key,
            enforce_ssl=True,
        )
        for address in monitoring.alarm_emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        return topic

    def _drift_detector(self, env: str, monitoring: MonitoringConfig, vpc: ec2.IVpc) -> OperationsFunction:
        dead_letters = sqs.Queue(
            self,
            "DriftDetectorDeadLetters",
            queue_name=cdk_name(env, "drift-detector-dlq", ResourceKind.SQS_QUEUE),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            dead_letters,
            {
                "AwsSolutions::AwsSolutions-SQS3": "This queue is the dead-letter queue of the drift detector",
                "NIST.800.53.R5::NIST.800.53.R5-SQSQueueDLQ": "This queue is the dead-letter queue of the drift detector",
            },
        )
        detector = OperationsFunction(
            self,
            "DriftDetector",
            function_name=cdk_name(env, "drift-detector", ResourceKind.LAMBDA_FUNCTION),
            description="Runs CloudFormation drift detection on every stack of the environment",
            package="drift_detector",
            handler="lambda_handler",
            vpc=vpc,
            key=self.key,
            timeout=cdk.Duration.seconds(DRIFT_WAIT_SECONDS + 60),
            log_retention_days=365,
            environment={
                "ENVIRONMENT": env,
                "STACK_PREFIX": self.stack_prefix,
                "MAX_WAIT_SECONDS": str(DRIFT_WAIT_SECONDS),
            },
            dead_letter_queue=dead_letters,
        )
        function = detector.function
        for statement in self._drift_detection_statements():
            function.add_to_role_policy(statement)
        function.add_to_role_policy(
            iam.PolicyStatement(
                sid="PublishDriftMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": DRIFT_NAMESPACE}},
            )
        )
        invoke = targets.LambdaFunction(
            function, dead_letter_queue=dead_letters, retry_attempts=2, max_event_age=cdk.Duration.hours(1)
        )
        events.Rule(
            self,
            "DriftSchedule",
            rule_name=cdk_name(env, "drift-schedule"),
            description=f"Drift detection every {monitoring.drift_check_interval_minutes} minutes",
            schedule=events.Schedule.rate(cdk.Duration.minutes(monitoring.drift_check_interval_minutes)),
            targets=[invoke],
        )
        events.Rule(
            self,
            "StackChangeTrigger",
            rule_name=cdk_name(env, "drift-on-stack-change"),
            description="Drift detection on a stack of the environment as soon as it settles after a change",
            event_pattern=events.EventPattern(
                source=["aws.cloudformation"],
                detail_type=["CloudFormation Stack Status Change"],
                detail={
                    "stack-id": events.Match.prefix(
                        f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/{self.stack_prefix}"
                    ),
                    "status-details": {"status": SETTLED_STATUSES},
                },
            ),
            targets=[invoke],
        )
        acknowledge(
            function,
            {
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": "AWS-managed log-writing policy added by CDK; the environment's permission boundary caps it",
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]": "ENI management for a function in the VPC; these EC2 actions cannot be scoped to resources",
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "Drift detection reads every resource of a stack with the caller's credentials; the actions are configuration reads only (read_access.py), and ListStacks, X-Ray and PutMetricData (namespace-conditioned) take no resource",
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{self._stack_arns()}]": "Every stack of this environment, and only those",
                **read_acknowledgments(self, self.environment_name),
                "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": "KMS data-key actions granted by CDK on the monitoring key only",
                "AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]": "KMS re-encrypt actions granted by CDK on the monitoring key only",
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The detector's grants are a policy attached to its role only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The detector's grants are a policy attached to its role only",
            },
        )
        return detector

    def _drift_detection_statements(self) -> list[iam.PolicyStatement]:
        """Drift detection on this environment's stacks; it reads each
        resource with the caller's permissions, hence the configuration reads."""
        return [
            iam.PolicyStatement(
                sid="DetectDriftOnThisEnvironmentsStacks",
                actions=DRIFT_DETECTION_ACTIONS,
                resources=[self._stack_arns()],
            ),
            *read_statements(self, self.environment_name, read_function_code=True),
        ]

    def _stack_arns(self) -> str:
        return self.format_arn(service="cloudformation", resource="stack", resource_name=f"{self.stack_prefix}*/*")

    def _drift_alarms(self, env: str, monitoring: MonitoringConfig, detector: OperationsFunction) -> None:
        period = cdk.Duration.minutes(monitoring.drift_check_interval_minutes)

        def alarm(
            construct_id: str,
            purpose: str,
            metric_name: str,
            what: str,
            periods: int,
            missing: cloudwatch.TreatMissingData,
        ) -> None:
            created = cloudwatch.Alarm(
                self,
                construct_id,
                alarm_name=alarm_name(env, purpose),
                alarm_description=what,
                metric=cloudwatch.Metric(
                    namespace=DRIFT_NAMESPACE,
                    metric_name=metric_name,
                    dimensions_map={"Environment": env},
                    statistic="Maximum",
                    period=period,
                ),
                threshold=1,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=missing,
            )
            created.add_alarm_action(self.alarm_action)
            created.add_ok_action(self.alarm_action)

        alarm(
            "StackDriftAlarm",
            "stack-drift",
            "DriftedStacks",
            f"A CloudFormation stack of {env} no longer matches its template (drift detected)",
            1,
            cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # Every run publishes DetectionFailures (0 when all went well): a
        # failure or a run that never happened (missing data) both raise it.
        alarm(
            "DriftCheckFailingAlarm",
            "drift-check-failing",
            "DetectionFailures",
            f"Drift detection in {env} failed or did not run: drift would go unnoticed",
            2,
            cloudwatch.TreatMissingData.BREACHING,
        )

    def _config_rule(self, env: str) -> None:
        role = iam.Role(
            self,
            "DriftRuleRole",
            role_name=cdk_name(env, "config-drift-check", ResourceKind.IAM_ROLE),
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            description="AWS Config runs drift detection on this environment's stacks with this role",
        )
        for statement in self._drift_detection_statements():
            role.add_to_policy(statement)
        acknowledge(
            role,
            {
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "Drift detection reads every resource of a stack with the caller's credentials; the actions are configuration reads only (read_access.py)",
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{self._stack_arns()}]": "Every stack of this environment, and only those",
                **read_acknowledgments(self, self.environment_name),
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The rule's grants are a policy attached to its role only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The rule's grants are a policy attached to its role only",
            },
        )
        rule = config.ManagedRule(
            self,
            "StackDriftRule",
            config_rule_name=cdk_name(env, "stack-drift-check"),
            description="AWS Config: CloudFormation stacks of the account that have drifted",
            identifier=config.ManagedRuleIdentifiers.CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK,
            input_parameters={"cloudformationRoleArn": role.role_arn},
            rule_scope=config.RuleScope.from_resources([config.ResourceType.CLOUDFORMATION_STACK]),
        )
        rule.on_compliance_change(
            "NonCompliantToAlarmTopic",
            rule_name=cdk_name(env, "config-drift-to-alarms"),
            description="A stack turned NON_COMPLIANT under the drift rule: notify the alarm topic",
            event_pattern=events.EventPattern(detail={"newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}),
            target=targets.SnsTopic(self.alarm_topic),
        )
