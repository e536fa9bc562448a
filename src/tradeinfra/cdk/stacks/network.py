"""The environment's VPC: 3 AZs, public and private subnets, NAT gateways,
flow logs, and a default security group that allows nothing."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, encrypted_log_group
from tradeinfra.config.models import EnvironmentConfig, NetworkConfig
from tradeinfra.config.naming import cdk_name


class NetworkStack(TradingStack):
    def __init__(self, scope: Construct, *, environment: EnvironmentConfig, network: NetworkConfig) -> None:
        super().__init__(scope, "network", environment=environment, description="VPC, subnets, NAT gateways, flow logs")
        env = environment.name
        key = EncryptionKey(
            self,
            "LogsKey",
            alias=cdk_name(env, "network-logs"),
            description="Encrypts VPC flow logs",
            for_logs=True,
        ).key
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=cdk_name(env, "vpc"),
            ip_addresses=ec2.IpAddresses.cidr(network.vpc_cidr),
            availability_zones=environment.availability_zone_names,
            nat_gateways=network.nat_gateways,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=network.public_subnet_mask,
                    map_public_ip_on_launch=False,  # nothing in them gets a public IP by accident
                ),
                ec2.SubnetConfiguration(
                    name="private",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                    cidr_mask=network.private_subnet_mask,
                ),
            ],
        )
        flow_logs = encrypted_log_group(
            self,
            "FlowLogs",
            name=f"/trading/{env}/vpc-flow-logs",
            retention_days=network.flow_log_retention_days,
            key=key,
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        for subnet in self.vpc.public_subnets:
            acknowledge(
                subnet,
                {
                    f"{pack}::{pack}-VPCNoUnrestrictedRouteToIGW": "Public subnets hold only the NAT gateways, which need a default route to the internet gateway"
                    for pack in ("NIST.800.53.R5", "PCI.DSS.321")
                },
            )
        acknowledge(
            self.vpc.node.find_child("FlowLog"),
            {
                f"{pack}::{pack}-IAMNoInlinePolicy": "The flow-log role's policy is attached to it alone and limited to its log group"
                for pack in ("NIST.800.53.R5", "PCI.DSS.321")
            },
        )
        # The web tier (Terraform) finds this VPC by these tags.
        cdk.Tags.of(self.vpc).add("tradeinfra:component", "network")
        self.publish("vpc-id", self.vpc.vpc_id, "ID of the environment's VPC")
        self.publish(
            "private-subnet-ids",
            cdk.Fn.join(",", [subnet.subnet_id for subnet in self.vpc.private_subnets]),
            "Private subnet IDs, comma-separated",
        )
