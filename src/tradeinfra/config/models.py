"""Typed model of one environment's resolved configuration.

Every setting is required: `config/platform.yaml` gives the base value of each
one, so the YAML files are the single source of truth and no default hides in
code. Models are frozen and reject unknown keys; values are validated strictly
(a quoted "512" is not a number).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

# CloudWatch Logs accepts only these retention periods.
LogRetentionDays = Literal[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
]  # fmt: skip

ENVIRONMENT_NAME_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
EnvironmentName = Annotated[
    str,
    Field(
        pattern=ENVIRONMENT_NAME_PATTERN,
        description="Environment name: lowercase letters and digits, 2-10 characters.",
    ),
]
AccountId = Annotated[str, Field(pattern=r"^\d{12}$", description="AWS account ID: 12 digits.")]


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every AWS partition, from botocore's bundled endpoint
    data (offline; as current as the pinned botocore)."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    )


def _known_region(value: str) -> str:
    if value not in known_regions():
        near = sorted(r for r in known_regions() if r.split("-")[0] == value.split("-")[0])
        raise ValueError(
            f"{value!r} is not an AWS region" + (f" (did you mean one of: {', '.join(near)}?)" if near else "")
        )
    return value


Region = Annotated[
    str,
    Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="AWS region, e.g. us-east-1."),
    AfterValidator(_known_region),
]
Cidr = Annotated[str, Field(description="IPv4 CIDR block, e.g. 10.0.0.0/16.")]

# AWS reserves 100 concurrent executions of an account's Lambda limit for
# functions without reserved concurrency; reservations cannot eat into them.
LAMBDA_UNRESERVED_MINIMUM = 100


class RuleViolationError(ValueError):
    """A cross-field rule is broken; `field` (dotted, relative to the model)
    names the key the user should look at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_cidr(value: str) -> str:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"expected an IPv4 CIDR block such as 10.0.0.0/16, got {value!r} ({exc})") from None
    return value


class Section(BaseModel):
    """Base of every config model: immutable, strict, no unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class TagsConfig(Section):
    """Mandatory cost-allocation and compliance tags. Environment and ManagedBy
    are derived (environment name, and the app that manages the resource)."""

    project: str = Field(min_length=1, max_length=128, description="Value of the Project tag.")
    cost_center: str = Field(min_length=1, max_length=128, description="Value of the CostCenter tag.")
    owner: str = Field(min_length=1, max_length=128, description="Value of the Owner tag (team or email).")
    compliance: str = Field(min_length=1, max_length=128, description="Value of the Compliance tag, e.g. PCI-DSS.")


class NetworkConfig(Section):
    """The environment's VPC (created by the CDK app, referenced by the web tier)."""

    vpc_cidr: Cidr = Field(description="CIDR block of the environment's VPC.")
    availability_zones: list[Annotated[str, Field(pattern=r"^[a-z]$")]] = Field(
        min_length=3,
        max_length=3,
        description="Availability-zone letters; the region is prefixed (us-east-1 + a). Fixed in config so synth needs no lookup.",
    )
    nat_gateways: int = Field(ge=1, le=3, description="Number of NAT gateways (one per AZ for resilience).")
    public_subnet_mask: int = Field(ge=16, le=28, description="Prefix length of each public subnet.")
    private_subnet_mask: int = Field(ge=16, le=28, description="Prefix length of each private subnet.")
    flow_log_retention_days: LogRetentionDays = Field(description="Retention of VPC flow logs, in days.")
    interface_endpoints: bool = Field(
        description="Interface endpoints (SQS, SSM, KMS, CloudWatch Logs, STS, X-Ray) in isolated subnets, where the "
        "order processor then runs with no route to the internet: it reaches AWS through the endpoints only."
    )

    _cidr = field_validator("vpc_cidr")(_check_cidr)

    @field_validator("availability_zones")
    @classmethod
    def _distinct_zones(cls, zones: list[str]) -> list[str]:
        if len(set(zones)) != len(zones):
            raise ValueError(f"availability zone letters must be distinct, got {zones}")
        return zones

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        vpc_prefix = ipaddress.IPv4Network(self.vpc_cidr).prefixlen
        for name in ("public_subnet_mask", "private_subnet_mask"):
            if getattr(self, name) <= vpc_prefix:
                raise RuleViolationError(
                    name, f"{name} must be longer than the VPC prefix /{vpc_prefix}, got /{getattr(self, name)}"
                )
        needed = len(self.availability_zones) * (
            2 ** (32 - self.public_subnet_mask) + 2 ** (32 - self.private_subnet_mask)
        )
        if needed > 2 ** (32 - vpc_prefix):
            raise RuleViolationError(
                "vpc_cidr",
                f"public and private subnets for {len(self.availability_zones)} AZs need {needed} "
                f"addresses; VPC {self.vpc_cidr} has {2 ** (32 - vpc_prefix)}",
            )
        return self


