"""The web tier's name: its record in the environment's public hosted zone,
and its TLS certificate (ACM, issued for that name and validated through a
DNS record in the same zone, so it renews by itself while the record
stands)."""

from __future__ import annotations

import cdktf
from constructs import Construct

from tradeinfra.tf.aws import acm_certificate, acm_certificate_validation, data_aws_route53_zone, lb, route53_record
from tradeinfra.tf.inputs import WebTierInputs


class Domain(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, inputs: WebTierInputs) -> None:
        super().__init__(scope, construct_id)
        self._inputs = inputs
        self.zone = data_aws_route53_zone.DataAwsRoute53Zone(self, "zone", name=inputs.hosted_zone, private_zone=False)
        certificate = acm_certificate.AcmCertificate(
            self,
            "certificate",
            domain_name=inputs.domain_name,
            validation_method="DNS",
            # A new certificate is issued before the listener lets go of the old one.
            lifecycle=cdktf.TerraformResourceLifecycle(create_before_destroy=True),
        )
        option = f"tolist({certificate.fqn}.domain_validation_options)[0]"
        record = route53_record.Route53Record(
            self,
            "validation",
            zone_id=self.zone.zone_id,
            name=f"${{{option}.resource_record_name}}",
            type=f"${{{option}.resource_record_type}}",
            records=[f"${{{option}.resource_record_value}}"],
            ttl=300,
            allow_overwrite=True,
        )
        validation = acm_certificate_validation.AcmCertificateValidation(
            self, "issued", certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn]
        )
        # The listener takes the ARN once the certificate is issued.
        self.certificate_arn = validation.certificate_arn

    def point_to(self, balancer: lb.Lb) -> None:
        """The domain name resolves to the load balancer (an alias record)."""
        route53_record.Route53Record(
            self,
            "alias",
            zone_id=self.zone.zone_id,
            name=self._inputs.domain_name,
            type="A",
            allow_overwrite=True,  # a record of an earlier, destroyed web tier is taken over, not a failed deploy
            alias=route53_record.Route53RecordAlias(
                name=balancer.dns_name, zone_id=balancer.zone_id, evaluate_target_health=True
            ),
        )
