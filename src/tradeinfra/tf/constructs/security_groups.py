"""Security groups, least privilege: the ALB admits the environment's client
CIDRs only; instances admit the ALB only; the database admits the instances
only. No rule opens anything to 0.0.0.0/0 for ingress."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.tf.aws import security_group, vpc_security_group_egress_rule, vpc_security_group_ingress_rule
from tradeinfra.tf.inputs import WebTierInputs


class SecurityGroups(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inputs: WebTierInputs,
        vpc_id: str,
        listener_ports: list[int],
        app_port: int,
        db_port: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alb = self._group("alb", inputs, vpc_id, "Load balancer: client CIDRs in, instances out")
        self.app = self._group("app", inputs, vpc_id, "Web instances: load balancer in, HTTPS and database out")
        self.db = self._group("db", inputs, vpc_id, "Database: web instances in, nothing out")

        for port in listener_ports:
            clients = vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule(
                self,
                f"alb_from_clients_{port}",
                security_group_id=self.alb.id,
                description=f"Listener port {port} from the environment's allowed CIDRs",
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4="${each.value}",
            )
            # one rule per allowed CIDR
            clients.add_override("for_each", "${toset(var.alb_ingress_cidrs)}")
        self._rule_out("alb_to_app", self.alb.id, app_port, self.app.id, "Health checks and traffic to instances")
        self._rule_in("app_from_alb", self.app.id, app_port, self.alb.id, "Traffic from the load balancer")
        self._rule_out("app_to_db", self.app.id, db_port, self.db.id, "PostgreSQL to the database")
        vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            self,
            "app_to_https",
            security_group_id=self.app.id,
            description="HTTPS to AWS APIs (SSM, S3) and package mirrors via NAT",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
        )
        self._rule_in("db_from_app", self.db.id, db_port, self.app.id, "PostgreSQL from the web instances")

    def _group(self, role: str, inputs: WebTierInputs, vpc_id: str, description: str) -> security_group.SecurityGroup:
        return security_group.SecurityGroup(
            self,
            role,
            name=inputs.name(f"{role}-sg"),  # AWS refuses names that begin with sg-
            description=description,
            vpc_id=vpc_id,
            # Rules are separate resources (never inline: the two fight); the
            # provider removes AWS's default allow-all egress rule on create.
            lifecycle=cdktf.TerraformResourceLifecycle(create_before_destroy=True),
        )

    def _rule_in(self, construct_id: str, group: str, port: int, source: str, description: str) -> None:
        self._rule(
            vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule, construct_id, group, port, source, description
        )

    def _rule_out(self, construct_id: str, group: str, port: int, target: str, description: str) -> None:
        self._rule(
            vpc_security_group_egress_rule.VpcSecurityGroupEgressRule, construct_id, group, port, target, description
        )

    def _rule(
        self,
        kind: type[vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule]
        | type[vpc_security_group_egress_rule.VpcSecurityGroupEgressRule],
        construct_id: str,
        group: str,
        port: int,
        peer: str,
        description: str,
    ) -> None:
        """A TCP rule on one port between two security groups."""
        kind(
            self,
            construct_id,
            security_group_id=group,
            description=description,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=peer,
        )
