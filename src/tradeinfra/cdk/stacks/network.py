"""The environment's VPC: 3 AZs, public, private and isolated subnets, NAT
gateways, VPC endpoints, flow logs, and a default security group that
allows nothing."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, encrypted_log_group
from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig, NetworkConfig
from tradeinfra.config.naming import cdk_name

GATEWAY_ENDPOINTS = {
    "S3": ec2.GatewayVpcEndpointAwsService.S3,
    "DynamoDb": ec2.GatewayVpcEndpointAwsService.DYNAMODB,
}
# What the order processor calls besides S3 and DynamoDB (and STS for any SDK
# that assumes a role); its logs go through the Lambda service, not its subnet.
INTERFACE_ENDPOINTS = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "XRay": ec2.InterfaceVpcEndpointAwsService.XRAY,
}


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
                # No route to the internet: what runs here reaches AWS through the endpoints.
                ec2.SubnetConfiguration(
                    name="isolated",
                    subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                    cidr_mask=network.private_subnet_mask,
                ),
            ],
        )
        self._endpoints(network)
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
        self.publish(references.VPC_ID, self.vpc.vpc_id)
        private, isolated = self.vpc.private_subnets, self.vpc.isolated_subnets
        self.publish(references.PRIVATE_SUBNET_IDS, cdk.Fn.join(",", [subnet.subnet_id for subnet in private]))
        self.publish(references.ISOLATED_SUBNET_IDS, cdk.Fn.join(",", [subnet.subnet_id for subnet in isolated]))
        self.retire_exports(self.vpc.vpc_id, *[subnet.subnet_id for subnet in (*private, *isolated)])

    def _endpoints(self, network: NetworkConfig) -> None:
        """S3 and DynamoDB through gateway endpoints, in every private route
        table; and, where config asks, interface endpoints for the other
        services the order processor calls, in the isolated subnets."""
        inside = [
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ]
        for name, gateway in GATEWAY_ENDPOINTS.items():
            self.vpc.add_gateway_endpoint(f"{name}Endpoint", service=gateway, subnets=inside)
        if not network.interface_endpoints:
            return
        group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from inside the VPC",
            allow_all_outbound=False,
        )
        group.add_ingress_rule(ec2.Peer.ipv4(network.vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC")
        for name, service in INTERFACE_ENDPOINTS.items():
            endpoint = self.vpc.add_interface_endpoint(
                f"{name}Endpoint",
                service=service,
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                security_groups=[group],
                private_dns_enabled=True,
                open=False,  # the group above admits the VPC's CIDR, written out rather than as a reference
            )
            endpoint.add_to_policy(self._only_this_accounts_callers())

    def _only_this_accounts_callers(self) -> iam.PolicyStatement:
        """An endpoint policy: the endpoint carries calls signed by this
        account's principals only, so credentials from another account (a
        place to copy data to) cannot leave the VPC through it. Private DNS
        sends every caller in the VPC here, the web tier's instances and their
        SSM agent too; all sign as this account's roles. The gateway
        endpoints have no such policy: the web tier's package repositories
        are AWS-owned S3 buckets read anonymously, which it would refuse."""
        return iam.PolicyStatement(
            sid="OnlyThisAccountsPrincipals",
            principals=[iam.AnyPrincipal()],
            actions=["*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:PrincipalAccount": self.account}},
        )
