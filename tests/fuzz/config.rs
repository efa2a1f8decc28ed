//! The `config` target: tollgate.toml with known sections and keys, plausible and odd values.

#![allow(unused_imports)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::TestCaseError;
use serde_json::{json, Value};

use tollgate::model::Report;
use tollgate::model::{Input, ReportKind};
use tollgate::policy::{self, Globals, Limits, Policy};
use tollgate::report::{self, LoadOptions};
use tollgate::settings::{CheckOptions, ColorChoice, Global, Settings};
use tollgate::Error;

use crate::*;

/// tollgate.toml, through the same `Settings::resolve` as `tollgate check -c FILE`.
#[test]
pub(crate) fn config() {
    let strategy = || {
        let seeds = Arc::new(files(
            &[
                "tollgate.template.toml",
                "tollgate.toml",
                "tests/fixtures/cli.toml",
                "examples",
            ],
            &[".toml"],
        ));
        let text = prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, TOML_TOKENS),
            4 => config_table().prop_map(|t| toml::to_string(&t).unwrap_or_default()),
        ];
        (text, any::<bool>())
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tollgate.toml");
    fuzz("config", strategy, |(text, with_report)| {
        std::fs::write(&path, &text).unwrap();
        let args = CheckOptions {
            config: Some(path.clone()),
            reports: if with_report {
                vec!["x.json".into()]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        let global = Global {
            color: ColorChoice::Never,
            verbose: 0,
        };
        match Settings::resolve(&args, global) {
            Ok(_) => Ok(Verdict::Accepted),
            Err(err) => rejected(&err),
        }
    });
}

/// A TOML value that a key should not hold, or holds only at the edges.
pub(crate) fn toml_weird() -> BoxedStrategy<toml::Value> {
    use toml::Value as T;
    let leaf = prop_oneof![
        any::<i64>().prop_map(T::Integer),
        select(vec![0i64, -1, 1, i64::MAX, i64::MIN, 1 << 32]).prop_map(T::Integer),
        select(vec![f64::NAN, f64::INFINITY, -0.0, 1e300, 0.5]).prop_map(T::Float),
        any::<bool>().prop_map(T::Boolean),
        select(ODD).prop_map(|s| T::String(s.to_string())),
        select(vec![
            "critical",
            "high",
            "medium",
            "low",
            "info",
            "human",
            "json=out.json",
            "sarif",
            "html=x/../y.html",
            "json=",
            "=",
            "huawei.coc.patch_compliance",
            "rule",
            "resource",
            "run",
            "on",
            "off",
            "dry-run",
            "none",
            "all",
            "non_compliant",
            "https://example.invalid",
            "1979-05-27",
        ])
        .prop_map(|s| T::String(s.to_string())),
        any::<String>().prop_map(T::String),
        Just(T::Datetime("1979-05-27T07:32:00Z".parse().unwrap())),
        Just(T::Datetime("07:32:00".parse().unwrap())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(T::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| T::Table(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A table whose keys come from `keys` (tollgate's own, and now and then an unknown one).
pub(crate) fn toml_table(keys: &'static [&'static str], max: usize) -> BoxedStrategy<toml::Table> {
    prop::collection::vec(
        (
            prop_oneof![12 => select(keys).prop_map(String::from), 1 => "[a-z_]{1,10}"],
            toml_weird(),
        ),
        0..max,
    )
    .prop_map(|pairs| pairs.into_iter().collect())
    .boxed()
}

pub(crate) const TOP_KEYS: &[&str] = &[
    "reports",
    "report_kind",
    "policies",
    "outputs",
    "fail_on",
    "allow_empty",
    "no_fail",
    "jobs",
    "waivers",
    "baseline",
    "strict",
    "sarif_category",
];
pub(crate) const LIMIT_KEYS: &[&str] = &[
    "operations",
    "report_operations",
    "call_levels",
    "expr_depth",
    "string_len",
    "array_len",
    "map_len",
];
pub(crate) const SOURCE_KEYS: &[&str] = &[
    "name",
    "kind",
    "endpoint",
    "region",
    "project_id",
    "domain_id",
    "compliance_pack_id",
    "filters",
    "details",
    "concurrency",
    "page_size",
    "poll_timeout_secs",
    "timeout_secs",
    "max_attempts",
    "ca_file",
    "credentials",
    "allow_empty",
];
pub(crate) const INCIDENT_KEYS: &[&str] = &[
    "group_by",
    "min_severity",
    "state_file",
    "best_effort",
    "result_url",
    "endpoint",
    "project_id",
    "timeout_secs",
    "max_attempts",
    "ca_file",
    "credentials",
    "coc_incident",
    "coc_alarm",
];
pub(crate) const TICKET_KEYS: &[&str] = &[
    "application_id",
    "creator",
    "assignee",
    "assignee_scene",
    "assignee_role",
    "incident_type",
    "incident_source",
    "service_interrupt",
    "region",
    "enterprise_project",
    "levels",
    "integration_key_env",
    "namespace",
    "region_id",
];

/// A tollgate.toml as a table: known sections and keys with plausible and odd values.
pub(crate) fn config_table() -> BoxedStrategy<toml::Table> {
    use toml::Value as T;
    (
        toml_table(TOP_KEYS, 6),
        prop::option::of(toml_table(
            &[
                "prod_groups",
                "max_noncompliant_percent",
                "max_evidence_age_hours",
            ],
            4,
        )),
        prop::option::of(toml_table(LIMIT_KEYS, 4)),
        prop::collection::vec(
            (
                toml_table(SOURCE_KEYS, 6),
                "[a-z-]{0,6}",
                select(ReportKind::ALL.to_vec()),
            ),
            0..3,
        ),
        prop::option::of((
            toml_table(INCIDENT_KEYS, 5),
            toml_table(TICKET_KEYS, 6),
            any::<bool>(),
        )),
    )
        .prop_map(|(mut top, params, limits, sources, incident)| {
            if let Some(p) = params {
                top.insert("params".into(), T::Table(p));
            }
            if let Some(l) = limits {
                top.insert("limits".into(), T::Table(l));
            }
            if !sources.is_empty() {
                let tables = sources
                    .into_iter()
                    .map(|(mut t, name, kind)| {
                        t.entry("name").or_insert(T::String(name));
                        t.entry("kind").or_insert(T::String(kind.id().into()));
                        T::Table(t)
                    })
                    .collect();
                top.insert("source".into(), T::Array(tables));
            }
            if let Some((mut inc, ticket, alarm)) = incident {
                let sink = if alarm { "coc_alarm" } else { "coc_incident" };
                inc.insert(sink.into(), T::Table(ticket));
                top.insert("incident".into(), T::Table(inc));
            }
            top
        })
        .boxed()
}
