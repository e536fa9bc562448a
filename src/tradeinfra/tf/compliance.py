"""checkov findings accepted on one resource, with the reason, written into
the resource's own `//` comment block of the synthesized JSON.

checkov's terraform_json runner has no inline skip comments (its HCL runner
does), and a global skip list would accept the finding on every resource of
every stack. tests/infra/tf/test_checkov.py matches each finding against the
resource's acknowledgments and fails on an unacknowledged finding and on an
acknowledgment that no longer matches one.
"""

from __future__ import annotations

import cdktf

COMMENT = "//"
KEY = "checkov_acknowledged"


def acknowledge(resource: cdktf.TerraformResource, reasons: dict[str, str]) -> None:
    """Accept checkov findings (check id -> why it does not apply here) on `resource`."""
    for check, reason in reasons.items():
        resource.add_override(f"{COMMENT}.{KEY}.{check}", reason)


# Reasons several buckets share; each bucket still lists the ones that hold for it.
NO_EVENT_CONSUMER = {
    "CKV2_AWS_62": "Nothing in the platform reacts to object events in this bucket: notifications would go nowhere"
}
LOG_DELIVERY_SSE_S3 = {
    "CKV_AWS_145": "Log delivery (S3 server access logs, ALB access logs) writes only to SSE-S3 buckets"
}


def single_region(why: str) -> dict[str, str]:
    return {"CKV_AWS_144": f"Kept in one region by design: {why}"}
