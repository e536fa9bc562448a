"""Post-deployment validation: read the live settings of the environment's
resources, compare each with the configuration, and send a smoke-test order.

Every check ends as passed, failed, or not emulated: on the emulator, what
moto does not implement is reported as such, never as passed.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, ssm_prefix
from tradeinfra.config.tags import MANAGED_BY_CDK, mandatory_tags
from tradeinfra.ops.checks import Check, Live, ValidationReport, check, missing, not_emulated
from tradeinfra.ops.deploy import APPS
from tradeinfra.ops.references import consumed_references
from tradeinfra.ops.targets import Target
from tradeinfra.ops.web_checks import web_autoscaling, web_database, web_load_balancer, web_security_groups
from tradeinfra.runtime.order_processor.models import VALIDATE_ONLY_HEADER, VALIDATION_PREFIX, VALIDATION_STATUS

# -- the checks, one function per resource --------------------------------------


def order_processor(live: Live) -> Iterator[Check]:
    env, compute = live.env, live.env.compute
    name = cdk_name(env.name, "order-processor", ResourceKind.LAMBDA_FUNCTION)
    functions = live.client("lambda")
    try:
        alias = functions.get_alias(FunctionName=name, Name="live")
        # The function as CloudFormation manages it ($LATEST): an out-of-band
        # change lands there, and the next published version inherits it.
        config = functions.get_function_configuration(FunctionName=name)
        reserved = functions.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
        tags = functions.list_tags(Resource=config["FunctionArn"]).get("Tags", {})
    except Exception as exc:
        yield missing(name, "function and alias live", "present", exc)
        return
    yield check(
        name,
        "alias live",
        "a published version",
        "a published version" if alias["FunctionVersion"].isdigit() else alias["FunctionVersion"],
    )
    yield check(name, "memory (MB)", compute.memory_mb, config["MemorySize"])
    yield check(name, "timeout (s)", compute.timeout_seconds, config["Timeout"])
    yield check(name, "reserved concurrency", compute.reserved_concurrency, reserved)
    yield check(name, "architecture", [compute.architecture], config.get("Architectures"))
    yield check(
        name, "ENVIRONMENT variable", env.name, config.get("Environment", {}).get("Variables", {}).get("ENVIRONMENT")
    )
    expected_tags = mandatory_tags(env, MANAGED_BY_CDK)
    yield check(name, "mandatory tags", expected_tags, {k: tags.get(k) for k in expected_tags})


def orders_table(live: Live) -> Iterator[Check]:
    data = live.env.data
    name = cdk_name(live.env.name, "orders", ResourceKind.DYNAMODB_TABLE)
    tables = live.client("dynamodb")
    try:
        table = tables.describe_table(TableName=name)["Table"]
    except Exception as exc:
        yield missing(name, "table", "present", exc)
        return
    throughput = table.get("ProvisionedThroughput", {})
    yield check(name, "read capacity", data.read_capacity, throughput.get("ReadCapacityUnits"))
    yield check(name, "write capacity", data.write_capacity, throughput.get("WriteCapacityUnits"))
    if live.target.is_local:
        yield not_emulated(name, "point-in-time recovery", data.point_in_time_recovery)
    else:
        backups = tables.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
        yield check(name, "point-in-time recovery", data.point_in_time_recovery, status == "ENABLED")


def orders_queues(live: Live) -> Iterator[Check]:
    messaging = live.env.messaging
    queues = live.client("sqs")
    for purpose, retention in (
        ("orders", messaging.retention_seconds),
        ("orders-dlq", messaging.dlq_retention_seconds),
    ):
        name = cdk_name(live.env.name, purpose, ResourceKind.SQS_QUEUE)
        try:
            url = queues.get_queue_url(QueueName=name)["QueueUrl"]
            attributes = queues.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        except Exception as exc:
            yield missing(name, "queue", "present", exc)
            continue
        yield check(name, "retention (s)", retention, int(attributes.get("MessageRetentionPeriod", 0)))
        if purpose == "orders":
            redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
            yield check(
                name, "max receives before DLQ", messaging.dlq_max_receive_count, int(redrive.get("maxReceiveCount", 0))
            )
            yield check(
                name,
                "visibility timeout (s)",
                messaging.visibility_timeout_seconds,
                int(attributes.get("VisibilityTimeout", 0)),
            )


def trade_data_bucket(live: Live) -> Iterator[Check]:
    env, storage = live.env, live.env.storage
    name = cdk_name(env.name, f"trade-data-{env.account}-{env.region}", ResourceKind.S3_BUCKET)
    buckets = live.client("s3")
    try:
        versioning = buckets.get_bucket_versioning(Bucket=name).get("Status")
        encryption = buckets.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    except Exception as exc:
        yield missing(name, "bucket", "present", exc)
        return
    yield check(name, "versioning", "Enabled", versioning)
    algorithm = encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    yield check(name, "encryption", "aws:kms", algorithm)
    if live.target.is_local:
        yield not_emulated(name, "trade-data expiration (days)", storage.trade_data_expiration_days)


def api_stage(live: Live) -> Iterator[Check]:
    api = live.env.api
    resource = f"{cdk_name(live.env.name, 'api', ResourceKind.API_GATEWAY)} stage {live.env.name}"
    if live.target.is_local:
        yield not_emulated(resource, "throttling rate (req/s)", api.throttling_rate_limit)
        yield not_emulated(resource, "throttling burst", api.throttling_burst_limit)
        return
    gateway = live.client("apigateway")
    try:
        api_id = next(a["id"] for a in gateway.get_rest_apis()["items"] if a["name"] == resource.split()[0])
        settings = gateway.get_stage(restApiId=api_id, stageName=live.env.name)["methodSettings"]["*/*"]
    except Exception as exc:
        yield missing(resource, "stage", "present", exc)
        return
    yield check(resource, "throttling rate (req/s)", api.throttling_rate_limit, settings.get("throttlingRateLimit"))
    yield check(resource, "throttling burst", api.throttling_burst_limit, settings.get("throttlingBurstLimit"))


def ssm_exports(live: Live) -> Iterator[Check]:
    prefix = ssm_prefix(live.env.name)
    parameters = live.client("ssm")
    found: set[str] = set()
    for page in parameters.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True):
        found.update(p["Name"] for p in page["Parameters"])
    for component in dict.fromkeys(published.component for published in references.PUBLISHED):
        expected = {p.parameter(live.env.name) for p in references.PUBLISHED if p.component == component}
        yield check(
            f"SSM {prefix}{component}/",
            "exports",
            "all present",
            "all present" if expected <= found else f"missing {sorted(expected - found)}",
        )


def cross_stack_references(live: Live) -> Iterator[Check]:
    """Each stack's references resolved to the value its producer publishes now."""
    try:
        consumed = consumed_references(live.client("cloudformation"), live.client("ssm"), live.env.name)
    except Exception as exc:
        yield missing(f"{live.env.name} stacks", "references through Parameter Store", "readable", exc)
        return
    if not consumed:
        yield check(f"{live.env.name} stacks", "references through Parameter Store", "read by consumers", "none")
    for reference in consumed:
        yield check(
            reference.consumer,
            f"reference {reference.parameter}",
            reference.current if reference.current is not None else "(parameter deleted)",
            reference.deployed,
        )


