//! How close a paged fetch comes to its lower bound. A fake COC answers every request after
//! 50 ms; the report has 100,000 nodes in 1,000 pages of 100. Fetching it with concurrency
//! C cannot take less than 1,000 × 50 ms / C, so the table shows the wall time next to that
//! bound (the target: within 1.3× at concurrency 8).
//!
//! `cargo bench --bench fetch` runs concurrency 1, 8 and 32 (the first takes about a
//! minute); `cargo bench --bench fetch -- 8` runs one. Nothing is asserted.

use std::time::{Duration, Instant};

use serde_json::json;
// The benchmark uses a part of the test server; the rest is for the tests.
#[allow(dead_code)]
#[path = "../tests/support/fake.rs"]
mod fake;

use fake::{FakeReply, FakeRequest, FakeServer};
use tollgate::cloud::http::HttpOptions;
use tollgate::source::live::{fetch, SourceConfig};

const NODES: usize = 100_000;
const PAGE: usize = 100;
const LATENCY: Duration = Duration::from_millis(50);

fn main() {
    let levels: Vec<usize> = match std::env::args().skip(1).find_map(|a| a.parse().ok()) {
        Some(c) => vec![c],
        None => vec![1, 8, 32],
    };
    // The fake checks nothing here: signatures are the tests' business, timing is ours.
    std::env::set_var("HUAWEICLOUD_SDK_AK", "BENCHAK");
    std::env::set_var("HUAWEICLOUD_SDK_SK", "bench-sk");
    let server = FakeServer::start(|req: &FakeRequest| {
        let offset: usize = req
            .query_value("offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let start = (offset - 1) * PAGE;
        let page: Vec<_> = (start..NODES.min(start + PAGE))
            .map(|i| {
                json!({"id": format!("r-{i}"), "instance_id": format!("i-{i:06}"), "name": format!("ecs-{i}"),
                       "group": "prod", "region": "cn-north-4", "status": "compliant",
                       "non_compliant_summary": {"non_compliant_count": 0, "severity_summary": {"critical_count": 0}}})
            })
            .collect();
        FakeReply::json(200, json!({"count": NODES, "instance_compliant": page}))
            .with_delay(LATENCY)
    });
    println!("| concurrency | pages | wall (s) | lower bound (s) | ratio | evidence (MB) |");
    println!("|--:|--:|--:|--:|--:|--:|");
    for concurrency in levels {
        let source: SourceConfig = toml::from_str(&format!(
            "name = \"bench\"\nkind = \"huawei.coc.patch_compliance\"\nendpoint = \"{}\"\nconcurrency = {concurrency}\n",
            server.url()
        ))
        .expect("bench source");
        let started = Instant::now();
        let text = fetch(&source, HttpOptions::default(), chrono::Utc::now()).expect("fetch");
        let wall = started.elapsed().as_secs_f64();
        let pages = NODES.div_ceil(PAGE);
        let bound = pages as f64 * LATENCY.as_secs_f64() / concurrency as f64;
        println!(
            "| {concurrency} | {pages} | {wall:.2} | {bound:.2} | {:.2} | {:.1} |",
            wall / bound,
            text.len() as f64 / 1e6
        );
    }
}
