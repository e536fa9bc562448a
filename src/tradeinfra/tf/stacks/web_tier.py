"""The web tier: one stack for every environment. What differs per
environment comes from Terraform variables (terraform/<env>.tfvars, one
workspace per environment); everything else is written in as constants,
which config guarantees are the same in every environment."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.config.models import TerraformStateConfig, WebTierConfig
from tradeinfra.config.naming import state_key_alias
from tradeinfra.tf.aws import provider
from tradeinfra.tf.constructs.compute import WebCompute
from tradeinfra.tf.constructs.database import Database
from tradeinfra.tf.constructs.domain import Domain
from tradeinfra.tf.constructs.firewall import WebFirewall
from tradeinfra.tf.constructs.load_balancer import LoadBalancer
from tradeinfra.tf.constructs.network import ExistingNetwork
from tradeinfra.tf.constructs.security_groups import SecurityGroups
from tradeinfra.tf.constructs.storage import WebBucket
from tradeinfra.tf.inputs import declare_variables
from tradeinfra.tf.variables import VariableSpec

# use_lockfile (S3-native state locking) needs Terraform 1.10.
TERRAFORM_VERSION = ">= 1.10"
AWS_PROVIDER_VERSION = "~> 5.100"


class WebTierStack(cdktf.TerraformStack):
    def __init__(
        self,
        scope: Construct,
        *,
        web: WebTierConfig,
        state: TerraformStateConfig,
        static_tags: dict[str, str],
        variables: list[VariableSpec],
    ) -> None:
        super().__init__(scope, "web-tier")
        self.add_override("terraform.required_version", TERRAFORM_VERSION)
        inputs = declare_variables(self, variables)
        provider.AwsProvider(
            self,
            "aws",
            region=inputs.aws_region,
            allowed_account_ids=[inputs.aws_account_id],
            default_tags=[provider.AwsProviderDefaultTags(tags={"Environment": inputs.environment, **static_tags})],
        )
        self.add_override("terraform.required_providers.aws.version", AWS_PROVIDER_VERSION)
        cdktf.S3Backend(
            self,
            bucket=state.bucket,
            key=state.key,
            region=state.region,
            dynamodb_table=state.lock_table,
            encrypt=True,
            # With the state bucket's own key, not S3-managed keys; the alias
            # resolves in the tooling account, where the backend acts.
            kms_key_id=state_key_alias(state.bucket),
            workspace_key_prefix=state.workspace_key_prefix,
        )
        # Terraform >= 1.10 locks with an S3 lock file too; DynamoDB locking
        # (deprecated in 1.11, kept because the spec asks for it) still works.
        self.add_override("terraform.backend.s3.use_lockfile", True)

        network = ExistingNetwork(self, "network", inputs=inputs, network=web.network)
        groups = SecurityGroups(
            self,
            "security_groups",
            inputs=inputs,
            vpc_id=network.vpc.id,
            listener_ports=[web.load_balancer.listener_port, web.load_balancer.https_port],
            app_port=web.load_balancer.app_port,
            db_port=web.database.port,
        )
        storage = WebBucket(self, "storage", inputs=inputs, storage=web.storage)
        compute = WebCompute(
            self,
            "compute",
            inputs=inputs,
            autoscaling=web.autoscaling,
            load_balancer=web.load_balancer,
            vpc_id=network.vpc.id,
            subnet_ids=network.private_subnets.ids,
            security_group_id=groups.app.id,
            bucket_arn=storage.bucket.arn,
            bucket_key_arn=storage.key.arn,
            instance_tags={"Environment": inputs.environment, **static_tags},
        )
        domain = Domain(self, "domain", inputs=inputs)
        balancer = LoadBalancer(
            self,
            "load_balancer",
            inputs=inputs,
            settings=web.load_balancer,
            subnet_ids=network.public_subnets.ids,
            security_group_id=groups.alb.id,
            target_group_arn=compute.target_group.arn,
            certificate_arn=domain.certificate_arn,
        )
        domain.point_to(balancer.alb)
        WebFirewall(
            self,
            "firewall",
            inputs=inputs,
            load_balancer_arn=balancer.alb.arn,
            client_rate_limit=web.load_balancer.client_rate_limit_per_5_minutes,
        )
        database = Database(
            self,
            "database",
            inputs=inputs,
            database=web.database,
            subnet_ids=network.private_subnets.ids,
            security_group_id=groups.db.id,
        )
        outputs = {
            "alb_dns_name": (balancer.alb.dns_name, "DNS name of the load balancer"),
            "url": (f"https://{inputs.domain_name}", "Where the web tier serves (HTTPS)"),
            "target_group_arn": (compute.target_group.arn, "ARN of the target group"),
            "asg_name": (compute.group.name, "Name of the Auto Scaling group"),
            "db_endpoint": (database.instance.endpoint, "Endpoint (host:port) of the database"),
            "db_secret_arn": (
                f"${{{database.instance.fqn}.master_user_secret[0].secret_arn}}",
                "Secrets Manager ARN of the database master credentials",
            ),
            "bucket_name": (storage.bucket.bucket, "Name of the web bucket"),
            "bucket_arn": (storage.bucket.arn, "ARN of the web bucket"),
        }
        for name, (value, description) in outputs.items():
            cdktf.TerraformOutput(self, name, value=value, description=description)