# -- smoke test ------------------------------------------------------------------


def smoke_order(live: Live) -> Iterator[Check]:
    """A validate-only order goes in and is read back: the order processor
    runs every rule (limits, kill switch) and writes and reads the orders
    table with its own permissions, on a reserved id whose record expires by
    itself; nothing reaches the queue, no order reaches the order book. On
    AWS through the API (SigV4, as the validator); on the emulator the
    handler code runs in this process (moto runs no Lambda code)."""
    order_id = f"{VALIDATION_PREFIX}{uuid.uuid4().hex[:16]}"
    order = {"client_order_id": order_id, "symbol": "SMOKE", "side": "BUY", "quantity": 1, "limit_price": "1.00"}
    send = call_in_process if live.target.is_local else _through_api
    try:
        checked = send(live, "POST", "/orders", order)
        read = send(live, "GET", f"/orders/{order_id}", None)
    except Exception as exc:
        yield missing("smoke order", "POST then GET /orders (validate-only)", "200 then 200", exc)
        return
    yield check("smoke order", "POST /orders", 200, checked[0])
    yield check("smoke order", "queued", False, checked[1].get("queued", "-"))
    yield check(
        "smoke order",
        f"GET /orders/{order_id}",
        f"200 {VALIDATION_STATUS}",
        f"{read[0]} {read[1].get('status')}",
    )


