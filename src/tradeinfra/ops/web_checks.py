"""Post-deployment validation of the web tier (Terraform): the database,
the Auto Scaling group, the load balancer (HTTPS, redirect, WAF) and the
security groups, against the configuration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tradeinfra.config.naming import tf_name
from tradeinfra.config.tags import MANAGED_BY_TERRAFORM, mandatory_tags
from tradeinfra.ops.checks import Check, Live, Outcome, check, missing


def _web_name(live: Live, resource_type: str) -> str:
    return tf_name(resource_type, live.env.name, live.env.web_tier.environment_suffix)


def web_database(live: Live) -> Iterator[Check]:
    database = live.env.web_tier.database
    name = _web_name(live, "rds")
    try:
        (instance,) = live.client("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"]
    except Exception as exc:
        yield missing(name, "database instance", "present", exc)
        return
    yield check(name, "instance class", database.instance_class, instance.get("DBInstanceClass"))
    yield check(name, "Multi-AZ", database.multi_az, instance.get("MultiAZ"))
    yield check(name, "backup retention (days)", database.backup_retention_days, instance.get("BackupRetentionPeriod"))
    yield check(name, "storage encrypted", True, instance.get("StorageEncrypted"))
    yield check(name, "publicly accessible", False, instance.get("PubliclyAccessible"))
    tags = {t["Key"]: t["Value"] for t in instance.get("TagList", [])}
    expected_tags = mandatory_tags(live.env, MANAGED_BY_TERRAFORM)
    yield check(name, "mandatory tags", expected_tags, {k: tags.get(k) for k in expected_tags})


def web_autoscaling(live: Live) -> Iterator[Check]:
    scaling = live.env.web_tier.autoscaling
    name = _web_name(live, "asg-web")
    groups = live.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])
    if not groups["AutoScalingGroups"]:
        yield Check(name, "Auto Scaling group", "present", "missing", Outcome.failed)
        return
    group = groups["AutoScalingGroups"][0]
    yield check(name, "min size", scaling.min_size, group.get("MinSize"))
    yield check(name, "max size", scaling.max_size, group.get("MaxSize"))
    yield check(name, "desired capacity", scaling.desired_capacity, group.get("DesiredCapacity"))


def web_load_balancer(live: Live) -> Iterator[Check]:
    name = _web_name(live, "alb")
    balancers = live.client("elbv2")
    try:
        (balancer,) = balancers.describe_load_balancers(Names=[name])["LoadBalancers"]
        attributes = balancers.describe_load_balancer_attributes(LoadBalancerArn=balancer["LoadBalancerArn"])
    except Exception as exc:
        yield missing(name, "load balancer", "present", exc)
        return
    settings = live.env.web_tier.load_balancer
    values = {a["Key"]: a["Value"] for a in attributes["Attributes"]}
    yield check(name, "access logs", settings.access_logs, values.get("access_logs.s3.enabled"))
    yield check(name, "drop invalid header fields", True, values.get("routing.http.drop_invalid_header_fields.enabled"))
    yield check(name, "deletion protection", settings.deletion_protection, values.get("deletion_protection.enabled"))
    yield check(name, "scheme", "internet-facing" if settings.internet_facing else "internal", balancer.get("Scheme"))
    yield from _web_listeners(live, name, balancer["LoadBalancerArn"])
    yield from _web_firewall(live, name, balancer["LoadBalancerArn"])


def _web_listeners(live: Live, name: str, balancer_arn: str) -> Iterator[Check]:
    """HTTPS on its port with the configured TLS policy and a certificate;
    plain HTTP only redirects to it."""
    settings = live.env.web_tier.load_balancer
    listeners = {
        listener["Port"]: listener
        for listener in live.client("elbv2").describe_listeners(LoadBalancerArn=balancer_arn)["Listeners"]
    }
    yield check(name, "listener ports", sorted([settings.listener_port, settings.https_port]), sorted(listeners))
    https = listeners.get(settings.https_port, {})
    yield check(name, f"port {settings.https_port} protocol", "HTTPS", https.get("Protocol"))
    yield check(name, f"port {settings.https_port} TLS policy", settings.tls_policy, https.get("SslPolicy"))
    yield check(name, f"port {settings.https_port} certificate", True, bool(https.get("Certificates")))
    actions = listeners.get(settings.listener_port, {}).get("DefaultActions", [])
    redirect = actions[0].get("RedirectConfig", {}) if actions else {}
    yield check(
        name,
        f"port {settings.listener_port} redirects",
        f"HTTPS:{settings.https_port} HTTP_301",
        f"{redirect.get('Protocol')}:{redirect.get('Port')} {redirect.get('StatusCode')}" if redirect else None,
    )


def _web_firewall(live: Live, name: str, balancer_arn: str) -> Iterator[Check]:
    try:
        acl = live.client("wafv2").get_web_acl_for_resource(ResourceArn=balancer_arn).get("WebACL")
    except Exception as exc:
        yield missing(name, "WAF web ACL", _web_name(live, "waf-web"), exc)
        return
    yield check(name, "WAF web ACL", _web_name(live, "waf-web"), acl.get("Name") if acl else None)


def web_security_groups(live: Live) -> Iterator[Check]:
    """Each group's rules, written `tcp/<port> from|to <peer>`: the ALB admits
    the client CIDRs, the instances the ALB, the database the instances."""
    web = live.env.web_tier
    listeners = (web.load_balancer.listener_port, web.load_balancer.https_port)
    app, db = web.load_balancer.app_port, web.database.port
    names = {role: _web_name(live, f"{role}-sg") for role in ("alb", "app", "db")}
    expected = {
        "alb": (
            [f"tcp/{port} from {cidr}" for port in listeners for cidr in web.security.alb_ingress_cidrs],
            [f"tcp/{app} to {names['app']}"],
        ),
        "app": ([f"tcp/{app} from {names['alb']}"], [f"tcp/{db} to {names['db']}", "tcp/443 to 0.0.0.0/0"]),
        "db": ([f"tcp/{db} from {names['app']}"], []),
    }
    ec2 = live.client("ec2")
    try:
        groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": list(names.values())}])
    except Exception as exc:
        yield missing("web tier security groups", "groups", "present", exc)
        return
    by_id = {g["GroupId"]: g for g in groups["SecurityGroups"]}
    by_name = {g["GroupName"]: g for g in groups["SecurityGroups"]}
    for role, name in names.items():
        group = by_name.get(name)
        if group is None:
            yield Check(name, "security group", "present", "missing", Outcome.failed)
            continue
        ingress, egress = expected[role]
        yield check(name, "ingress rules", sorted(ingress), _rules(group["IpPermissions"], "from", by_id))
        yield check(name, "egress rules", sorted(egress), _rules(group.get("IpPermissionsEgress", []), "to", by_id))


def _rules(permissions: list[dict[str, Any]], direction: str, groups: dict[str, dict[str, Any]]) -> list[str]:
    rules = []
    for permission in permissions:
        port = permission.get("FromPort")
        protocol = "all" if permission.get("IpProtocol") == "-1" else f"{permission.get('IpProtocol')}/{port}"
        peers = [r["CidrIp"] for r in permission.get("IpRanges", [])]
        peers += [
            groups.get(p["GroupId"], {}).get("GroupName", p["GroupId"]) for p in permission.get("UserIdGroupPairs", [])
        ]
        rules += [f"{protocol} {direction} {peer}" for peer in peers]
    return sorted(rules)
