//! The README's promise: `tollgate check` in the repository gates the shipped example
//! reports with the shipped policies, and finds exactly the breaches the examples hold
//! (see examples/reports/README.md).

use predicates::prelude::*;
use predicates::str::contains;

use crate::tollgate;

/// Pins the evaluation time so the evidence-age rule gives the same answer every day.
const NOW: &str = "2026-11-23T12:00:00Z";

#[test]
fn example_gate_finds_the_shipped_breaches() {
    tollgate()
        .args(["check", "--now", NOW])
        .assert()
        .code(1)
        // PATCH-001: the three prod nodes with critical patches missing, and no others.
        .stdout(contains("ecs-prod-api-02 misses 3 critical patches"))
        .stdout(contains("ecs-prod-db-02 misses 2 critical patches"))
        .stdout(contains("ecs-prod-web-01 misses 1 critical patches"))
        .stdout(contains("ecs-staging-api-01 misses").not())
        // PATCH-002: nodes over the high-severity backlog threshold.
        .stdout(contains("ecs-staging-web-02 misses 11 high-severity patches (limit 5)"))
        // PATCH-004: OOS failed installs, parsed from string counts.
        .stdout(contains("i-bp1wjlyp3ynspypoza1s has 2 failed patch installs"))
        // CFG-001: built-in Config rules non-compliant.
        .stdout(contains("Config rule volumes-encrypted-check-TCwhdD reports 23 non-compliant resources"))
        // ITEM-001: critical patches missing from the node's patch list.
        .stdout(contains("openssl-1.1.1f-7.h23.eulerosv2r10 is MISSING"))
        // EVID-001: the Config summary, saved by hand, carries no time: its age is unknown,
        // and evidence of unknown age blocks like stale evidence.
        .stdout(contains("the huawei.config.policy_states_summary report carries no timestamp, so its age is unknown"))
        // FLEET-001 (medium, non-blocking) and PACK-001 (no finding).
        .stdout(contains("33 of 48 nodes (68%) are non-compliant"))
        .stdout(contains("PACK-001"))
        // SCAN-001: the Prowler scans' failed critical and high checks on the production
        // account; the staging account's failures and the muted one do not block.
        .stdout(contains("obs_bucket_public_access failed on acme-prod-exports (cn-north-4)"))
        .stdout(contains("rds_public_access failed on rds-prod-orders (cn-north-4)"))
        .stdout(contains("iam_user_mfa_enabled failed on ci-deployer (cn-north-4)"))
        .stdout(contains("evs_volume_encryption failed on ecs-prod-mq-01-data (cn-north-4)"))
        // ...and on the Alibaba Cloud production account.
        .stdout(contains("oss_bucket_not_publicly_accessible failed on acme-prod-exports-hz (cn-hangzhou)"))
        .stdout(contains("ecs_instance_latest_os_patches_applied failed on i-bp1fbbiomtopfeq27jdl (cn-hangzhou)"))
        .stdout(contains("acme-staging-assets").not())
        .stdout(contains("sg-prod-bastion (cn-east-3), muted in Prowler"))
        .stdout(contains(
            "FAILED: 25 blocking findings (6 critical, 19 high) in 149 resources from 8 reports; 9 non-blocking (fail-on high) — exit 1",
        ));
}

#[test]
fn example_gate_json_is_complete() {
    let out = tollgate()
        .args(["check", "--now", NOW, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<&str> = json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "alibaba.config.compliance_pack_report",
            "alibaba.oos.instance_patch_states",
            "huawei.coc.patch_compliance",
            "huawei.coc.patch_items",
            "huawei.config.policy_states_summary",
            "ocsf.findings",
            "ocsf.findings",
            "ocsf.findings",
        ]
    );
    assert_eq!(json["summary"]["resources"], 149);
    assert_eq!(json["summary"]["rules"], 12);
    assert_eq!(json["summary"]["blocking_by_severity"]["critical"], 6);
    assert_eq!(json["summary"]["by_rule"]["PACK-001"]["findings"], 0);
    assert_eq!(json["generated_at"], NOW);
}