def call_in_process(
    live: Live, method: str, path: str, body: dict[str, Any] | None, *, validate_only: bool = True
) -> tuple[int, dict[str, Any]]:
    """The order API, served by the handler code in this process against the
    environment's table, queue and SSM limits on the emulator. Validate-only
    unless told otherwise (a test placing real orders)."""
    import boto3

    from tradeinfra.runtime.order_processor import handler

    env = live.env
    variables = {
        **live.target.process_environment(env),
        "ORDERS_TABLE": cdk_name(env.name, "orders", ResourceKind.DYNAMODB_TABLE),
        "ORDERS_QUEUE_URL": live.client("sqs").get_queue_url(
            QueueName=cdk_name(env.name, "orders", ResourceKind.SQS_QUEUE)
        )["QueueUrl"],
        "RUNTIME_PARAMETER_PATH": f"{ssm_prefix(env.name)}runtime/",
        "ENVIRONMENT": env.name,
    }
    event: dict[str, Any] = {"httpMethod": method, "headers": {VALIDATE_ONLY_HEADER: str(validate_only).lower()}}
    if method == "POST":
        event |= {"resource": "/orders", "body": json.dumps(body)}
    else:
        event |= {"resource": "/orders/{id}", "pathParameters": {"id": path.rsplit("/", 1)[1]}}
    saved = dict(os.environ)
    try:
        os.environ.update(variables)
        # Clients for this environment, not a previous one: boto3's default
        # session keeps the credentials it first resolved (another account's).
        handler._dependencies = None
        boto3.DEFAULT_SESSION = None
        response = handler.lambda_handler(event, None)
    finally:
        handler._dependencies = None
        boto3.DEFAULT_SESSION = None
        os.environ.clear()
        os.environ.update(saved)
    return int(response["statusCode"]), json.loads(response["body"])


def _through_api(live: Live, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    base = live.client("ssm").get_parameter(Name=f"{ssm_prefix(live.env.name)}api/api-url")["Parameter"]["Value"]
    url = base.rstrip("/") + path
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", VALIDATE_ONLY_HEADER: "true"}
    request = AWSRequest(method=method, url=url, data=data, headers=headers)
    # Signed as the role validation acts as (the validator role in the
    # pipeline), whose grant names these routes: not the caller's own.
    credentials = live.target.session(live.env).get_credentials()
    SigV4Auth(credentials, "execute-api", live.env.region).add_auth(request)
    prepared = urllib.request.Request(url, data=data, method=method, headers=dict(request.headers))
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            return int(response.status), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


CheckRun = Callable[[Live], Iterator[Check]]

# What each app deployed; conformance reads settings only, the smoke test
# writes an order and so runs only in validation, never in drift detection.
CONFORMANCE: dict[str, list[CheckRun]] = {
    "cdk": [
        order_processor,
        orders_table,
        orders_queues,
        trade_data_bucket,
        api_stage,
        ssm_exports,
        cross_stack_references,
    ],
    "tf": [web_database, web_autoscaling, web_load_balancer, web_security_groups],
}
SMOKE_TESTS: dict[str, list[CheckRun]] = {"cdk": [smoke_order], "tf": []}


def conformance(env: EnvironmentConfig, target: Target, apps: Sequence[str] = APPS) -> list[Check]:
    """Live settings of the apps' resources against `env` (the configuration)."""
    live = Live(env, target)
    return [result for app in apps for run in CONFORMANCE[app] for result in run(live)]


def validate(env: EnvironmentConfig, target: Target, apps: Sequence[str] = APPS) -> ValidationReport:
    """Conformance plus the smoke tests of the apps."""
    live = Live(env, target)
    runs = [run for app in apps for run in (*CONFORMANCE[app], *SMOKE_TESTS[app])]
    return ValidationReport(env.name, target.kind.value, [result for run in runs for result in run(live)])
