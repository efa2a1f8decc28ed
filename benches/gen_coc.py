#!/usr/bin/env python3
"""Write a deterministic COC node compliance report (GET /v1/patch/instance/compliant)
of N nodes, pretty-printed the way the API document's example is (about 1.3 KB a node).

    python3 benches/gen_coc.py N OUT.json [--prod-share 0.3] [--critical-share 0.05] [--seed 1]

Every field of the documented record is present. A node is in the `prod` group with
probability --prod-share (else staging, dev or null) and misses critical patches with
probability --critical-share; the same arguments always give the same bytes.
"""
import argparse
import random
import sys

RECORD = """{{
    "baseline_id" : "JX-{baseline:032x}",
    "baseline_name" : "COC-EulerOSDefaultPatchBaseline",
    "cce_info_id" : null,
    "compliant_summary" : {{
      "compliant_count" : {compliant},
      "severity_summary" : {{
        "critical_count" : 0,
        "high_count" : {c_high},
        "informational_count" : 0,
        "low_count" : {c_low},
        "medium_count" : {c_medium},
        "unspecified_count" : {c_unspecified}
      }}
    }},
    "eip" : "{eip}",
    "enterprise_project_id" : "c17bbc73-f1b4-7890-91f3-{ep:012x}",
    "execution_summary" : {{
      "job_id" : "job-{i:08d}",
      "order_id" : "OST20261123{i:010d}",
      "report_time" : {report_time}
    }},
    "group" : {group},
    "id" : "rep-{i:08d}",
    "instance_id" : "{uuid}",
    "ip" : "10.{a}.{b}.{c}",
    "name" : "ecs-{name_group}-{i:07d}",
    "node_id" : "",
    "non_compliant_summary" : {{
      "non_compliant_count" : {missing},
      "severity_summary" : {{
        "critical_count" : {critical},
        "high_count" : {high},
        "informational_count" : 0,
        "low_count" : {low},
        "medium_count" : {medium},
        "unspecified_count" : 0
      }}
    }},
    "operating_system" : "{os}",
    "region" : "{region}",
    "report_scene" : "ECS",
    "rule_type" : "standard",
    "status" : "{status}"
  }}"""

GROUPS = ['"staging"', '"dev"', "null"]
REGIONS = ["cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1"]
OSES = ["EulerOS", "HuaweiCloudEulerOS", "CentOS"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nodes", type=int)
    ap.add_argument("out")
    ap.add_argument("--prod-share", type=float, default=0.3)
    ap.add_argument("--critical-share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with open(args.out, "w", buffering=1 << 22) as out:
        out.write('{\n  "count" : %d,\n  "instance_compliant" : [ ' % args.nodes)
        for i in range(args.nodes):
            prod = rng.random() < args.prod_share
            group = '"prod"' if prod else rng.choice(GROUPS)
            critical = rng.randint(1, 4) if rng.random() < args.critical_share else 0
            high = rng.randint(0, 9) if rng.random() < 0.4 else 0
            medium = rng.randint(0, 20) if rng.random() < 0.5 else 0
            low = rng.randint(0, 30) if rng.random() < 0.5 else 0
            missing = critical + high + medium + low
            c_high, c_medium, c_low = rng.randint(0, 40), rng.randint(0, 80), rng.randint(0, 90)
            c_unspecified = rng.randint(0, 300)
            u = rng.getrandbits(128)
            uuid = "%08x-%04x-4%03x-%04x-%012x" % (
                u >> 96, (u >> 80) & 0xFFFF, (u >> 68) & 0xFFF, ((u >> 52) & 0x3FFF) | 0x8000, u & 0xFFFFFFFFFFFF)
            if i:
                out.write(", ")
            out.write(RECORD.format(
                i=i, uuid=uuid, baseline=rng.getrandbits(128), ep=rng.getrandbits(48),
                compliant=c_high + c_medium + c_low + c_unspecified, c_high=c_high,
                c_medium=c_medium, c_low=c_low, c_unspecified=c_unspecified,
                eip="%d.%d.%d.%d" % (100 + i % 100, (i >> 8) & 255, i & 255, rng.randint(1, 254)),
                report_time=1795420000000 - rng.randint(0, 6 * 3600 * 1000),
                group=group, name_group=group.strip('"') if group != "null" else "none",
                a=(i >> 16) & 255, b=(i >> 8) & 255, c=i & 255,
                missing=missing, critical=critical, high=high, medium=medium, low=low,
                os=OSES[i % 3], region=REGIONS[i % 4],
                status="non_compliant" if missing else "compliant",
            ))
        out.write(" ]\n}\n")


if __name__ == "__main__":
    sys.exit(main())
