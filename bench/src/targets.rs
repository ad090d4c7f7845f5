//! The targets a run is checked against (`--check`), from issues 11, 18 and 19: ratios to the raw floor
//! and to the PostGraphile 5 peer measured in the same run, tail latency, the server's CPU time per
//! operation and its memory. Only targets whose workloads ran are checked.

use crate::{
    report::Row,
    workload::{Run, Workload},
};

/// One target and how the run fared.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// What is asked, e.g. `simple / simple-raw >= 0.30`.
    pub target: String,
    /// What was measured.
    pub measured: f64,
    /// Whether it was met.
    pub met: bool,
}

/// A GraphQL workload against its floor, at the same number of clients.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ratio {
    /// The workload (`NAME@CLIENTS` when so run).
    pub workload: String,
    /// Its floor.
    pub floor: String,
    /// Throughput of the workload over the floor's.
    pub ratio: f64,
}

/// The ratios of every workload whose floor ran at the same number of clients.
pub fn ratios(rows: &[Row]) -> Vec<Ratio> {
    ratios_to(rows, Workload::floor)
}

/// Docket's throughput over the PostGraphile 5 peer's on the same workload and clients (`floor`
/// names the peer's workload).
pub fn versus_peer(rows: &[Row]) -> Vec<Ratio> {
    ratios_to(rows, Workload::on_the_peer)
}

/// Each row's throughput over that of the row `base` names for its workload, at the same clients.
fn ratios_to(rows: &[Row], base: fn(Workload) -> Option<Workload>) -> Vec<Ratio> {
    let mut out = Vec::new();
    for row in rows {
        let Ok(run) = row.workload.parse::<Run>() else { continue };
        let Some(base) = base(run.workload) else { continue };
        let Some(other) = rows
            .iter()
            .find(|r| r.clients == row.clients && r.workload.parse::<Run>().is_ok_and(|f| f.workload == base))
        else {
            continue;
        };
        if other.throughput_per_sec > 0.0 {
            out.push(Ratio {
                workload: row.workload.clone(),
                floor: other.workload.clone(),
                ratio: row.throughput_per_sec / other.throughput_per_sec,
            });
        }
    }
    out
}

/// CPU time per operation the server spent on PostgreSQL when issue 18 was filed (a1c469d), µs.
const CPU_US_BEFORE_ISSUE_18: [(&str, f64); 2] = [("simple", 168.0), ("ingest", 275.0)];

fn ratio_of(ratios: &[Ratio], rows: &[Row], workload: Workload, clients: usize) -> Option<f64> {
    let row = rows
        .iter()
        .find(|r| r.clients == clients && r.workload.parse::<Run>().is_ok_and(|w| w.workload == workload))?;
    ratios.iter().find(|r| r.workload == row.workload).map(|r| r.ratio)
}

/// The checks of `rows` (one row per workload), `default_clients` being `--concurrency`; the CPU
/// targets, set against figures measured on PostgreSQL, only on `postgres`.
pub fn check(rows: &[Row], default_clients: usize, postgres: bool) -> Vec<Check> {
    let ratios = ratios(rows);
    let mut checks = Vec::new();
    let mut at_least = |target: String, measured: Option<f64>, min: f64| {
        if let Some(measured) = measured {
            checks.push(Check { target, measured, met: measured >= min });
        }
    };
    for (workload, min) in [(Workload::Simple, 0.30), (Workload::Dashboard3Level, 0.50), (Workload::Ingest, 0.50)] {
        let floor = workload.floor().expect("these have floors");
        at_least(
            format!("{workload} / {floor} >= {min:.2} at {default_clients} clients"),
            ratio_of(&ratios, rows, workload, default_clients),
            min,
        );
    }
    let versus = versus_peer(rows);
    for workload in [Workload::Simple, Workload::Dashboard3Level, Workload::Ingest] {
        let measured = versus.iter().find(|r| r.workload == workload.to_string()).map(|r| r.ratio);
        at_least(format!("{workload} / pg5-{workload} >= 1.50 (PostGraphile 5)"), measured, 1.5);
    }
    let named = |name: &str| rows.iter().find(|r| r.workload == name);
    let mut at_most = |target: String, measured: Option<f64>, max: f64| {
        if let Some(measured) = measured {
            checks.push(Check { target, measured, met: measured <= max });
        }
    };
    at_most("dashboard-3level@64 p99 < 1000 ms".into(), named("dashboard-3level@64").map(|r| r.p99_ms), 999.999);
    at_most("ingest p99 <= 10 ms".into(), named("ingest").map(|r| r.p99_ms), 10.0);
    // Issue 19, from seed 002: "95% of queries execute under 50ms" at 100,000 workflows.
    for name in ["workflow-ready", "tasks-by-agent"] {
        at_most(format!("{name} p95 <= 50 ms"), named(name).map(|r| r.p95_ms), 50.0);
    }
    for (name, before) in CPU_US_BEFORE_ISSUE_18.into_iter().filter(|_| postgres) {
        at_most(
            format!("{name} server CPU <= {:.0} µs/op (half of {before:.0})", before / 2.0),
            named(name).and_then(|r| r.server_cpu_us_per_op),
            before / 2.0,
        );
    }
    for (name, max) in [("simple", 64.0), ("ingest", 64.0), ("dashboard-3level@64", 160.0)] {
        at_most(format!("{name} peak RSS <= {max} MiB"), named(name).and_then(|r| r.peak_rss_mib), max);
    }
    for row in rows.iter().filter(|r| r.workload.parse::<Run>().is_ok_and(|w| w.workload.through_server())) {
        at_most(format!("RSS <= 64 MiB 10 s after {}", row.workload), row.rss_after_settle_mib, 64.0);
    }
    if let Some(refusal) = rows.iter().find(|r| r.workload.starts_with("refusal")) {
        at_most("refusal p99 < 50 ms".into(), Some(refusal.p99_ms), 49.999);
        at_most("refusal errors = 0".into(), Some(refusal.errors as f64), 0.0);
        let largest = refusal.details.get("largest_answer_bytes").and_then(serde_json::Value::as_f64);
        at_most("refusal answers < 4 KiB".into(), largest, 4095.0);
    }
    if let (Some(locked), Some(simple)) = (named("simple-locked"), named("simple")) {
        at_most("simple-locked p99 <= 2 x simple p99".into(), Some(locked.p99_ms / simple.p99_ms.max(0.001)), 2.0);
        at_most("simple-locked errors = 0".into(), Some(locked.errors as f64), 0.0);
    }
    if let Some(fanout) = rows.iter().find(|r| r.workload.starts_with("fan-out")) {
        let figure = |key: &str| fanout.details.get(key).and_then(serde_json::Value::as_f64);
        at_most(
            "fan-out lost + duplicated = 0".into(),
            Some(figure("lost").unwrap_or(0.0) + figure("duplicated").unwrap_or(0.0)),
            0.0,
        );
        at_most("fan-out p99 commit-to-delivery <= 100 ms".into(), Some(fanout.p99_ms), 100.0);
        if figure("subscribers").is_some_and(|n| n >= 10_000.0) {
            at_most(
                "idle memory per subscriber <= 16 KiB".into(),
                figure("idle_bytes_per_subscriber").map(|b| b / 1024.0),
                16.0,
            );
        }
    }
    checks
}
