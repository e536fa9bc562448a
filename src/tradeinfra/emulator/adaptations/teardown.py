"""Deleting a stack deletes all of its resources, as CloudFormation does.

moto 5.2.5 has no CloudFormation delete for several types the platform's
stacks create: NAT gateways (and their network interfaces), Elastic IPs,
route tables, routes, subnet-route-table associations, internet gateways and
their VPC attachments, flow logs, and IAM managed policies (the permission
boundary). A deleted stack left them behind: the VPC could not be deleted
("has dependencies"), and the next deployment of the environment failed on
the boundary's name, so `tradeinfra destroy` and a redeploy failed on the
emulator where they succeed on AWS. Each type gets
the `delete(account_id, region)` moto's stack deletion calls; a dependency
still in place raises, and moto retries in its next pass, as CloudFormation
orders deletions.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Delete = Callable[[Any, Any], None]  # (resource, the account's EC2 backend in the region)


def _nat_gateway(gateway: Any, ec2: Any) -> None:
    if gateway.id in ec2.nat_gateways:
        ec2.delete_nat_gateway(gateway.id)
        ec2.enis.pop(gateway._eni.id, None)  # AWS releases the gateway's interface with it
        ec2.nat_gateways.pop(gateway.id, None)


def _elastic_ip(address: Any, ec2: Any) -> None:
    if any(eip.allocation_id == address.allocation_id for eip in ec2.addresses):
        ec2.release_address(allocation_id=address.allocation_id)


def _route_table(table: Any, ec2: Any) -> None:
    if table.id in ec2.route_tables:
        ec2.delete_route_table(table.id)


def _route(route: Any, ec2: Any) -> None:
    table = ec2.route_tables.get(route.route_table.id)
    if table is not None and route.id in table._routes:
        ec2.delete_route(route.route_table.id, route.destination_cidr_block)


def _association(association: Any, ec2: Any) -> None:
    table = ec2.route_tables.get(association.route_table_id)
    if table is None:
        return
    for association_id, subnet_id in list(table._associations.items()):
        if subnet_id == association.subnet_id:
            ec2.disassociate_route_table(association_id)


def _internet_gateway(gateway: Any, ec2: Any) -> None:
    if gateway.id not in ec2.internet_gateways:
        return
    if gateway.vpc is not None:
        ec2.detach_internet_gateway(gateway.id, gateway.vpc.id)
    ec2.delete_internet_gateway(gateway.id)


def _gateway_attachment(attachment: Any, ec2: Any) -> None:
    gateway = ec2.internet_gateways.get(attachment.gateway_id)
    if gateway is not None and gateway.vpc is not None:
        ec2.detach_internet_gateway(attachment.gateway_id, attachment.vpc_id)


def _flow_log(flow_log: Any, ec2: Any) -> None:
    if flow_log.id in ec2.flow_logs:
        ec2.delete_flow_logs([flow_log.id])


def _managed_policy(policy: Any, _ec2: Any) -> None:
    iam: Any = importlib.import_module("moto.iam.models").iam_backends
    backend = iam[policy.account_id][policy.partition]
    if policy.arn in backend.managed_policies:
        backend.delete_policy(policy.arn)


DELETIONS: dict[tuple[str, str], Delete] = {
    ("moto.iam.models", "ManagedPolicy"): _managed_policy,
    ("moto.ec2.models.nat_gateways", "NatGateway"): _nat_gateway,
    ("moto.ec2.models.elastic_ip_addresses", "ElasticAddress"): _elastic_ip,
    ("moto.ec2.models.route_tables", "RouteTable"): _route_table,
    ("moto.ec2.models.route_tables", "Route"): _route,
    ("moto.ec2.models.subnets", "SubnetRouteTableAssociation"): _association,
    ("moto.ec2.models.internet_gateways", "InternetGateway"): _internet_gateway,
    ("moto.ec2.models.vpn_gateway", "VPCGatewayAttachment"): _gateway_attachment,
    ("moto.ec2.models.flow_logs", "FlowLogs"): _flow_log,
}


def apply() -> None:
    ec2_backends: Any = importlib.import_module("moto.ec2.models").ec2_backends
    for (module, name), delete in DELETIONS.items():
        model = getattr(importlib.import_module(module), name)

        def delete_in_stack(self: Any, account_id: str, region: str, delete: Delete = delete) -> None:
            delete(self, ec2_backends[account_id][region])

        model.delete = delete_in_stack
