//! The `waivers` and `baselines` targets: the files the verdict reads besides the reports.

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

use crate::config::*;
use crate::reports::*;
use crate::*;

/// Waiver files.
#[test]
pub(crate) fn waivers() {
    let strategy = || {
        let seeds = Arc::new(files(&["tests/fixtures/waivers"], &[".toml"]));
        let waiver = toml_table(&["rule", "resource", "reason", "expires", "owner"], 7)
            .prop_map(toml::Value::Table);
        let generated = prop::collection::vec(waiver, 0..4).prop_map(|ws| {
            let mut t = toml::Table::new();
            t.insert("waiver".into(), toml::Value::Array(ws));
            toml::to_string(&t).unwrap_or_default()
        });
        prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, TOML_TOKENS),
            4 => generated,
        ]
    };
    fuzz(
        "waivers",
        strategy,
        |text| match tollgate::verdict::waiver::parse("fuzz.toml", &text) {
            Ok(waivers) => {
                for w in &waivers {
                    prop_assert!(!w.rule.is_empty() && !w.reason.is_empty());
                    let _ = w.location();
                }
                Ok(Verdict::Accepted)
            }
            Err(err) => rejected(&err),
        },
    );
}

/// Baselines (a previous `-o json` result).
#[test]
pub(crate) fn baselines() {
    let strategy = || {
        let seeds = Arc::new(files(&["tests/fixtures/waivers"], &[".json"]));
        let finding = object(
            &[
                ("fingerprint", Ty::Id),
                ("rule", Ty::Text),
                ("message", Ty::Text),
                ("resource", Ty::Obj(&[("id", Ty::Id)])),
            ],
            3,
        );
        let generated = (
        prop_oneof![4 => Just(json!("tollgate.result/v1")), 1 => Just(json!("tollgate.result/v9")), 1 => weird()],
        prop_oneof![6 => prop::collection::vec(finding, 0..5).prop_map(Value::from), 1 => weird()],
    )
        .prop_map(|(schema, findings)| json!({ "schema": schema, "findings": findings }).to_string());
        prop_oneof![
            1 => arbitrary_text(),
            3 => mutated(seeds, JSON_TOKENS),
            3 => generated,
        ]
    };
    fuzz(
        "baselines",
        strategy,
        |text| match tollgate::verdict::baseline::parse("fuzz.json", &text) {
            Ok(_) => Ok(Verdict::Accepted),
            Err(err) => rejected(&err),
        },
    );
}
