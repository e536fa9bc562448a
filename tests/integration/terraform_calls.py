"""The AWS calls a Terraform run made, read from its debug log (TF_LOG=DEBUG):
who made each (the S3 backend or the AWS provider), the service and SDK
operation, and for the backend's requests the object key or listing
prefix. The SDK logs each request twice: when it resolves the endpoint
(one line, with `rpc.service` and `rpc.method`) and when it sends it (with
the URL, though its fields may wrap onto the lines of a request body)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

# Service names as the SDK logs them -> IAM service prefix.
SERVICES = {
    "ACM": "acm",
    "Auto Scaling": "autoscaling",
    "CloudWatch Logs": "logs",
    "DynamoDB": "dynamodb",
    "EC2": "ec2",
    "Elastic Load Balancing v2": "elasticloadbalancing",
    "IAM": "iam",
    "KMS": "kms",
    "RDS": "rds",
    "Route 53": "route53",
    "S3": "s3",
    "SSM": "ssm",
    "STS": "sts",
    "WAFV2": "wafv2",
}
# SDK operations whose IAM action has another name (S3's, from the S3 actions table).
RENAMED = {
    "s3:GetBucketAccelerateConfiguration": "s3:GetAccelerateConfiguration",
    "s3:GetBucketCors": "s3:GetBucketCORS",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:HeadBucket": "s3:ListBucket",
    "s3:HeadObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
}
MARKS = ("setting endpoint", "HTTP Request Sent")


@dataclass(frozen=True)
class Call:
    by: str  # backend, provider
    action: str  # the IAM action, e.g. s3:GetBucketAcl
    target: str = ""  # for the backend's S3 calls: the object key, or "prefix=<p>" for a listing


def terraform_calls(log: Path) -> set[Call]:
    calls = set()
    for line in log.read_text(errors="replace").splitlines():
        if not any(mark in line for mark in MARKS):
            continue
        method = re.search(r"rpc\.method=(\S+)", line)
        service = re.search(r'rpc\.service=("[^"]+"|\S+)', line)
        if not method or not service:
            continue
        name = service.group(1).strip('"')
        assert name in SERVICES, f"a service this helper does not know: {name}"
        operation = f"{SERVICES[name]}:{method.group(1)}"
        by = "backend" if "backend-s3" in line else "provider"
        action = RENAMED.get(operation, operation)
        calls.add(Call(by, action, _target(line) if by == "backend" else ""))
    return calls


def _target(line: str) -> str:
    url = re.search(r'http\.url="?([^" ]+)', line)
    if not url or "/trading-tfstate" not in url.group(1):
        return ""
    parts = urlsplit(url.group(1))
    key = parts.path.split("/", 2)[2] if parts.path.count("/") >= 2 else ""
    prefix = parse_qs(parts.query).get("prefix")
    return f"prefix={prefix[0]}" if prefix else key
