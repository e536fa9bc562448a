"""The environment's existing VPC and subnets, found by tags (the CDK network
stack creates and tags them)."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.config.models import WebNetworkConfig
from tradeinfra.tf.aws import data_aws_subnets, data_aws_vpc
from tradeinfra.tf.inputs import WebTierInputs


class ExistingNetwork(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, inputs: WebTierInputs, network: WebNetworkConfig
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc = data_aws_vpc.DataAwsVpc(
            self,
            "vpc",
            tags={**network.vpc_tags, "Environment": inputs.environment},
            lifecycle=cdktf.TerraformResourceLifecycle(
                postcondition=[
                    cdktf.Postcondition(
                        condition="${self.cidr_block == var.vpc_cidr}",
                        error_message="The VPC found by its tags does not have the CIDR block configured in vpc_cidr.",
                    )
                ]
            ),
        )
        self.private_subnets = self._subnets("private_subnets", network.private_subnet_tags)
        self.public_subnets = self._subnets("public_subnets", network.public_subnet_tags)

    def _subnets(self, construct_id: str, tags: dict[str, str]) -> data_aws_subnets.DataAwsSubnets:
        return data_aws_subnets.DataAwsSubnets(
            self,
            construct_id,
            filter=[data_aws_subnets.DataAwsSubnetsFilter(name="vpc-id", values=[self.vpc.id])],
            tags=tags,
            lifecycle=cdktf.TerraformResourceLifecycle(
                postcondition=[
                    cdktf.Postcondition(
                        condition="${length(self.ids) >= 2}",
                        error_message=f"Expected subnets in at least two AZs tagged {tags}.",
                    )
                ]
            ),
        )