class ComputeConfig(Section):
    """The order-processor Lambda function."""

    memory_mb: int = Field(ge=128, le=10240, description="Memory of the order processor, in MB.")
    timeout_seconds: int = Field(ge=1, le=900, description="Timeout of the order processor, in seconds.")
    reserved_concurrency: int = Field(ge=1, description="Reserved concurrent executions of the order processor.")
    account_concurrency_limit: int = Field(
        ge=LAMBDA_UNRESERVED_MINIMUM + 1,
        description="The account's Lambda concurrency quota; reservations must leave 100 unreserved.",
    )
    architecture: Literal["arm64", "x86_64"] = Field(description="Lambda instruction set.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(description="Handler log level.")
    log_retention_days: LogRetentionDays = Field(description="Retention of the function's logs, in days.")
    tracing: bool = Field(description="Enable AWS X-Ray active tracing.")

    @model_validator(mode="after")
    def _within_account_limit(self) -> ComputeConfig:
        ceiling = self.account_concurrency_limit - LAMBDA_UNRESERVED_MINIMUM
        if self.reserved_concurrency > ceiling:
            raise RuleViolationError(
                "reserved_concurrency",
                f"reserved_concurrency {self.reserved_concurrency} exceeds the account limit: at most "
                f"{ceiling} (account_concurrency_limit {self.account_concurrency_limit} minus "
                f"{LAMBDA_UNRESERVED_MINIMUM} that AWS keeps unreserved)",
            )
        return self


class RuntimeConfig(Section):
    """Runtime settings the order processor reads from SSM Parameter Store."""

    max_order_quantity: int = Field(ge=1, description="Largest quantity accepted in one order.")
    max_order_notional: int = Field(ge=1, description="Largest quantity x limit price accepted, in USD.")
    trading_enabled: bool = Field(description="Kill switch: when false, new orders are rejected.")


class TableAutoscalingConfig(Section):
    """Provisioned-capacity auto scaling bounds for the orders table."""

    max_read_capacity: int = Field(ge=1, le=40000, description="Upper bound of read capacity units.")
    max_write_capacity: int = Field(ge=1, le=40000, description="Upper bound of write capacity units.")
    target_utilization_percent: int = Field(ge=20, le=90, description="Target utilization for scaling.")


class DataConfig(Section):
    """The DynamoDB orders table."""

    read_capacity: int = Field(ge=1, le=40000, description="Provisioned read capacity units.")
    write_capacity: int = Field(ge=1, le=40000, description="Provisioned write capacity units.")
    autoscaling: TableAutoscalingConfig | None = Field(description="Auto scaling bounds; null for fixed capacity.")
    point_in_time_recovery: bool = Field(description="Enable point-in-time recovery.")
    deletion_protection: bool = Field(description="Enable DynamoDB deletion protection.")
    retain_on_delete: bool = Field(description="Keep the table when its stack is deleted (RETAIN).")
    backup_retention_days: int | None = Field(
        ge=7,
        le=36500,
        description="AWS Backup: a daily backup of the table, kept this many days in an encrypted vault; null for none.",
    )

    @model_validator(mode="after")
    def _bounds_above_base(self) -> DataConfig:
        scaling = self.autoscaling
        if scaling is not None:
            if scaling.max_read_capacity < self.read_capacity:
                raise RuleViolationError(
                    "autoscaling.max_read_capacity",
                    f"autoscaling.max_read_capacity {scaling.max_read_capacity} is below "
                    f"read_capacity {self.read_capacity}",
                )
            if scaling.max_write_capacity < self.write_capacity:
                raise RuleViolationError(
                    "autoscaling.max_write_capacity",
                    f"autoscaling.max_write_capacity {scaling.max_write_capacity} is below "
                    f"write_capacity {self.write_capacity}",
                )
        return self


class ObjectLockConfig(Section):
    """S3 Object Lock on the trade-data bucket: every object version is
    write-once for its retention period."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"] = Field(
        description="COMPLIANCE: nobody, the account root included, can delete a locked version early; "
        "GOVERNANCE: principals with s3:BypassGovernanceRetention can."
    )
    retention_days: int = Field(ge=1, le=36500, description="Default retention of every new object version, in days.")


class StorageConfig(Section):
    """The S3 trade-data bucket and its access-log bucket."""

    trade_data_expiration_days: int | None = Field(
        ge=1, description="Delete trade data after this many days; null keeps it indefinitely."
    )
    noncurrent_version_expiration_days: int | None = Field(
        ge=1,
        description="Delete overwritten or deleted object versions after this many days; null keeps them "
        "(required where trade data is kept indefinitely).",
    )
    object_lock: ObjectLockConfig | None = Field(
        description="Object Lock mode and default retention of trade data; null for none."
    )
    access_log_expiration_days: int = Field(
        ge=1, description="Delete server access logs (current and old versions) after this many days."
    )
    retain_on_delete: bool = Field(description="Keep the buckets when their stack is deleted (RETAIN).")

    @model_validator(mode="after")
    def _indefinite_keeps_old_versions(self) -> StorageConfig:
        if self.trade_data_expiration_days is None and self.noncurrent_version_expiration_days is not None:
            raise RuleViolationError(
                "noncurrent_version_expiration_days",
                "trade data is kept indefinitely (trade_data_expiration_days is null), so deleted or "
                "overwritten versions must be kept too: set noncurrent_version_expiration_days to null",
            )
        return self


class MessagingConfig(Section):
    """The SQS orders queue and its dead-letter queue."""

    retention_seconds: int = Field(ge=60, le=1_209_600, description="Message retention of the orders queue.")
    visibility_timeout_seconds: int = Field(ge=0, le=43_200, description="Visibility timeout of the orders queue.")
    dlq_max_receive_count: int = Field(ge=1, le=1000, description="Receives before a message moves to the DLQ.")
    dlq_retention_seconds: int = Field(ge=60, le=1_209_600, description="Message retention of the dead-letter queue.")

    @model_validator(mode="after")
    def _dlq_outlives_queue(self) -> MessagingConfig:
        if self.dlq_retention_seconds < self.retention_seconds:
            raise RuleViolationError(
                "dlq_retention_seconds",
                f"dlq_retention_seconds {self.dlq_retention_seconds} must be at least "
                f"retention_seconds {self.retention_seconds}, or failed messages expire before anyone sees them",
            )
        return self


class ApiConfig(Section):
    """The API Gateway REST API and its stage."""

    throttling_rate_limit: int = Field(
        ge=1, le=10000, description="Stage method throttling: steady requests per second."
    )
    throttling_burst_limit: int = Field(ge=1, le=5000, description="Stage method throttling: burst size.")
    access_log_retention_days: LogRetentionDays = Field(description="Retention of API access logs, in days.")
    client_rate_limit_per_5_minutes: int = Field(
        ge=10, le=2_000_000_000, description="WAF: requests one client IP may send in any 5 minutes; more are blocked."
    )


class SecurityConfig(Section):
    """Guard rails shared by every stack of the environment."""

    permission_boundary_name: str = Field(
        pattern=r"^[A-Za-z0-9+=,.@_-]{1,100}$",
        description="Name stem of the permission boundary policy attached to every IAM role; the policy is <env>-trading-<stem>.",
    )
    termination_protection: bool = Field(description="Enable CloudFormation termination protection.")
    retain_audit_logs: bool = Field(
        description="Keep every log group (API access, WAF, flow logs, Lambda) and the keys that encrypt "
        "them when their stack is deleted or the resource replaced (RETAIN)."
    )


class MonitoringConfig(Section):
    """Alarms and drift detection."""

    drift_check_interval_minutes: int = Field(ge=5, le=1440, description="How often drift detection runs.")
    alarm_emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        description="E-mail addresses subscribed to the alarm topic."
    )
    lambda_error_threshold: int = Field(ge=1, description="Order-processor errors per minute that raise an alarm.")
    api_5xx_threshold: int = Field(ge=1, description="API 5xx responses per minute that raise an alarm.")
    dlq_depth_threshold: int = Field(ge=1, description="Visible DLQ messages that raise an alarm.")
    aws_config_drift_rule: bool = Field(
        description="Add the AWS Config rule cloudformation-stack-drift-detection-check as a second drift "
        "signal (needs an AWS Config recorder in the account)."
    )


class DeploymentConfig(Section):
    """How new code reaches the environment and how it is rolled back."""

    lambda_traffic_shifting: Literal[
        "AllAtOnce", "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Linear10PercentEvery1Minute"
    ] = Field(description="CodeDeploy traffic shifting for the order-processor alias.")
    rollback_monitoring_minutes: int = Field(
        ge=0, le=180, description="CloudFormation rollback-trigger monitoring window after a deployment."
    )


class WebNetworkConfig(Section):
    """How the web tier finds the existing VPC and its subnets."""

    vpc_tags: dict[str, str] = Field(
        min_length=1, description="Tags that identify the environment's VPC (plus the Environment tag)."
    )
    public_subnet_tags: dict[str, str] = Field(min_length=1, description="Tags that identify public subnets.")
    private_subnet_tags: dict[str, str] = Field(min_length=1, description="Tags that identify private subnets.")


class DatabaseConfig(Section):
    """The RDS PostgreSQL instance."""

    engine_version: str = Field(pattern=r"^\d+(\.\d+)?$", description="PostgreSQL engine version.")
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="RDS instance class.")
    allowed_instance_classes: list[str] = Field(
        min_length=1, description="Instance classes the Terraform variable validation accepts."
    )
    multi_az: bool = Field(description="Deploy a standby in a second AZ.")
    allocated_storage_gb: int = Field(ge=20, le=65536, description="Initial storage, in GB.")
    max_allocated_storage_gb: int = Field(ge=20, le=65536, description="Storage autoscaling ceiling, in GB.")
    backup_retention_days: int = Field(ge=1, le=35, description="Automated backup retention, in days.")
    backup_window: str = Field(
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="Daily backup window (UTC), hh:mm-hh:mm.",
    )
    maintenance_window: str = Field(
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$",
        description="Weekly maintenance window (UTC), ddd:hh:mm-ddd:hh:mm.",
    )
    skip_final_snapshot: bool = Field(description="Skip the final snapshot on destroy.")
    deletion_protection: bool = Field(
        description="RDS deletion protection: on, nothing (Terraform or tradeinfra destroy) deletes the database."
    )
    database_name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Initial database name.")
    master_username: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,15}$", description="Master user name; its password lives in Secrets Manager."
    )
    port: int = Field(ge=1150, le=65535, description="Database port.")

    @model_validator(mode="after")
    def _consistent(self) -> DatabaseConfig:
        if self.instance_class not in self.allowed_instance_classes:
            raise RuleViolationError(
                "instance_class",
                f"instance_class {self.instance_class!r} is not one of allowed_instance_classes "
                f"{self.allowed_instance_classes}",
            )
        if self.max_allocated_storage_gb < self.allocated_storage_gb:
            raise RuleViolationError(
                "max_allocated_storage_gb",
                f"max_allocated_storage_gb {self.max_allocated_storage_gb} is below "
                f"allocated_storage_gb {self.allocated_storage_gb}",
            )
        return self


class AutoScalingConfig(Section):
    """The web-tier Auto Scaling group."""

    instance_type: str = Field(pattern=r"^[a-z][a-z0-9]*\.[a-z0-9]+$", description="EC2 instance type.")
    min_size: int = Field(ge=0, le=100, description="Minimum number of instances.")
    max_size: int = Field(ge=1, le=100, description="Maximum number of instances.")
    desired_capacity: int = Field(ge=0, le=100, description="Desired number of instances.")
    target_cpu_percent: int = Field(ge=10, le=90, description="Target-tracking CPU utilization.")
    health_check_grace_seconds: int = Field(ge=0, le=3600, description="Grace period before ELB health checks count.")
    root_volume_gb: int = Field(ge=8, le=1024, description="Size of the encrypted root volume, in GB.")

    @model_validator(mode="after")
    def _ordered(self) -> AutoScalingConfig:
        if not self.min_size <= self.desired_capacity <= self.max_size:
            raise RuleViolationError(
                "desired_capacity",
                f"expected min_size <= desired_capacity <= max_size, got {self.min_size} / "
                f"{self.desired_capacity} / {self.max_size}",
            )
        return self


class LoadBalancerConfig(Section):
    """The Application Load Balancer, its target group and listener."""

    listener_port: int = Field(ge=1, le=65535, description="Plain-HTTP port: it only redirects to HTTPS.")
    https_port: int = Field(ge=1, le=65535, description="HTTPS port of the ALB: the only one that serves.")
    tls_policy: str = Field(
        pattern=r"^ELBSecurityPolicy-TLS13-1-[23]-",
        description="ELB security policy of the HTTPS listener: TLS 1.3, and TLS 1.2 at the lowest "
        "(ELBSecurityPolicy-TLS13-1-2-* or -1-3-*).",
    )
    domain_name: str = Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="DNS name the web tier serves; its ACM certificate is issued for it.",
    )
    hosted_zone: str = Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="Public Route 53 hosted zone in the environment's account that holds domain_name "
        "and the certificate's DNS validation record.",
    )
    internet_facing: bool = Field(description="An internet-facing ALB (public subnets); false: internal.")
    client_rate_limit_per_5_minutes: int = Field(
        ge=10, le=2_000_000_000, description="WAF: requests one client IP may send in any 5 minutes; more are blocked."
    )
    app_port: int = Field(ge=1, le=65535, description="Port the instances serve on.")
    health_check_path: str = Field(pattern=r"^/[A-Za-z0-9/._-]*$", description="Target-group health check path.")
    health_check_interval_seconds: int = Field(ge=5, le=300, description="Seconds between health checks.")
    health_check_timeout_seconds: int = Field(ge=2, le=120, description="Health check timeout, in seconds.")
    healthy_threshold: int = Field(ge=2, le=10, description="Consecutive successes before a target is healthy.")
    unhealthy_threshold: int = Field(ge=2, le=10, description="Consecutive failures before a target is unhealthy.")
    access_logs: bool = Field(description="Write ALB access logs to an S3 bucket.")
    access_log_expiration_days: int = Field(ge=1, description="Delete ALB access logs after this many days.")
    deletion_protection: bool = Field(description="ALB deletion protection: on, the load balancer cannot be deleted.")

    @model_validator(mode="after")
    def _domain_in_zone(self) -> LoadBalancerConfig:
        if not self.domain_name.endswith(f".{self.hosted_zone}"):
            raise RuleViolationError(
                "domain_name",
                f"domain_name {self.domain_name!r} is not inside hosted_zone {self.hosted_zone!r}: "
                "the certificate is validated by a record in that zone",
            )
        if self.https_port == self.listener_port:
            raise RuleViolationError("https_port", f"https_port and listener_port are both {self.https_port}")
        return self

    @model_validator(mode="after")
    def _timeout_below_interval(self) -> LoadBalancerConfig:
        if self.health_check_timeout_seconds >= self.health_check_interval_seconds:
            raise RuleViolationError(
                "health_check_timeout_seconds",
                f"health_check_timeout_seconds {self.health_check_timeout_seconds} must be less than "
                f"health_check_interval_seconds {self.health_check_interval_seconds}",
            )
        return self


class WebStorageConfig(Section):
    """The web-tier S3 bucket."""

    versioning: bool = Field(description="Keep object versions.")
    transition_to_ia_days: int = Field(ge=30, description="Move objects to STANDARD_IA after this many days.")
    noncurrent_version_expiration_days: int = Field(ge=1, description="Delete old versions after this many days.")
    force_destroy: bool = Field(
        description="Let terraform destroy delete the web bucket (and the ALB log bucket) with objects in it; "
        "off, a bucket that holds data stops the destroy."
    )


class WebSecurityConfig(Section):
    """Who may reach the web tier."""

    alb_ingress_cidrs: list[Cidr] = Field(min_length=1, description="CIDR blocks allowed to reach the ALB.")
    open_ingress_reason: str | None = Field(
        description="Required when alb_ingress_cidrs contains 0.0.0.0/0: why the internet may connect."
    )

    @field_validator("alb_ingress_cidrs")
    @classmethod
    def _cidrs(cls, cidrs: list[str]) -> list[str]:
        return [_check_cidr(c) for c in cidrs]

    @model_validator(mode="after")
    def _open_needs_reason(self) -> WebSecurityConfig:
        if "0.0.0.0/0" in self.alb_ingress_cidrs and not self.open_ingress_reason:
            raise RuleViolationError(
                "open_ingress_reason",
                "alb_ingress_cidrs contains 0.0.0.0/0: set open_ingress_reason to say why",
            )
        return self


class WebTierConfig(Section):
    """The web tier managed by the CDK for Terraform app."""

    environment_suffix: str = Field(
        pattern=r"^[a-z0-9]{2,8}$",
        description="Suffix of every Terraform resource name; overridable at deploy time (e.g. pr42).",
    )
    region: Region | None = Field(description="Region of the web tier; null means the environment's region.")
    network: WebNetworkConfig
    database: DatabaseConfig
    autoscaling: AutoScalingConfig
    load_balancer: LoadBalancerConfig
    storage: WebStorageConfig
    security: WebSecurityConfig


class TerraformStateConfig(Section):
    """Remote state of the Terraform app: one S3 backend, one workspace per environment."""

    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="S3 bucket holding the state.")
    key: str = Field(min_length=1, description="Object key of the state file.")
    workspace_key_prefix: str = Field(min_length=1, description="Key prefix of non-default workspaces.")
    lock_table: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$", description="DynamoDB table used for state locking.")
    region: Region = Field(description="Region of the state bucket and lock table.")


class LedgerConfig(Section):
    """The deployment ledger in the tooling account (beside the Terraform
    state): version records and locks in a table, artifacts in a bucket."""

    table: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$", description="DynamoDB table of versions, locks and events.")
    bucket: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="S3 bucket of what each version deployed."
    )
    lock_stale_after_seconds: int = Field(
        ge=30, le=3600, description="A lock whose heartbeat is older than this may be taken over with --force-unlock."
    )


class Settings(Section):
    """Every setting of an environment. `platform.yaml` gives a base value for each."""

    tags: TagsConfig
    network: NetworkConfig
    compute: ComputeConfig
    runtime: RuntimeConfig
    data: DataConfig
    storage: StorageConfig
    messaging: MessagingConfig
    api: ApiConfig
    security: SecurityConfig
    monitoring: MonitoringConfig
    deployment: DeploymentConfig
    web_tier: WebTierConfig
    terraform_state: TerraformStateConfig
    ledger: LedgerConfig


class EnvironmentConfig(Settings):
    """One environment, resolved: its identity plus every setting."""

    name: EnvironmentName = Field(description="Environment name, from the file name.")
    account: AccountId = Field(description="The environment's AWS account.")
    region: Region = Field(description="The environment's AWS region.")

    @model_validator(mode="after")
    def _queue_outlasts_function(self) -> EnvironmentConfig:
        # SQS keeps a message invisible while a consumer works on it; AWS asks
        # for six times the function timeout so retries do not double-process.
        needed = 6 * self.compute.timeout_seconds
        if self.messaging.visibility_timeout_seconds < needed:
            raise RuleViolationError(
                "messaging.visibility_timeout_seconds",
                f"messaging.visibility_timeout_seconds {self.messaging.visibility_timeout_seconds} must be "
                f"at least 6 x compute.timeout_seconds = {needed}",
            )
        return self

    @property
    def availability_zone_names(self) -> list[str]:
        """Full AZ names in the environment's region."""
        return [f"{self.region}{letter}" for letter in self.network.availability_zones]

    @property
    def web_tier_region(self) -> str:
        return self.web_tier.region or self.region


class Effect(Section):
    """A place in the synthesized templates that a variation may change."""

    target: str = Field(
        pattern=r"^[^:]+:[^:]+$",
        description="<stack>/<construct path>:<property path>, glob patterns allowed, "
        "e.g. compute/OrderProcessor/Resource:Properties.MemorySize; (stack) addresses stack settings.",
    )
    values: dict[str, str | int | bool | None] | None = Field(
        default=None,
        description="Template value for each setting value (keys: true, false, null or the value); "
        "default: the setting's value itself.",
    )
    derived: bool = Field(
        default=False, description="The value is derived from the setting (e.g. subnet CIDRs): not checked."
    )


class Variation(Section):
    """A setting allowed to differ between environments."""

    reason: str = Field(min_length=10, description="Why this setting may differ (one line).")
    affects: list[str | Effect] = Field(
        default_factory=list,
        description="Template properties this setting may change (the parity gate accepts differences there only).",
    )
    acknowledgments: list[str] = Field(
        default_factory=list, description="cdk-nag acknowledgments that may depend on this setting."
    )

    def effects(self) -> list[Effect]:
        return [Effect(target=item) if isinstance(item, str) else item for item in self.affects]


class PipelineSourceConfig(Section):
    """Where the pipeline takes the code from: a CodeConnections repository."""

    connection_arn: str = Field(
        pattern=r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$",
        description="ARN of the CodeConnections (CodeStar) connection to the repository host.",
    )
    repository: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", description="Repository as owner/name, e.g. example/tradeinfra."
    )
    branch: str = Field(pattern=r"^[A-Za-z0-9._/-]{1,255}$", description="Branch the pipeline builds.")


class DeliveryConfig(Section):
    """The delivery pipeline: one pipeline in a tooling account deploys every
    environment, in promotion order, to its own account."""

    pipeline_name: str = Field(
        pattern=r"^[A-Za-z0-9.@_-]{1,100}$", description="Name of the CodePipeline pipeline and of its stack."
    )
    account: AccountId = Field(description="Tooling account the pipeline runs in (no environment runs there).")
    region: Region = Field(description="Region of the pipeline.")
    source: PipelineSourceConfig
    approval_before: list[EnvironmentName] = Field(
        description="Environments whose deployment waits for a manual approval, e.g. [prod]."
    )
    step_timeout_minutes: int = Field(ge=5, le=480, description="Timeout of each CodeBuild step of the pipeline.")


IDENTITY_FIELDS: tuple[str, ...] = ("name", "account", "region")
