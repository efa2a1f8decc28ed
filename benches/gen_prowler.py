#!/usr/bin/env python3
"""Write a deterministic Prowler json-ocsf scan of N events, in the shape of the examples
(examples/reports/generate.py's `prowler_event`: Prowler 5.40.0, OCSF 1.5.0, each event
indented by 4, about 3 KB an event).

    python3 benches/gen_prowler.py N OUT.json [--fail-share 0.2] [--seed 1]

The checks cycle through the example's Huawei Cloud checks; a result fails with
probability --fail-share. The same arguments always give the same bytes.
"""
import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "reports"))
import generate  # noqa: E402  (the examples' generator: one event shape for both)

REGIONS = ["cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events", type=int)
    ap.add_argument("out")
    ap.add_argument("--fail-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    checks = sorted(generate.HUAWEI_CHECKS)
    account = "0d2f9a3c71b84e5fa6c1e0b7d4f38a92"
    when = datetime(2026, 11, 22, 21, 15, 0)
    with open(args.out, "w", buffering=1 << 22) as out:
        out.write("[")
        for i in range(args.events):
            check = checks[i % len(checks)]
            status = "FAIL" if rng.random() < args.fail_share else "PASS"
            event = generate.prowler_event(
                "0190f1c2-0000-7000-8000-000000000001", "huaweicloud", account, "acme-prod",
                generate.HUAWEI_CHECKS, check, rng.choice(REGIONS), "res-%07d" % i, status,
                False, when + timedelta(milliseconds=i))
            if i:
                out.write(",")
            out.write(json.dumps(event, indent=4))
        out.write("]")


if __name__ == "__main__":
    main()
