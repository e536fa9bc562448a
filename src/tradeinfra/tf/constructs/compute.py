"""Web instances: launch template (IMDSv2, encrypted root volume, instance
profile), Auto Scaling group behind a target group, target-tracking scaling."""

from __future__ import annotations

import base64

import cdktf
from constructs import Construct

from tradeinfra.config.models import AutoScalingConfig, LoadBalancerConfig
from tradeinfra.tf.aws import (
    autoscaling_group,
    autoscaling_policy,
    data_aws_iam_policy_document,
    data_aws_ssm_parameter,
    iam_instance_profile,
    iam_role,
    iam_role_policy,
    iam_role_policy_attachment,
    launch_template,
    lb_target_group,
)
from tradeinfra.tf.constructs.policy import policy_document
from tradeinfra.tf.inputs import WebTierInputs

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"

# A minimal service answering the health check until the application is deployed.
USER_DATA = """#!/bin/bash
set -euo pipefail
cat > /etc/systemd/system/web-health.service <<'UNIT'
[Unit]
Description=Web tier health endpoint
After=network-online.target
[Service]
ExecStart=/usr/bin/python3 -c "import http.server as h; h.ThreadingHTTPServer(('', {port}), type('H', (h.BaseHTTPRequestHandler,), {{'do_GET': lambda s: (s.send_response(200 if s.path == '{path}' else 404), s.end_headers(), s.wfile.write(b'ok'))}})).serve_forever()"
Restart=always
DynamicUser=yes
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now web-health.service
"""


class WebCompute(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inputs: WebTierInputs,
        autoscaling: AutoScalingConfig,
        load_balancer: LoadBalancerConfig,
        vpc_id: str,
        subnet_ids: list[str],
        security_group_id: str,
        bucket_arn: str,
        bucket_key_arn: str,
        instance_tags: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        assume = data_aws_iam_policy_document.DataAwsIamPolicyDocument(
            self,
            "assume",
            statement=[
                data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement(
                    actions=["sts:AssumeRole"],
                    principals=[
                        data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Service", identifiers=["ec2.amazonaws.com"]
                        )
                    ],
                )
            ],
        )
        self.role = iam_role.IamRole(self, "role", name=inputs.name("role-web"), assume_role_policy=assume.json)
        iam_role_policy_attachment.IamRolePolicyAttachment(
            self,
            "ssm_core",
            role=self.role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        )
        iam_role_policy.IamRolePolicy(
            self,
            "read_own_prefix",
            name="read-own-bucket-prefix",
            role=self.role.id,
            policy=policy_document(
                self,
                "read_own_prefix_policy",
                [
                    {
                        "Sid": "ReadAppObjects",
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"{bucket_arn}/app/*",
                    },
                    {
                        "Sid": "ListAppPrefix",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": bucket_arn,
                        "Condition": {"StringLike": {"s3:prefix": ["app/*"]}},
                    },
                    {
                        "Sid": "DecryptAppObjects",
                        "Effect": "Allow",
                        "Action": "kms:Decrypt",
                        "Resource": bucket_key_arn,
                    },
                ],
            ),
        )
        profile = iam_instance_profile.IamInstanceProfile(
            self, "profile", name=inputs.name("profile-web"), role=self.role.name
        )
        self.target_group = lb_target_group.LbTargetGroup(
            self,
            "target_group",
            name=inputs.name("tg"),
            port=load_balancer.app_port,
            protocol="HTTP",
            vpc_id=vpc_id,
            target_type="instance",
            deregistration_delay="30",
            health_check=lb_target_group.LbTargetGroupHealthCheck(
                enabled=True,
                path=load_balancer.health_check_path,
                protocol="HTTP",
                matcher="200",
                interval=load_balancer.health_check_interval_seconds,
                timeout=load_balancer.health_check_timeout_seconds,
                healthy_threshold=load_balancer.healthy_threshold,
                unhealthy_threshold=load_balancer.unhealthy_threshold,
            ),
        )
        ami = data_aws_ssm_parameter.DataAwsSsmParameter(self, "ami", name=AMI_PARAMETER)
        user_data = USER_DATA.format(port=load_balancer.app_port, path=load_balancer.health_check_path)
        template = launch_template.LaunchTemplate(
            self,
            "launch_template",
            name=inputs.name("lt-web"),
            image_id=ami.value,
            instance_type=autoscaling.instance_type,
            update_default_version=True,
            iam_instance_profile=launch_template.LaunchTemplateIamInstanceProfile(arn=profile.arn),
            vpc_security_group_ids=[security_group_id],
            user_data=base64.b64encode(user_data.encode()).decode(),
            monitoring=launch_template.LaunchTemplateMonitoring(enabled=True),
            metadata_options=launch_template.LaunchTemplateMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            # default_tags reach the template, not what the ASG launches from it
            tag_specifications=[
                launch_template.LaunchTemplateTagSpecifications(resource_type=kind, tags=instance_tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            block_device_mappings=[
                launch_template.LaunchTemplateBlockDeviceMappings(
                    device_name="/dev/xvda",
                    ebs=launch_template.LaunchTemplateBlockDeviceMappingsEbs(
                        volume_size=autoscaling.root_volume_gb,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
        )
        self.group = autoscaling_group.AutoscalingGroup(
            self,
            "asg",
            name=inputs.name("asg-web"),
            min_size=inputs.asg_min_size,
            max_size=inputs.asg_max_size,
            desired_capacity=inputs.asg_desired_capacity,
            vpc_zone_identifier=subnet_ids,
            target_group_arns=[self.target_group.arn],
            health_check_type="ELB",
            # The provider's default_tags do not reach an ASG's tags: every
            # mandatory tag is set here and propagated to what it launches.
            tag=[
                autoscaling_group.AutoscalingGroupTag(key=key, value=value, propagate_at_launch=True)
                for key, value in {"Name": inputs.name("web"), **instance_tags}.items()
            ],
            health_check_grace_period=autoscaling.health_check_grace_seconds,
            launch_template=autoscaling_group.AutoscalingGroupLaunchTemplate(
                id=template.id, version=cdktf.Token.as_string(template.latest_version)
            ),
            lifecycle=cdktf.TerraformResourceLifecycle(
                precondition=[
                    cdktf.Precondition(
                        condition="${var.asg_min_size <= var.asg_desired_capacity && var.asg_desired_capacity <= var.asg_max_size}",
                        error_message="Expected asg_min_size <= asg_desired_capacity <= asg_max_size.",
                    )
                ]
            ),
        )
        autoscaling_policy.AutoscalingPolicy(
            self,
            "cpu_target",
            name=inputs.name("cpu-target"),
            autoscaling_group_name=self.group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration=autoscaling_policy.AutoscalingPolicyTargetTrackingConfiguration(
                predefined_metric_specification=autoscaling_policy.AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification(
                    predefined_metric_type="ASGAverageCPUUtilization"
                ),
                target_value=autoscaling.target_cpu_percent,
            ),
        )
