#!/usr/bin/env python3
"""Write N distinct patch-node rules of the shipped policies' shape into DIR, for the
"cost is flat in the number of rules" benchmark (benches/compare.sh).

    python3 benches/gen_rules.py N DIR

A team's fortieth rule is not its first one copied: rules differ in the group they guard,
the severity they count, their threshold and their message, and most of them find nothing
on most nodes. Each rule here takes one of five templates modelled on policies/patch/
(group and severity count, a backlog threshold from a param, failed installs, region and
status, a name prefix) with its own group, severity and threshold, so the rules do the
work of forty real ones and produce a realistic number of findings, not forty copies of
the same 1,500. The same N always writes the same files.
"""
import os
import sys

GROUPS = ["prod", "staging", "dev", "payments", "edge", "batch", "analytics", "ml"]
SEVERITIES = ["critical", "high", "medium", "low"]
REGIONS = ["cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1"]

TEMPLATES = [
    # group + severity count over a threshold (PATCH-003's shape)
    """fn check(node) {{
    if node.group == "{group}" && node.missing.{sev} > {thr} {{
        deny(`${{node.name}} misses ${{node.missing.{sev}}} {sev} patches`)
    }}
}}""",
    # a backlog threshold from [params] (PATCH-002's shape)
    """fn check(node) {{
    let limit = param("max_{sev}_{i}", {thr});
    if node.missing == () {{ return; }}
    let n = node.missing.{sev};
    if n != () && n > limit && node.group == "{group}" {{
        deny(`${{node.name ?? node.id}} misses ${{n}} {sev} patches (limit ${{limit}})`,
             #{{ properties: #{{ count: n, limit: limit }} }})
    }}
}}""",
    # failed installs (PATCH-004's shape)
    """fn check(node) {{
    if node.failed != () && node.failed > {thr} {{
        `${{node.name ?? node.id}} has ${{node.failed}} failed patch installs`
    }}
}}""",
    # region and status
    """fn check(node) {{
    if node.region == "{region}" && node.status == "non_compliant" && node.missing.{sev} > {thr} {{
        warn(`${{node.name}} in {region} is non-compliant ({sev}: ${{node.missing.{sev}}})`)
    }}
}}""",
    # a name prefix
    """fn check(node) {{
    if node.name != () && node.name.starts_with("ecs-{group}-") && node.missing.{sev} > {thr} {{
        deny(`${{node.name}}: ${{node.missing.{sev}}} {sev} patches missing`)
    }}
}}""",
]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        group = GROUPS[i % len(GROUPS)]
        sev = SEVERITIES[(i // len(GROUPS)) % len(SEVERITIES)]
        thr = i // (len(GROUPS) * len(SEVERITIES))  # 0 for the first 32 rules, then 1
        region = REGIONS[i % len(REGIONS)]
        severity = ["critical", "high", "medium", "low"][i % 4]
        # Thresholds a team would set: any critical, more than 7 high, 17 medium, 26 low.
        base = {"critical": 0, "high": 7, "medium": 17, "low": 26}[sev]
        body = TEMPLATES[i % len(TEMPLATES)].format(
            group=group, sev=sev, thr=base + thr, region=region, i=i
        )
        rule = (
            f'const RULE = #{{ id: "BENCH-{i + 1:03}", '
            f'title: "{group} {sev} patches (rule {i + 1})", '
            f'severity: "{severity}", applies_to: ["patch_node"] }};\n\n{body}\n'
        )
        with open(os.path.join(out, f"bench-{i + 1:03}.rhai"), "w") as f:
            f.write(rule)


if __name__ == "__main__":
    main()
