#!/usr/bin/env python3
"""Generate the example vendor compliance reports used by tollgate.

Every file in this directory (apart from README.md and this script) is
produced by this script.  The output is fully deterministic: each report
has its own seeded random.Random instance, there is no dependency on the
wall clock, and dictionaries are emitted in a fixed key order that follows
the vendor documentation's example responses.

    python3 examples/reports/generate.py

Shapes follow the vendor API documents:

* huawei-coc-patch-compliance.json  COC  GET /v1/patch/instance/compliant
* huawei-coc-patch-items.json       COC  GET /v1/patch/instance/compliant/{instance_compliant_id}
* huawei-config-policy-states.json  Config GET /v1/resource-manager/domains/{domain_id}/policy-states/summary
* alibaba-oos-patch-states.json     OOS  ListInstancePatchStates (two pages)
* alibaba-config-pack-report.json   Config GetCompliancePackReport
* prowler-*.ocsf.json              Prowler json-ocsf scans (OCSF Detection Findings)

Standard library only.
"""

import base64
import json
import os
import random
import string
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

UTC = timezone.utc
CST = timezone(timedelta(hours=8))  # Beijing time, used by both vendors in ticket/report names

LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"

# Window in which all report/scan timestamps fall.
WINDOW_START = datetime(2026, 11, 20, 0, 0, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 23, 6, 0, 0, tzinfo=UTC)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def rand_str(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_uuid(rng):
    """A UUID4-shaped lowercase string derived from the seeded RNG."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ms(dt):
    return int(round(dt.timestamp() * 1000))


def rand_time(rng, start, end):
    span = int((end - start).total_seconds() * 1000)
    return start + timedelta(milliseconds=rng.randrange(span))


def iso_z(dt):
    """2026-11-22T03:12:45Z (seconds precision, as Alibaba OOS returns)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(dt):
    """2025-06-17T07:49:38.717Z (millisecond precision, as Huawei Config returns)."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def write_huawei(name, obj):
    # Huawei's documented example responses use `"key" : value`.
    text = json.dumps(obj, indent=2, separators=(",", " : ")) + "\n"
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_alibaba(name, obj):
    text = json.dumps(obj, indent=2) + "\n"
    with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def severity_summary(critical=0, high=0, informational=0, low=0, medium=0, unspecified=0):
    # Key order as in the documented example.
    return {
        "critical_count": critical,
        "high_count": high,
        "informational_count": informational,
        "low_count": low,
        "medium_count": medium,
        "unspecified_count": unspecified,
    }


# --------------------------------------------------------------------------
# 1 + 2. Huawei COC patch compliance
# --------------------------------------------------------------------------

# Default (standard) patch baselines, one per operating system.  The EulerOS
# one is the id shown in the COC documentation.
STANDARD_BASELINES = {
    "EulerOS": ("JX-f2d85e2554f7385cbbf2c23a01f41", "COC-EulerOSDefaultPatchBaseline"),
    "HuaweiCloudEulerOS": ("JX-6b0e3c91d84a2f57e1c09ab4d73e2", "COC-HuaweiCloudEulerOSDefaultPatchBaseline"),
    "CentOS": ("JX-a47c19e03b5d862f0e7a1c4b95d38", "COC-CentOSDefaultPatchBaseline"),
}
# Custom baseline used by the node whose patch items are exported.
CUSTOM_BASELINE = ("JX-3c8e41f07a92d6b5e10f4a7c2d968", "prod-euleros-security-baseline")

# The node whose per-patch details are written to huawei-coc-patch-items.json.
ITEMS_NODE = "ecs-prod-api-02"

# name, group, operating system, report scene, region, severity profile
#   profile: "clean"  -> fully compliant
#            "minor"  -> only medium/low/unspecified missing
#            dict     -> explicit non-compliant counts (critical/high/...)
#            "items"  -> derived from the exported patch items
NODES = [
    # ---- prod (19) ----
    ("ecs-prod-web-01", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", {"critical": 1, "medium": 4, "low": 2}),
    ("ecs-prod-web-02", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("ecs-prod-web-03", "prod", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "minor"),
    ("ecs-prod-web-04", "prod", "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "minor"),
    ("ecs-prod-api-01", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("ecs-prod-api-02", "prod", "EulerOS", "ECS", "cn-north-4", "items"),
    ("ecs-prod-api-03", "prod", "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "minor"),
    ("bms-prod-db-01", "prod", "EulerOS", "BMS", "cn-north-4", "minor"),
    ("ecs-prod-db-02", "prod", "EulerOS", "ECS", "cn-north-4", {"critical": 2, "high": 7, "medium": 5, "low": 3, "unspecified": 9}),
    ("ecs-prod-cache-01", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", {"high": 3, "medium": 2, "unspecified": 4}),
    ("ecs-prod-cache-02", "prod", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "clean"),
    ("ecs-prod-mq-01", "prod", "CentOS", "ECS", "cn-north-4", {"high": 1, "low": 2, "unspecified": 6}),
    ("ecs-prod-mq-02", "prod", "CentOS", "ECS", "cn-east-3", "minor"),
    ("ecs-prod-batch-01", "prod", "CentOS", "ECS", "cn-north-4", "minor"),
    ("ecs-prod-gw-01", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("ecs-prod-gw-02", "prod", "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "clean"),
    ("ecs-prod-search-01", "prod", "EulerOS", "ECS", "cn-east-3", "minor"),
    ("ecs-prod-monitor-01", "prod", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("ecs-prod-ldap-01", "prod", "CentOS", "ECS", "cn-east-3", "minor"),
    # ---- staging (12) ----
    ("ecs-staging-web-01", "staging", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "minor"),
    ("ecs-staging-web-02", "staging", "CentOS", "ECS", "cn-east-3", {"high": 11, "medium": 8, "low": 5, "unspecified": 14}),
    ("ecs-staging-web-03", "staging", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("ecs-staging-api-01", "staging", "EulerOS", "ECS", "cn-east-3", {"critical": 1, "high": 2, "medium": 3, "unspecified": 2}),
    ("ecs-staging-api-02", "staging", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "clean"),
    ("ecs-staging-db-01", "staging", "EulerOS", "ECS", "cn-east-3", "minor"),
    ("ecs-staging-db-02", "staging", "EulerOS", "ECS", "cn-north-4", "minor"),
    ("ecs-staging-cache-01", "staging", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "clean"),
    ("ecs-staging-mq-01", "staging", "CentOS", "ECS", "cn-east-3", "minor"),
    ("ecs-staging-batch-01", "staging", "CentOS", "ECS", "cn-north-4", "clean"),
    ("ecs-staging-gw-01", "staging", "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "minor"),
    ("ecs-staging-search-01", "staging", "EulerOS", "ECS", "cn-east-3", "clean"),
    # ---- dev (13) ----
    ("ecs-dev-web-01", "dev", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-web-02", "dev", "CentOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-api-01", "dev", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-api-02", "dev", "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "clean"),
    ("ecs-dev-db-01", "dev", "EulerOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-batch-01", "dev", "CentOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-batch-02", "dev", "CentOS", "ECS", "cn-north-4", "clean"),
    ("ecs-dev-batch-03", "dev", "CentOS", "ECS", "cn-north-4", {"critical": 2, "high": 2, "medium": 6, "low": 4, "unspecified": 17}),
    ("ecs-dev-cache-01", "dev", "HuaweiCloudEulerOS", "ECS", "cn-east-3", "minor"),
    ("ecs-dev-ci-01", "dev", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "minor"),
    ("ecs-dev-ci-02", "dev", "HuaweiCloudEulerOS", "ECS", "cn-north-4", "clean"),
    ("bms-dev-gpu-01", "dev", "EulerOS", "BMS", "cn-north-4", "minor"),
    ("ecs-dev-sandbox-01", "dev", "CentOS", "ECS", "ap-southeast-1", "minor"),
    # ---- no application group (4) ----
    ("ecs-ops-bastion-01", None, "HuaweiCloudEulerOS", "ECS", "cn-north-4", {"high": 1, "medium": 1, "unspecified": 3}),
    ("ecs-ops-jump-01", None, "HuaweiCloudEulerOS", "ECS", "ap-southeast-1", "clean"),
    ("ecs-legacy-ftp-01", None, "CentOS", "ECS", "cn-east-3", "minor"),
    ("bms-legacy-oracle-01", None, "EulerOS", "BMS", "cn-north-4", "minor"),
]

# Roles that face the internet get an EIP.
PUBLIC_ROLES = {"web", "gw", "bastion", "jump", "ftp"}
EIP_PREFIXES = {
    "cn-north-4": ["121.36", "124.70", "139.9"],
    "cn-east-3": ["121.37", "122.112", "124.71"],
    "ap-southeast-1": ["159.138", "119.8", "94.74"],
}
# Third octet of the private address per (region, group).
SUBNETS = {
    ("cn-north-4", "prod"): 10, ("cn-north-4", "staging"): 20, ("cn-north-4", "dev"): 30, ("cn-north-4", None): 0,
    ("cn-east-3", "prod"): 11, ("cn-east-3", "staging"): 21, ("cn-east-3", "dev"): 31, ("cn-east-3", None): 1,
    ("ap-southeast-1", "prod"): 12, ("ap-southeast-1", "staging"): 22, ("ap-southeast-1", "dev"): 32, ("ap-southeast-1", None): 2,
}

# Patch records for ITEMS_NODE (EulerOS 2.0 SP10):
#   title, classification, severity_level, compliance_level, patch_status
PATCH_ITEMS = [
    ("kernel-4.18.0-147.5.2.19.h1325.eulerosv2r10", "Security", "Critical", "CRITICAL", "MISSING"),
    ("openssl-1.1.1f-7.h23.eulerosv2r10", "Security", "Critical", "CRITICAL", "MISSING"),
    ("glibc-2.28-36.1.h93.eulerosv2r10", "Security", "Critical", "CRITICAL", "MISSING"),
    ("sudo-1.9.2-1.h22.eulerosv2r10", "Security", "Important", "HIGH", "FAILED"),
    ("systemd-243-18.h31.eulerosv2r10", "Security", "Moderate", "MEDIUM", "PENDING_REBOOT"),
    ("openssh-8.2p1-9.h38.eulerosv2r10", "Security", "Important", "HIGH", "INSTALLED"),
    ("curl-7.71.1-9.h33.eulerosv2r10", "Security", "Important", "HIGH", "INSTALLED"),
    ("bind-libs-9.11.21-4.h30.eulerosv2r10", "Security", "Important", "HIGH", "INSTALLED"),
    ("krb5-libs-1.18.2-1.h16.eulerosv2r10", "Security", "Important", "HIGH", "INSTALLED"),
    ("expat-2.2.9-1.h14.eulerosv2r10", "Security", "Critical", "CRITICAL", "INSTALLED"),
    ("libxml2-2.9.10-9.h21.eulerosv2r10", "Security", "Moderate", "MEDIUM", "INSTALLED"),
    ("python3-3.7.9-5.h32.eulerosv2r10", "Security", "Moderate", "MEDIUM", "INSTALLED"),
    ("nss-3.54-12.h10.eulerosv2r10", "Security", "Moderate", "MEDIUM", "INSTALLED"),
    ("sqlite-3.32.3-1.h15.eulerosv2r10", "Security", "Low", "LOW", "INSTALLED"),
    ("vim-minimal-8.2-1.h52.eulerosv2r10", "Security", "Low", "LOW", "INSTALLED"),
    ("rsyslog-8.2006.0-1.h12.eulerosv2r10", "Bugfix", "", "UNSPECIFIED", "INSTALLED"),
    ("NetworkManager-1.26.2-1.h21.eulerosv2r10", "Bugfix", "", "UNSPECIFIED", "INSTALLED"),
    ("tzdata-2025b-1.eulerosv2r10", "Enhancement", "", "UNSPECIFIED", "INSTALLED"),
    ("zlib-1.2.11-18.h10.eulerosv2r10", "Security", "Moderate", "MEDIUM", "INSTALLED_OTHER"),
    ("chrony-3.5-2.h7.eulerosv2r10", "Bugfix", "", "UNSPECIFIED", "INSTALLED_OTHER"),
    ("ca-certificates-2023.2.60-1.h2.eulerosv2r10", "Enhancement", "", "UNSPECIFIED", "INSTALLED_OTHER"),
]
NON_COMPLIANT_STATUSES = {"MISSING", "FAILED", "PENDING_REBOOT", "REJECT"}
LEVEL_KEY = {
    "CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium",
    "LOW": "low", "INFORMATIONAL": "informational", "UNSPECIFIED": "unspecified",
}


def items_summaries():
    compliant = dict.fromkeys(LEVEL_KEY.values(), 0)
    non_compliant = dict.fromkeys(LEVEL_KEY.values(), 0)
    for _title, _cls, _sev, level, status in PATCH_ITEMS:
        target = non_compliant if status in NON_COMPLIANT_STATUSES else compliant
        target[LEVEL_KEY[level]] += 1
    return compliant, non_compliant


def gen_huawei_coc():
    rng = random.Random("tollgate/huawei-coc-patch-compliance")

    ep_ids = {g: rand_uuid(rng) for g in ("prod", "staging", "dev", None)}

    # One patch-scan service ticket (order + script job) per (region, group).
    tickets = {}
    for key in sorted(SUBNETS, key=lambda k: (k[0], k[1] or "")):
        start = rand_time(rng, WINDOW_START, WINDOW_END - timedelta(minutes=40))
        stamp = start.astimezone(CST).strftime("%Y%m%d%H%M%S")
        tickets[key] = {
            "start": start,
            "order_id": "OST" + stamp + rand_str(rng, LOWER_ALNUM, 9),
            "job_id": "SCT" + stamp + rand_str(rng, LOWER_ALNUM, 7),
        }

    used_ips = set()
    records = []
    for name, group, os_name, scene, region, profile in NODES:
        role = name.split("-")[2]
        third = SUBNETS[(region, group)]
        while True:
            ip = "192.168.%d.%d" % (third, rng.randint(10, 250))
            if ip not in used_ips:
                used_ips.add(ip)
                break
        if role in PUBLIC_ROLES and scene == "ECS":
            eip = "%s.%d.%d" % (rng.choice(EIP_PREFIXES[region]), rng.randint(1, 254), rng.randint(2, 253))
        else:
            eip = ""

        if profile == "items":
            baseline_id, baseline_name = CUSTOM_BASELINE
            rule_type = "custom"
            comp, nonc = items_summaries()
        else:
            baseline_id, baseline_name = STANDARD_BASELINES[os_name]
            rule_type = "standard"
            comp = {
                "critical": rng.randint(0, 9),
                "high": rng.randint(4, 32),
                "informational": rng.choice([0, 0, 0, 1, 2]),
                "low": rng.randint(2, 26),
                "medium": rng.randint(10, 58),
                "unspecified": rng.randint(90, 280),
            }
            nonc = dict.fromkeys(LEVEL_KEY.values(), 0)
            if profile == "minor":
                while sum(nonc.values()) == 0:
                    nonc["medium"] = rng.choice([0, 0, 1, 2, 3, 5])
                    nonc["low"] = rng.choice([0, 0, 1, 2, 4])
                    nonc["unspecified"] = rng.choice([0, 1, 3, 6, 9, 14])
            elif isinstance(profile, dict):
                nonc.update(profile)
            else:
                assert profile == "clean"

        compliant_count = sum(comp.values())
        non_compliant_count = sum(nonc.values())
        ticket = tickets[(region, group)]
        report_dt = ticket["start"] + timedelta(milliseconds=rng.randint(20_000, 35 * 60_000))
        assert WINDOW_START <= report_dt <= WINDOW_END

        records.append({
            "baseline_id": baseline_id,
            "baseline_name": baseline_name,
            "cce_info_id": None,
            "compliant_summary": {
                "compliant_count": compliant_count,
                "severity_summary": severity_summary(**comp),
            },
            "eip": eip,
            "enterprise_project_id": ep_ids[group],
            "execution_summary": {
                "job_id": ticket["job_id"],
                "order_id": ticket["order_id"],
                "report_time": ms(report_dt),
            },
            "group": group,
            "id": rand_uuid(rng),
            "instance_id": rand_uuid(rng),
            "ip": ip,
            "name": name,
            "node_id": "",
            "non_compliant_summary": {
                "non_compliant_count": non_compliant_count,
                "severity_summary": severity_summary(**nonc),
            },
            "operating_system": os_name,
            "region": region,
            "report_scene": scene,
            "rule_type": rule_type,
            "status": "non_compliant" if non_compliant_count > 0 else "compliant",
        })

    # Newest report first, as the console lists them.
    records.sort(key=lambda r: (-r["execution_summary"]["report_time"], r["name"]))
    write_huawei("huawei-coc-patch-compliance.json", {
        "count": len(records),
        "instance_compliant": records,
    })
    return records


def gen_huawei_coc_items(nodes):
    rng = random.Random("tollgate/huawei-coc-patch-items")
    node = next(n for n in nodes if n["name"] == ITEMS_NODE)
    report_dt = datetime.fromtimestamp(node["execution_summary"]["report_time"] / 1000, tz=UTC)

    items = []
    for title, classification, severity, level, status in PATCH_ITEMS:
        if status in ("MISSING", "FAILED", "REJECT"):
            installed = None
        elif status == "PENDING_REBOOT":
            # installed by the patch-fixing ticket a few hours before this scan
            installed = ms(report_dt - timedelta(hours=rng.randint(3, 9), minutes=rng.randint(0, 59),
                                                 seconds=rng.randint(0, 59)))
        elif status == "INSTALLED_OTHER":
            installed = ms(rand_time(rng, datetime(2025, 9, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)))
        else:
            installed = ms(rand_time(rng, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 11, 14, tzinfo=UTC)))
        items.append({
            "classification": classification,
            "compliance_level": level,
            "instance_id": node["instance_id"],
            "patch_detail": {
                "installed_time": installed,
                "patch_baseline_id": node["baseline_id"],
                "patch_baseline_name": node["baseline_name"],
                "patch_status": status,
            },
            "severity_level": severity,
            "title": title,
        })

    write_huawei("huawei-coc-patch-items.json", {
        "count": len(items),
        "compliance_items": items,
    })
    return node, items


# --------------------------------------------------------------------------
# 3. Huawei Config policy-states summary
# --------------------------------------------------------------------------

def null_filter(**overrides):
    f = {
        "region_id": None,
        "resource_provider": None,
        "resource_type": None,
        "resource_id": None,
        "tag_key": None,
        "tag_value": None,
    }
    f.update(overrides)
    return f


def gen_huawei_config(nodes):
    rng = random.Random("tollgate/huawei-config-policy-states")
    project_id = rand_str(rng, HEX, 32)

    # ECS nodes with / without an EIP, from the COC example, so that the two
    # Huawei examples tell the same story.
    ecs = [n for n in nodes if n["report_scene"] == "ECS"]
    ecs_with_eip = sum(1 for n in ecs if n["eip"])
    prod = [n for n in nodes if n["group"] == "prod"]
    prod_nc = sum(1 for n in prod if n["status"] == "non_compliant")

    def suffix():
        return "-" + rand_str(rng, string.ascii_letters + string.digits, 6)

    # name, type, state, (compliant, non_compliant), filter, period, params,
    # tags, description, created_by
    rules = [
        ("ecs-instance-no-public-ip", "builtin", "NonCompliant", (len(ecs) - ecs_with_eip, ecs_with_eip),
         null_filter(resource_provider="ecs", resource_type="cloudservers"), "TwentyFour_Hours", {},
         [("env", "prod"), ("owner", "secops")],
         "ECS instances that have an EIP bound are non-compliant. Triggered upon configuration changes.",
         "secops-admin"),
        ("cts-tracker-exists", "builtin", "Compliant", (1, 0),
         null_filter(), "TwentyFour_Hours", {},
         [("owner", "secops")],
         "The account is non-compliant if no CTS tracker has been created. Evaluated periodically.",
         "secops-admin"),
        ("volumes-encrypted-check" + suffix(), "builtin", "NonCompliant", (118, 23),
         null_filter(resource_provider="evs", resource_type="volumes"), "TwentyFour_Hours", {},
         [("compliance-pack", "mlps-level3")],
         "EVS disks that are attached to a server but are not encrypted are non-compliant.",
         "ServiceLinkedAgencyForRMSConforms"),
        ("obs-bucket-ssl-requests-only" + suffix(), "builtin", "Compliant", (37, 0),
         null_filter(resource_provider="obs", resource_type="buckets"), "TwentyFour_Hours", {},
         [("compliance-pack", "mlps-level3")],
         "OBS buckets whose bucket policy does not deny plain-HTTP requests are non-compliant.",
         "ServiceLinkedAgencyForRMSConforms"),
        ("iam-user-mfa-enabled", "builtin", "NonCompliant", (27, 4),
         null_filter(), "Twelve_Hours", {},
         [("owner", "secops")],
         "IAM users that have no MFA device bound are non-compliant. Evaluated periodically.",
         "secops-admin"),
        ("rds-instance-multi-az-support", "builtin", "Compliant", (9, 0),
         null_filter(resource_provider="rds", resource_type="instances", tag_key="env", tag_value="prod"),
         "TwentyFour_Hours", {},
         [("env", "prod"), ("owner", "dba")],
         "Production RDS instances that are not deployed across availability zones are non-compliant.",
         "secops-admin"),
        ("vpc-flow-logs-enabled", "builtin", "Compliant", (6, 0),
         null_filter(resource_provider="vpc", resource_type="vpcs"), "TwentyFour_Hours", {},
         [("owner", "netops")],
         "VPCs that have no flow log enabled are non-compliant.",
         "netops-admin"),
        ("access-keys-rotated", "builtin", "NonCompliant", (19, 6),
         null_filter(), "TwentyFour_Hours", {"maxAccessKeyAge": {"value": 90}},
         [("owner", "secops")],
         "Access keys of IAM users that have not been rotated within the specified number of days are non-compliant.",
         "secops-admin"),
        ("elb-tls-https-listeners-only", "builtin", "Compliant", (14, 0),
         null_filter(resource_provider="elb", resource_type="listeners"), "TwentyFour_Hours", {},
         [("env", "prod"), ("owner", "netops")],
         "Load balancer listeners that do not use HTTPS are non-compliant.",
         "netops-admin"),
        ("iam-root-access-key-check", "builtin", "Compliant", (1, 0),
         null_filter(), "TwentyFour_Hours", {},
         [("owner", "secops")],
         "The account is non-compliant if the root user has an active access key.",
         "secops-admin"),
        ("coc-patch-baseline-compliance", "custom", "NonCompliant", (len(prod) - prod_nc, prod_nc),
         null_filter(resource_provider="ecs", resource_type="cloudservers", tag_key="env", tag_value="prod"),
         "Six_Hours",
         {"blockingSeverities": {"value": ["CRITICAL", "HIGH"]}, "maxReportAgeHours": {"value": 72}},
         [("env", "prod"), ("owner", "secops")],
         "Custom FunctionGraph rule: production ECS instances whose latest COC patch compliance report is non-compliant or older than maxReportAgeHours are non-compliant.",
         "secops-admin"),
        ("kms-rotation-enabled" + suffix(), "builtin", "Compliant", (12, 0),
         null_filter(resource_provider="kms", resource_type="keys"), "TwentyFour_Hours", {},
         [("compliance-pack", "mlps-level3")],
         "Customer master keys that do not have key rotation enabled are non-compliant.",
         "ServiceLinkedAgencyForRMSConforms"),
        ("vpc-default-sg-closed", "builtin", "Compliant", (8, 0),
         null_filter(resource_provider="vpc", resource_type="securityGroups", region_id="cn-north-4"),
         "TwentyFour_Hours", {},
         [],
         "Default security groups that allow inbound or outbound traffic are non-compliant.",
         "netops-admin"),
        ("obs-bucket-public-read-prohibited", "builtin", "Compliant", (37, 0),
         null_filter(resource_provider="obs", resource_type="buckets"), "TwentyFour_Hours", {},
         [("owner", "secops")],
         "OBS buckets that allow public read access are non-compliant.",
         "secops-admin"),
    ]

    assignments = []
    for (name, ptype, state, (c_count, nc_count), pfilter, period, params, tags,
         description, created_by) in rules:
        created = rand_time(rng, datetime(2025, 3, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC))
        updated = created if rng.random() < 0.5 else rand_time(rng, created, datetime(2026, 11, 15, tzinfo=UTC))
        # Rule ids are ObjectId-like: 8 hex digits of creation time + 16 random.
        rule_id = "%08x" % int(created.timestamp()) + rand_str(rng, HEX, 16)
        if ptype == "builtin":
            defined = rand_time(rng, datetime(2021, 1, 1, tzinfo=UTC), datetime(2023, 12, 31, tzinfo=UTC))
            definition_id = "%08x" % int(defined.timestamp()) + rand_str(rng, HEX, 16)
            custom_policy = None
        else:
            definition_id = None
            custom_policy = {
                "function_urn": "urn:fss:cn-north-4:%s:function:default:%s:latest" % (project_id, name),
                "auth_type": "agency",
                "auth_value": {"agency_name": "\"rms_tracker_agency\""},
            }
        assert (state == "NonCompliant") == (nc_count > 0)
        assignments.append({
            "compliance_state": state,
            "policy_assignment": {
                "policy_assignment_type": ptype,
                "id": rule_id,
                "name": name,
                "description": description,
                "policy_filter": pfilter,
                "policy_filter_v2": None,
                "period": period,
                "state": "Enabled",
                "created": iso_ms_z(created),
                "updated": iso_ms_z(updated),
                "policy_definition_id": definition_id,
                "custom_policy": custom_policy,
                "parameters": params,
                "tags": [{"key": k, "value": v} for k, v in tags],
                "created_by": created_by,
                "target_type": None,
                "target_id": None,
            },
            "results": {
                "resource_details": {
                    "compliant_count": c_count,
                    "non_compliant_count": nc_count,
                },
                "assignment_details": None,
            },
        })

    doc = {
        "results": {
            "resource_details": {
                "compliant_count": sum(a["results"]["resource_details"]["compliant_count"] for a in assignments),
                "non_compliant_count": sum(a["results"]["resource_details"]["non_compliant_count"] for a in assignments),
            },
            "assignment_details": {
                "compliant_count": sum(1 for a in assignments if a["compliance_state"] == "Compliant"),
                "non_compliant_count": sum(1 for a in assignments if a["compliance_state"] == "NonCompliant"),
            },
        },
        "policy_assignments": assignments,
    }
    write_huawei("huawei-config-policy-states.json", doc)
    return doc


# --------------------------------------------------------------------------
# 4. Alibaba OOS ListInstancePatchStates (two pages)
# --------------------------------------------------------------------------

# PatchGroup, BaselineId key, scenario
#   scenario: None -> clean; dict -> explicit non-zero counters
OOS_INSTANCES = [
    # prod (12)
    ("prod", "alinux", {"MissingCount": 4}),
    ("prod", "alinux", {"MissingCount": 1, "InstalledOtherCount": 3}),
    ("prod", "centos", {"FailedCount": 2}),
    ("prod", "alinux", {"InstalledPendingRebootCount": 3}),
    ("prod", "alinux", None), ("prod", "alinux", None), ("prod", "alinux", None),
    ("prod", "centos", None), ("prod", "centos", None), ("prod", "alinux", None),
    ("prod", "ubuntu", None), ("prod", "alinux", None),
    # staging (8)
    ("staging", "alinux", {"MissingCount": 7}),
    ("staging", "centos", {"MissingCount": 2, "InstalledOtherCount": 1}),
    ("staging", "ubuntu", {"InstalledPendingRebootCount": 1}),
    ("staging", "alinux", None), ("staging", "alinux", None), ("staging", "centos", None),
    ("staging", "ubuntu", None), ("staging", "alinux", None),
    # dev (8)
    ("dev", "ubuntu", {"MissingCount": 12}),
    ("dev", "alinux", {"FailedCount": 1}),
    ("dev", "centos", {"InstalledRejectedCount": 2}),
    ("dev", "alinux", None), ("dev", "alinux", None), ("dev", "ubuntu", None),
    ("dev", "centos", None), ("dev", "alinux", None),
    # no patch group (3) - OOS reports the literal string "null"
    ("null", "centos", {"MissingCount": 3}),
    ("null", "alinux", None), ("null", "centos", None),
]


def gen_alibaba_oos():
    rng = random.Random("tollgate/alibaba-oos-patch-states")
    baselines = {k: "pb-" + rand_str(rng, HEX, 20) for k in ("alinux", "centos", "ubuntu")}

    used = set()
    states = []
    for group, baseline, scenario in OOS_INSTANCES:
        while True:
            instance_id = "i-bp1" + rand_str(rng, LOWER_ALNUM, 17)
            if instance_id not in used:
                used.add(instance_id)
                break
        counters = {
            "MissingCount": 0, "InstalledOtherCount": 0, "FailedCount": 0,
            "InstalledPendingRebootCount": 0, "InstalledRejectedCount": 0,
        }
        counters.update(scenario or {})
        if counters["FailedCount"] or counters["InstalledPendingRebootCount"]:
            op = "install"
        elif counters["MissingCount"]:
            op = "scan"
        else:
            op = rng.choice(["scan", "scan", "install"])
        start = rand_time(rng, WINDOW_START, datetime(2026, 11, 22, 23, 0, tzinfo=UTC)).replace(microsecond=0)
        if op == "install":
            end = start + timedelta(seconds=rng.randint(180, 1500))
        else:
            end = start + timedelta(seconds=rng.randint(25, 240))
        states.append({
            "MissingCount": str(counters["MissingCount"]),
            "OperationEndTime": iso_z(end),
            "OwnerInformation": "",
            "InstalledOtherCount": str(counters["InstalledOtherCount"]),
            "InstanceId": instance_id,
            "OperationType": op,
            "OperationStartTime": iso_z(start),
            "FailedCount": str(counters["FailedCount"]),
            "BaselineId": baselines[baseline],
            "InstalledPendingRebootCount": str(counters["InstalledPendingRebootCount"]),
            "InstalledRejectedCount": str(counters["InstalledRejectedCount"]),
            "PatchGroup": group,
            "InstalledCount": str(rng.randint(40, 300)),
        })

    # The API pages in its own (opaque) order; shuffle so problems land on both pages.
    rng.shuffle(states)
    token = "AAAAA" + rand_str(rng, string.ascii_letters + string.digits + "+/", 43)
    pages = [
        {
            "NextToken": token,
            "RequestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(),
            "MaxResults": 20,
            "InstancePatchStates": states[:20],
        },
        {
            "NextToken": "",
            "RequestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(),
            "MaxResults": 20,
            "InstancePatchStates": states[20:],
        },
    ]
    write_alibaba("alibaba-oos-patch-states.json", pages)
    return pages


# --------------------------------------------------------------------------
# 5. Alibaba Config GetCompliancePackReport
# --------------------------------------------------------------------------

def gen_alibaba_config():
    rng = random.Random("tollgate/alibaba-config-pack-report")
    account_id = int("1" + rand_str(rng, string.digits, 15))
    pack_id = "cp-" + rand_str(rng, HEX, 20)
    created = rand_time(rng, datetime(2026, 11, 22, 0, 0, tzinfo=CST), datetime(2026, 11, 22, 23, 0, tzinfo=CST))
    created_ms = ms(created)
    stamp = created.astimezone(CST).strftime("%Y%m%d%H%M")
    expires = created_ms // 1000 + 86400 + rng.randint(60, 1800)
    signature = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(20))).decode("ascii")
    # The access key id is masked the same way the vendor documentation masks it.
    access_key_id = "LTAI5t" + rand_str(rng, string.ascii_letters + string.digits, 6) + "****"
    path = "CompliancePackReports/%d/%s/%d-%s-report-%s.xlsx" % (account_id, pack_id, account_id, pack_id, stamp)
    query = "Expires=%d&OSSAccessKeyId=%s&Signature=%s" % (
        expires, access_key_id, urllib.parse.quote(signature, safe=""))
    url = "https://cloud-config-compliance-report.oss-cn-shanghai.aliyuncs.com/%s?%s" % (path, query)
    doc = {
        "RequestId": str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(),
        "CompliancePackReport": {
            "ReportUrl": url,
            "ReportStatus": "COMPLETE",
            "CompliancePackId": pack_id,
            "AccountId": account_id,
            "ReportCreateTimestamp": created_ms,
        },
    }
    write_alibaba("alibaba-config-pack-report.json", doc)
    return doc



# --------------------------------------------------------------------------
# Prowler json-ocsf scans: two Huawei Cloud accounts, one Alibaba Cloud account
# --------------------------------------------------------------------------

# The Prowler release whose OCSF output these files follow, and the OCSF version it
# declares (py-ocsf-models 0.10.0).
PROWLER_VERSION = "5.40.0"
OCSF_VERSION = "1.5.0"

# CheckID: (severity, title, service, {framework: [requirements]}, resource uid template,
# remediation). Checks, titles, severities, services, requirement ids and remediation
# texts are Prowler's (prowler/providers/*/services, prowler/compliance/*); the uid
# templates follow its checks' resource_arn.
HUAWEI_CHECKS = {
    "iam_account_password_policy": ("medium", "IAM account password policy is configured", "iam",
        {"CIS-1.0": ["1.1"]}, "huaweicloud:iam:{region}:{account}:{name}",
        "Configure a strong password policy for the account in IAM."),
    "iam_user_mfa_enabled": ("high", "IAM users have MFA enabled", "iam",
        {"CIS-1.0": ["1.7"]}, "huaweicloud:iam:{region}:{account}:user/{name}",
        "Enable MFA for all IAM users and enforce MFA at the account level."),
    "iam_user_disabled": ("medium", "Unused IAM users are disabled", "iam",
        {"CIS-1.0": ["1.8"]}, "huaweicloud:iam:{region}:{account}:user/{name}",
        "Disable IAM users that have not signed in for 90 days."),
    "obs_bucket_public_access": ("critical", "OBS buckets are not publicly accessible", "obs",
        {"CIS-1.0": ["2.1"]}, "huaweicloud:obs:{region}:{account}:bucket/{name}",
        "Remove public access permissions from OBS buckets and use IAM policies for controlled access."),
    "evs_volume_encryption": ("high", "EVS volumes are encrypted", "evs",
        {"CIS-1.0": ["2.2"]}, "huaweicloud:evs:{region}:{account}:volume/{name}",
        "Enable encryption for all EVS volumes using a KMS key."),
    "vpc_security_group_open_ingress": ("high", "VPC security groups do not allow open ingress on sensitive ports", "vpc",
        {"CIS-1.0": ["3.2"]}, "huaweicloud:vpc:{region}:{account}:security-group/{name}",
        "Restrict ingress rules on sensitive ports to trusted IP ranges instead of 0.0.0.0/0."),
    "waf_enabled": ("medium", "WAF is enabled for public web applications", "waf",
        {"CIS-1.0": ["3.3"]}, "huaweicloud:waf:{region}:{account}:{name}",
        "Protect public web applications with a WAF instance."),
    "ecs_instance_public_ip": ("medium", "ECS instances should not have public IP addresses", "ecs",
        {"CIS-1.0": ["4.1"]}, "huaweicloud:ecs:{region}:{account}:instance/{name}",
        "Remove public IP addresses from ECS instances. Use NAT Gateways or VPN connections for outbound access."),
    "rds_public_access": ("critical", "RDS instances are not publicly accessible", "rds",
        {"CIS-1.0": ["5.2"]}, "huaweicloud:rds:{region}:{account}:instance/{name}",
        "Remove public IP addresses from RDS instances and use VPC peering or VPN for access."),
    "cts_enabled": ("medium", "CTS tracker is enabled", "cts",
        {"CIS-1.0": ["7.1"]}, "huaweicloud:cts:{region}:{account}:tracker/{name}",
        "Enable the CTS system tracker to record all API calls and operations in the Huawei Cloud account."),
    "kms_key_rotation_enabled": ("medium", "KMS keys have rotation enabled", "kms",
        {"CIS-1.0": ["8.1"]}, "huaweicloud:kms:{region}:{account}:key/{name}",
        "Enable automatic key rotation for all KMS keys."),
}

ALIBABA_CHECKS = {
    "oss_bucket_not_publicly_accessible": ("critical", "OSS bucket is not anonymously or publicly accessible", "oss",
        {"CIS-2.0": ["5.1"], "ProwlerThreatScore-1.0": ["2.2.2"], "SecNumCloud-3.2": ["9.7", "12.7"]},
        "acs:oss:*:{account}:{name}",
        "Set the OSS bucket ACL to private and configure bucket policies to deny anonymous or public access."),
    "ram_user_mfa_enabled_console_access": ("high", "Multi-factor authentication is enabled for all RAM users with console access", "ram",
        {"CIS-2.0": ["1.4"], "ProwlerThreatScore-1.0": ["1.1.2"], "SecNumCloud-3.2": ["9.5", "9.6", "12.12"]},
        "acs:ram::{account}:user/{name}",
        "Enable MFA for all RAM users with console access to add an extra layer of authentication security."),
    "ecs_instance_latest_os_patches_applied": ("high", "ECS instance has latest OS patches applied", "ecs",
        {"CIS-2.0": ["4.5"], "ProwlerThreatScore-1.0": ["2.3.5"], "SecNumCloud-3.2": ["12.10", "12.11"]},
        "acs:ecs:{region}:{account}:instance/{name}",
        "Regularly review and apply OS patches on all ECS instances using the Alibaba Cloud Security Center vulnerability management."),
    "rds_instance_no_public_access_whitelist": ("critical", "RDS instance does not allow public access in the IP whitelist", "rds",
        {"CIS-2.0": ["6.2"], "ProwlerThreatScore-1.0": ["2.1.3"], "SecNumCloud-3.2": ["9.7", "13.2"]},
        "acs:rds:{region}:{account}:dbinstance/{name}",
        "Restrict the RDS IP whitelist to only trusted IP addresses."),
    "ecs_securitygroup_restrict_ssh_internet": ("high", "Security group restricts SSH access from the internet", "ecs",
        {"CIS-2.0": ["3.2", "4.3"], "ProwlerThreatScore-1.0": ["2.1.7"], "SecNumCloud-3.2": ["9.6", "9.7", "13.2"]},
        "acs:ecs:{region}:{account}:securitygroup/{name}",
        "Restrict SSH (port 22) access in security groups to only trusted IP addresses or CIDR blocks."),
    "actiontrail_multi_region_enabled": ("critical", "ActionTrail is configured to export copies of all log entries across all regions", "actiontrail",
        {"CIS-2.0": ["2.1"], "ProwlerThreatScore-1.0": ["3.1.1"], "SecNumCloud-3.2": ["12.2", "12.6", "13.1"]},
        "acs:actiontrail:{region}:{account}:trail/{name}",
        "Enable a multi-region trail in ActionTrail so that all API calls across all regions are recorded."),
}

# One scan per file: (file, provider, account uid, account name, checks, results); a
# result is (check, region, resource name, status, muted).
PROWLER_SCANS = [
    ("prowler-huaweicloud-prod.ocsf.json", "huaweicloud", "0d2f9a3c71b84e5fa6c1e0b7d4f38a92", "acme-prod", HUAWEI_CHECKS, [
        ("iam_account_password_policy", "cn-north-4", "acme-prod", "PASS", False),
        ("iam_user_mfa_enabled", "cn-north-4", "ops-admin", "PASS", False),
        ("iam_user_mfa_enabled", "cn-north-4", "ci-deployer", "FAIL", False),
        ("iam_user_disabled", "cn-north-4", "former-contractor", "FAIL", False),
        ("obs_bucket_public_access", "cn-north-4", "acme-prod-exports", "FAIL", False),
        ("obs_bucket_public_access", "cn-north-4", "acme-prod-logs", "PASS", False),
        ("obs_bucket_public_access", "cn-east-3", "acme-prod-backups", "PASS", False),
        ("evs_volume_encryption", "cn-north-4", "ecs-prod-db-02-data", "PASS", False),
        ("evs_volume_encryption", "cn-north-4", "ecs-prod-mq-01-data", "FAIL", False),
        ("vpc_security_group_open_ingress", "cn-north-4", "sg-prod-web", "PASS", False),
        ("vpc_security_group_open_ingress", "cn-east-3", "sg-prod-bastion", "FAIL", True),
        ("waf_enabled", "cn-north-4", "acme-prod", "MANUAL", False),
        ("ecs_instance_public_ip", "cn-north-4", "ecs-prod-web-01", "FAIL", False),
        ("ecs_instance_public_ip", "cn-north-4", "ecs-prod-db-02", "PASS", False),
        ("rds_public_access", "cn-north-4", "rds-prod-orders", "FAIL", False),
        ("rds_public_access", "cn-east-3", "rds-prod-reports", "PASS", False),
        ("cts_enabled", "cn-north-4", "system", "PASS", False),
        ("kms_key_rotation_enabled", "cn-north-4", "prod-data-key", "FAIL", False),
    ]),
    ("prowler-huaweicloud-staging.ocsf.json", "huaweicloud", "7b41c6e2a9d04f83b5e1c2a6f0d9e7c4", "acme-staging", HUAWEI_CHECKS, [
        ("iam_account_password_policy", "cn-north-4", "acme-staging", "FAIL", False),
        ("iam_user_mfa_enabled", "cn-north-4", "qa-bot", "FAIL", False),
        ("obs_bucket_public_access", "cn-north-4", "acme-staging-assets", "FAIL", False),
        ("evs_volume_encryption", "cn-north-4", "ecs-staging-api-01-data", "PASS", False),
        ("vpc_security_group_open_ingress", "cn-north-4", "sg-staging-web", "PASS", False),
        ("ecs_instance_public_ip", "cn-north-4", "ecs-staging-web-02", "FAIL", False),
        ("rds_public_access", "cn-north-4", "rds-staging-orders", "PASS", False),
        ("cts_enabled", "cn-north-4", "system", "FAIL", False),
    ]),
    ("prowler-alibabacloud-prod.ocsf.json", "alibabacloud", "5412983476120934", "acme-prod-hz", ALIBABA_CHECKS, [
        ("oss_bucket_not_publicly_accessible", "cn-hangzhou", "acme-prod-exports-hz", "FAIL", False),
        ("oss_bucket_not_publicly_accessible", "cn-hangzhou", "acme-prod-logs-hz", "PASS", False),
        ("ram_user_mfa_enabled_console_access", "cn-hangzhou", "ops-admin", "PASS", False),
        ("ecs_instance_latest_os_patches_applied", "cn-hangzhou", "i-bp1fbbiomtopfeq27jdl", "FAIL", False),
        ("ecs_instance_latest_os_patches_applied", "cn-hangzhou", "i-bp12pwu4p3gdapvz7aei", "PASS", False),
        ("rds_instance_no_public_access_whitelist", "cn-hangzhou", "rm-bp1prodorders", "PASS", False),
        ("ecs_securitygroup_restrict_ssh_internet", "cn-hangzhou", "sg-bp1prodbastion", "FAIL", False),
        ("actiontrail_multi_region_enabled", "cn-hangzhou", "acme-prod-trail", "PASS", False),
    ]),
]

PROWLER_SEVERITY_IDS = {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}


def prowler_event(scan_id, provider, account_uid, account_name, checks, check, region, name,
                  status, muted, when):
    severity, title, service, compliance, uid_template, remediation = checks[check]
    resource_uid = uid_template.format(region=region, account=account_uid, name=name)
    uid = "prowler-%s-%s-%s-%s-%s" % (provider, check, account_uid, region, name)
    extended = {
        "PASS": "%s passes the check %s." % (name, check),
        "FAIL": "%s fails the check %s." % (name, check),
        "MANUAL": "%s needs a manual review for %s." % (name, check),
    }[status]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f")  # naive, as Prowler dumps it
    seconds = int(when.timestamp())
    severity_id = PROWLER_SEVERITY_IDS[severity]
    return {
        "message": extended,
        "metadata": {
            "event_code": check,
            "product": {
                "name": "Prowler",
                "uid": "prowler",
                "vendor_name": "Prowler",
                "version": PROWLER_VERSION,
            },
            "version": OCSF_VERSION,
            "profiles": ["cloud", "datetime"],
            "tenant_uid": "",
        },
        "severity_id": severity_id,
        "severity": severity.capitalize(),
        "status": "Suppressed" if muted else "New",
        "status_code": status,
        "status_detail": extended,
        "status_id": 3 if muted else 1,
        "unmapped": {
            "related_url": "",
            "categories": [],
            "depends_on": [],
            "related_to": [],
            "additional_urls": [],
            "notes": "",
            "compliance": compliance,
            "scan_id": scan_id,
            "provider_uid": account_uid,
            "provider": provider,
        },
        "activity_name": "Create",
        "activity_id": 1,
        "finding_info": {
            "analytic": {
                "name": title,
                "uid": check,
                "type_id": 1,
                "type": "Rule",
                "category": service,
            },
            "created_time": seconds,
            "created_time_dt": stamp,
            "desc": title,
            "title": title,
            "types": [],
            "uid": uid,
        },
        "resources": [
            {
                "region": region,
                "data": {"details": "", "metadata": {"name": name, "region": region}},
                "group": {"name": service},
                "labels": [],
                "name": name,
                "type": "NotDefined" if provider == "huaweicloud" else "Other",
                "uid": resource_uid,
            }
        ],
        "category_name": "Findings",
        "category_uid": 2,
        "class_name": "Detection Finding",
        "class_uid": 2004,
        "cloud": {
            "account": {
                "name": account_name,
                "type": "Other",
                "type_id": 99,
                "uid": account_uid,
                "labels": [],
            },
            "org": {"name": "", "uid": ""},
            "provider": provider,
            "region": region,
        },
        "time": seconds,
        "time_dt": stamp,
        "remediation": {
            "desc": remediation,
            "references": ["https://hub.prowler.com/check/%s" % check],
        },
        "risk_details": "",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
    }


def gen_prowler():
    for name, provider, account_uid, account_name, checks, results in PROWLER_SCANS:
        rng = random.Random(name)
        scan_id = rand_uuid(rng)
        when = datetime(2026, 11, 22, 21, 15, 0) + timedelta(microseconds=rng.randrange(10**6))
        events = [
            prowler_event(scan_id, provider, account_uid, account_name, checks, check, region,
                          resource, status, muted, when + timedelta(seconds=i))
            for i, (check, region, resource, status, muted) in enumerate(results)
        ]
        # Prowler writes "[", each finding indented by 4 and followed by ",", then
        # replaces the last "," with "]".
        text = "[" + ",".join(json.dumps(e, indent=4) for e in events) + "]"
        with open(os.path.join(OUT_DIR, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def main():
    nodes = gen_huawei_coc()
    gen_huawei_coc_items(nodes)
    gen_huawei_config(nodes)
    gen_alibaba_oos()
    gen_alibaba_config()
    gen_prowler()


if __name__ == "__main__":
    main()
