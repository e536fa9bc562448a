"""The platform's workloads and resources by name, and where each is found in
the synthesized output. Contracts (config/access.yaml) speak these names;
this module alone knows construct paths and ARN shapes.

Paths are construct paths relative to their scope: an environment's stacks
(`env`), or the tooling account (`tooling`: the delivery pipeline and the
Terraform state backend). `{env}` and `{Env}` stand for the environment a
rule is evaluated in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ScopeKind = Literal["env", "tooling"]


@dataclass(frozen=True)
class Workload:
    scope: ScopeKind
    path: str
    description: str
    # Who assumes the role: a service principal, another workload, or the
    # environment's account (for roles its deployers assume from outside).
    assumed_by_service: str | None = None
    assumed_by_workload: str | None = None
    assumed_by_environment_account: bool = False
    # The path of the boundary the role carries instead of the environment's
    # permission boundary (a deployer, whose work that boundary forbids).
    ceiling: str | None = None
    # A config setting (dotted) that creates the role where it is set; the
    # role is required there and must be absent elsewhere.
    present_when: str | None = None


@dataclass(frozen=True)
class Resource:
    description: str
    # An ARN template: {account} {region} {env} {tooling_account} {tooling_region},
    # and {env:<path>} / {tooling:<path>} for the ARN (or id) of a synthesized resource.
    arn: str
    # A resource outside the synthesized output: its policy as the platform
    # expects it to exist (documented in docs/decisions/0008-access-gate.md).
    external_policy: dict[str, object] | None = None
    # An S3 bucket's ARN names no account: True where it is the tooling account's.
    in_tooling: bool = False


def _service(scope: ScopeKind, path: str, service: str, description: str) -> Workload:
    return Workload(scope, path, description, assumed_by_service=service)


PIPELINE = "trading-pipeline/Pipeline"

WORKLOADS: dict[str, Workload] = {
    "order-processor": _service(
        "env", "compute/OrderProcessor/ServiceRole/Resource", "lambda.amazonaws.com", "The order-processor function"
    ),
    "pre-traffic-hook": _service(
        "env",
        "compute/Release/PreTrafficHook/Function/ServiceRole/Resource",
        "lambda.amazonaws.com",
        "Synthetic check before a release takes traffic",
    ),
    "post-traffic-hook": _service(
        "env",
        "compute/Release/PostTrafficHook/Function/ServiceRole/Resource",
        "lambda.amazonaws.com",
        "Conformance check after a release took traffic",
    ),
    "release-deployment": _service(
        "env",
        "compute/Release/DeploymentGroup/ServiceRole/Resource",
        "codedeploy.amazonaws.com",
        "CodeDeploy shifting the live alias",
    ),
    "drift-detector": _service(
        "env",
        "monitoring/DriftDetector/Function/ServiceRole/Resource",
        "lambda.amazonaws.com",
        "Scheduled CloudFormation drift detection",
    ),
    "drift-rule": _service(
        "env", "monitoring/DriftRuleRole/Resource", "config.amazonaws.com", "AWS Config's drift rule"
    ),
    "orders-backup": Workload(
        "env",
        "data/BackupPlan/OrdersTable/Role/Resource",
        "AWS Backup taking the orders table's daily backup",
        assumed_by_service="backup.amazonaws.com",
        present_when="data.backup_retention_days",
    ),
    "flow-logs": _service(
        "env", "network/Vpc/FlowLog/IAMRole/Resource", "vpc-flow-logs.amazonaws.com", "VPC flow log delivery"
    ),
    "api-logging": _service(
        "env", "api/OrdersApi/CloudWatchRole/Resource", "apigateway.amazonaws.com", "API Gateway's logging role"
    ),
    "default-sg-restrictor": _service(
        "env",
        "network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role",
        "lambda.amazonaws.com",
        "Custom resource that empties the VPC's default security group",
    ),
    "validator": Workload(
        "env",
        "security/PostDeployValidatorRole/Resource",
        "Post-deployment validation (read-only)",
        assumed_by_workload="pipeline-validate",
    ),
    "web-tier-deployer": Workload(
        "env",
        "security/WebTierDeployer/Role/Resource",
        "Applies the web tier's Terraform (the pipeline's web-tier step)",
        assumed_by_workload="pipeline-webtier",
        ceiling="security/WebTierDeployer/Ceiling/Resource",
    ),
    "web-instance": _service("env", "web-tier/compute/role", "ec2.amazonaws.com", "Web-tier EC2 instances"),
    "rds-monitoring": _service(
        "env", "web-tier/database/monitoring_role", "monitoring.rds.amazonaws.com", "RDS enhanced monitoring"
    ),
    "web-tier-state": Workload(
        "tooling",
        "state-backend/access_{env}/role",
        "The environment's Terraform, reaching its state in the tooling account",
        assumed_by_environment_account=True,
    ),
    "web-tier-state-reader": Workload(
        "tooling",
        "state-backend/reader_{env}/role",
        "The environment's plans, reading its web-tier state in the tooling account",
        assumed_by_environment_account=True,
    ),
    "pipeline": _service(
        "tooling", f"{PIPELINE}/Pipeline/Role/Resource", "codepipeline.amazonaws.com", "The pipeline itself"
    ),
    "pipeline-source": Workload(
        "tooling",
        f"{PIPELINE}/Pipeline/Source/*/CodePipelineActionRole/Resource",
        "Source action (CodeConnections)",
        assumed_by_workload="pipeline",
    ),
    "pipeline-synth": _service(
        "tooling",
        f"{PIPELINE}/Pipeline/Build/Synth/CdkBuildProject/Role/Resource",
        "codebuild.amazonaws.com",
        "Synth step",
    ),
    "pipeline-gate": _service(
        "tooling",
        f"{PIPELINE}/Pipeline/ConsistencyGate/ConsistencyGate/ConsistencyGate/Role/Resource",
        "codebuild.amazonaws.com",
        "Consistency gate step",
    ),
    "pipeline-self-mutation": _service(
        "tooling",
        f"{PIPELINE}/UpdatePipeline/SelfMutation/Role/Resource",
        "codebuild.amazonaws.com",
        "Self-mutation step",
    ),
    "pipeline-assets": _service(
        "tooling", f"{PIPELINE}/Assets/FileRole/Resource", "codebuild.amazonaws.com", "Asset publishing"
    ),
    "pipeline-codebuild-actions": Workload(
        "tooling",
        f"{PIPELINE}/CodeBuildActionRole/Resource",
        "Starts the CodeBuild steps",
        assumed_by_workload="pipeline",
    ),
    "pipeline-approval": Workload(
        "tooling",
        f"{PIPELINE}/Pipeline/*/Approve-*/CodePipelineActionRole/Resource",
        "Manual approval action",
        assumed_by_workload="pipeline",
    ),
    "pipeline-webtier": _service(
        "tooling",
        "trading-pipeline/WebTier{Env}Role/Resource",
        "codebuild.amazonaws.com",
        "WebTier-<env> step",
    ),
    "pipeline-validate": _service(
        "tooling",
        "trading-pipeline/Validate{Env}Role/Resource",
        "codebuild.amazonaws.com",
        "Validate-<env> step",
    ),
}

# The CDK bootstrap roles in each environment account, as
# `cdk bootstrap --trust <tooling account>` creates them (not in our output).
BOOTSTRAP_TRUST: dict[str, object] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::{tooling_account}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}

RESOURCES: dict[str, Resource] = {
    "orders-table": Resource("The orders table", "{env:data/OrdersTable/Resource}"),
    "orders-table-key": Resource("The orders table's KMS key", "{env:data/TableKey/Key/Resource}"),
    "orders-queue": Resource("The orders queue", "{env:messaging/OrdersQueue/Resource}"),
    "orders-dead-letter-queue": Resource(
        "The orders dead-letter queue", "{env:messaging/OrdersDeadLetterQueue/Resource}"
    ),
    "orders-queue-key": Resource("The queues' KMS key", "{env:messaging/QueueKey/Key/Resource}"),
    "trade-data-bucket": Resource("The trade-data bucket", "{env:storage/TradeDataBucket/Resource}"),
    "trade-data-objects": Resource(
        "An object in the trade-data bucket", "{env:storage/TradeDataBucket/Resource}/trades/example.json"
    ),
    "trade-data-key": Resource("The trade-data bucket's KMS key", "{env:storage/BucketKey/Key/Resource}"),
    "order-processor-function": Resource("The order-processor function", "{env:compute/OrderProcessor/Resource}"),
    "order-processor-live-alias": Resource(
        "The order processor's live alias", "{env:compute/OrderProcessor/Resource}:live"
    ),
    "order-processor-new-version": Resource(
        "The version a release publishes (the resolver's stand-in version number)",
        "{env:compute/OrderProcessor/Resource}:1",
    ),
    "order-processor-key": Resource(
        "The order processor's key (logs, environment)", "{env:compute/FunctionKey/Key/Resource}"
    ),
    "runtime-parameters": Resource(
        "The runtime settings path", "arn:aws:ssm:{region}:{account}:parameter/trading/{env}/runtime"
    ),
    "runtime-parameter": Resource(
        "A runtime setting", "arn:aws:ssm:{region}:{account}:parameter/trading/{env}/runtime/max-order-quantity"
    ),
    "platform-parameter": Resource(
        "A stack output published to SSM",
        "arn:aws:ssm:{region}:{account}:parameter/trading/{env}/compute/function-name",
    ),
    "parameters-outside-platform": Resource(
        "A parameter the platform does not own (e.g. a SecureString)",
        "arn:aws:ssm:{region}:{account}:parameter/shared/database-password",
    ),
    "orders-api-place-order": Resource(
        "POST /orders on the environment's API stage",
        "arn:aws:execute-api:{region}:{account}:{env:api/OrdersApi/Resource}/{env}/POST/orders",
    ),
    "orders-api-configuration": Resource(
        "The API's configuration", "arn:aws:apigateway:{region}::/restapis/{env:api/OrdersApi/Resource}"
    ),
    "api-keys": Resource("API keys of the account", "arn:aws:apigateway:{region}::/apikeys/example-key"),
    "environment-stacks": Resource(
        "A stack of the environment", "arn:aws:cloudformation:{region}:{account}:stack/{env}-trading-compute/id"
    ),
    "alarm-topic": Resource("The alarm topic", "{env:monitoring/AlarmTopic/Resource}"),
    "api-access-logs": Resource("The API's access log group", "{env:api/AccessLogs/Resource}"),
    "validator-role": Resource("The validator role", "{env:security/PostDeployValidatorRole/Resource}"),
    "web-tier-deployer-role": Resource("The web-tier deployer role", "{env:security/WebTierDeployer/Role/Resource}"),
    "web-instance-role": Resource("The web instances' role", "{env:web-tier/compute/role}"),
    "web-bucket": Resource("The web-tier bucket", "{env:web-tier/storage/bucket}"),
    "web-app-objects": Resource(
        "An application object in the web bucket", "{env:web-tier/storage/bucket}/app/index.html"
    ),
    "web-bucket-key": Resource("The web bucket's KMS key", "{env:web-tier/storage/key}"),
    "web-database": Resource("The web-tier database", "{env:web-tier/database/instance}"),
    "web-load-balancer": Resource("The web tier's load balancer", "{env:web-tier/load_balancer/alb}"),
    "web-acl": Resource("The web tier's WAF web ACL", "{env:web-tier/firewall/acl}"),
    "web-waf-logs": Resource("The web tier's WAF log group", "{env:web-tier/firewall/logs}"),
    "web-certificate": Resource("The web tier's ACM certificate", "{env:web-tier/domain/certificate}"),
    "web-hosted-zone": Resource(
        "The environment's public hosted zone (created before the platform; its ID is not in config)",
        "arn:aws:route53:::hostedzone/ZEXAMPLE{env}",
    ),
    "web-image-parameter": Resource(
        "AWS's public parameter naming the web instances' image. Its ARN names no account, which the simulator "
        "cannot parse: evaluated in the environment's account, where no parameter may start with /aws",
        "arn:aws:ssm:{region}:{account}:parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    ),
    "web-instance-profile": Resource("The web instances' instance profile", "{env:web-tier/compute/profile}"),
    "web-database-parameters": Resource("The web database's parameter group", "{env:web-tier/database/parameters}"),
    "web-database-subnets": Resource("The web database's subnet group", "{env:web-tier/database/subnets}"),
    "unnamed-resources": Resource(
        "What describe calls of EC2, Auto Scaling, ELB and Route 53 act on: IAM names no resource for them", "*"
    ),
    "state-bucket": Resource("The Terraform state bucket", "{tooling:state-backend/bucket}"),
    "web-tier-state-object": Resource(
        "The environment's web-tier state", "{tooling:state-backend/bucket}/env/{env}/web-tier/terraform.tfstate"
    ),
    "default-workspace-state-object": Resource(
        "The default workspace's (empty) state, which terraform init reads",
        "{tooling:state-backend/bucket}/web-tier/terraform.tfstate",
    ),
    "state-lock-table": Resource("The Terraform lock table", "{tooling:state-backend/lock_table}"),
    "state-key": Resource("The Terraform state's KMS key", "{tooling:state-backend/key}"),
    "ledger-table": Resource("The deployment ledger's table", "{tooling:ledger/table}"),
    "ledger-artifacts-object": Resource(
        "What a version of the environment deployed", "{tooling:ledger/bucket}/deployments/{env}/v0001/artifacts.tar.gz"
    ),
    "ledger-key": Resource("The deployment ledger's KMS key", "{tooling:ledger/key}"),
    "web-tier-state-role": Resource("The environment's state access role", "{tooling:state-backend/access_{env}/role}"),
    "web-tier-state-reader-role": Resource(
        "The environment's state reader role", "{tooling:state-backend/reader_{env}/role}"
    ),
    "pipeline-artifacts": Resource(
        "An object in the pipeline's artifact bucket",
        "{tooling:" + PIPELINE + "/Pipeline/ArtifactsBucket/Resource}/trading-pipeline/Synth_Outp/example.zip",
    ),
    "pipeline-artifacts-key": Resource(
        "The pipeline's artifact key", "{tooling:" + PIPELINE + "/Pipeline/ArtifactsBucketEncryptionKey/Resource}"
    ),
    "pipeline-stack": Resource(
        "The pipeline's own stack",
        "arn:aws:cloudformation:{tooling_region}:{tooling_account}:stack/" + PIPELINE + "/id",
    ),
    "cdk-toolkit-stack": Resource(
        "The tooling account's CDK bootstrap stack",
        "arn:aws:cloudformation:{tooling_region}:{tooling_account}:stack/CDKToolkit/id",
    ),
    "cdk-assets-bucket": Resource(
        "The tooling account's CDK bootstrap asset bucket",
        "arn:aws:s3:::cdk-hnb659fds-assets-{tooling_account}-{tooling_region}",
        in_tooling=True,
    ),
    "cdk-deploy-role": Resource(
        "The environment's CDK bootstrap deploy role",
        "arn:aws:iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-{region}",
        external_policy=BOOTSTRAP_TRUST,
    ),
    "cdk-file-publishing-role": Resource(
        "The environment's CDK bootstrap file-publishing role",
        "arn:aws:iam::{account}:role/cdk-hnb659fds-file-publishing-role-{account}-{region}",
        external_policy=BOOTSTRAP_TRUST,
    ),
}
