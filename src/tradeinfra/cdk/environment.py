"""One environment of the trading platform: a Stage holding its stacks.

A Stage per environment keeps construct IDs identical everywhere (`network`,
`data`, ...) while stack names carry the environment, and it is what a
pipeline deploys. Everything applied to every stack of the environment —
tags, the permission boundary, the compliance checks — is applied here.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from tradeinfra.cdk.compliance import acknowledge_environment_findings
from tradeinfra.cdk.stacks.api import ApiStack
from tradeinfra.cdk.stacks.compute import ComputeStack
from tradeinfra.cdk.stacks.data import DataStack
from tradeinfra.cdk.stacks.messaging import MessagingStack
from tradeinfra.cdk.stacks.monitoring import MonitoringStack
from tradeinfra.cdk.stacks.network import NetworkStack
from tradeinfra.cdk.stacks.security import SecurityStack
from tradeinfra.cdk.stacks.storage import StorageStack
from tradeinfra.config.models import DeliveryConfig, EnvironmentConfig
from tradeinfra.config.naming import validator_role_name


class TradingEnvironment(cdk.Stage):
    def __init__(self, scope: Construct, config: EnvironmentConfig, delivery: DeliveryConfig | None = None) -> None:
        super().__init__(scope, config.name, env=cdk.Environment(account=config.account, region=config.region))
        self.config = config
        security = SecurityStack(self, environment=config, security=config.security, delivery=delivery)
        network = NetworkStack(self, environment=config, network=config.network)
        data = DataStack(self, environment=config, data=config.data)
        self.storage = StorageStack(self, environment=config, storage=config.storage)
        messaging = MessagingStack(self, environment=config, messaging=config.messaging)
        self.monitoring = MonitoringStack(self, environment=config, monitoring=config.monitoring)
        self.compute = ComputeStack(
            self,
            environment=config,
            compute=config.compute,
            runtime=config.runtime,
            private_link_only=config.network.interface_endpoints,
        )
        self.api = ApiStack(
            self,
            environment=config,
            api=config.api,
            validator_role_name=validator_role_name(config.name) if delivery is not None else None,
        )
        self.security, self.network, self.data, self.messaging = security, network, data, messaging

        for stack in self.stacks:
            if stack is not security:
                stack.add_stack_dependency(security, "every role carries the permission boundary")
        acknowledge_environment_findings(self, config)

    @property
    def stacks(self) -> list[cdk.Stack]:
        return [child for child in self.node.children if isinstance(child, cdk.Stack)]
