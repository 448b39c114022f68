//! The tables of the pages (also printed by the CLI, see [`crate::tune_table`]).

use preload_schema::{BenchResult, HistoryRow, TuneResult};

use crate::doc::Table;
use crate::format;
use crate::summary::{Spread, summarize_bench};

/// The per-level table of a tune.
pub(crate) fn tune_table(t: &TuneResult) -> Table {
    let mut table = Table::new(&[
        "#P",
        "#Probes",
        "#Median MiB/s",
        "#Min MiB/s",
        "#Max MiB/s",
        "#CV",
        "#p50 latency ms",
        "#vs P=1",
        "Note",
    ]);
    let single = t.recommendation.single_stream_mib_s.filter(|s| *s > 0.0);
    let rec = &t.recommendation;
    for l in &t.levels {
        let mut notes = Vec::new();
        if l.level == rec.parallelism {
            notes.push(if rec.saturated {
                "knee (recommended)"
            } else {
                "knee, not saturated"
            });
        }
        if l.level == rec.best_level {
            notes.push("best");
        }
        table.row(vec![
            l.level.to_string(),
            l.probes.to_string(),
            format::mib_s(l.median_mib_s),
            format::mib_s(l.min_mib_s),
            format::mib_s(l.max_mib_s),
            format!("{:.3}", l.cv),
            format!("{:.2}", l.latency_p50_ms),
            single.map_or("-".to_owned(), |s| format!("{:.2}x", l.median_mib_s / s)),
            notes.join(", "),
        ]);
    }
    table
}

/// The per-strategy table of a bench.
pub(crate) fn bench_table(b: &BenchResult) -> Table {
    let summaries = summarize_bench(b);
    let with_load = summaries.iter().any(|s| s.load_s.is_some());
    let mut headers = vec!["Strategy", "#P", "#Runs ok", "#Warm s", "#Warm min-max s"];
    if with_load {
        headers.extend(["#Load s", "#Total s", "#Total min-max s"]);
    }
    let speedup_header = format!("#Speed-up vs {}", crate::summary::baseline_strategy(b));
    headers.extend(["#MiB/s", &speedup_header]);
    let mut table = Table::new(&headers);
    let sequential = crate::summary::baseline_median(b, &summaries);
    let median = |s: Option<Spread>| s.map_or("-".to_owned(), |s| format::seconds(s.median));
    let range = |s: Option<Spread>| {
        s.map_or("-".to_owned(), |s| {
            format!("{}-{}", format::seconds(s.min), format::seconds(s.max))
        })
    };
    for s in &summaries {
        let runs = if s.failed_runs > 0 {
            format!("{} ({} failed)", s.ok_runs, s.failed_runs)
        } else {
            s.ok_runs.to_string()
        };
        let mut row = vec![
            s.strategy.clone(),
            s.level.map_or("-".to_owned(), |p| p.to_string()),
            runs,
            median(s.warm_s),
            range(s.warm_s),
        ];
        if with_load {
            row.extend([median(s.load_s), median(s.total_s), range(s.total_s)]);
        }
        let speedup = match (sequential, s.total_s) {
            (Some(seq), Some(t)) if t.median > 0.0 => format!("{:.2}x", seq / t.median),
            _ => "-".to_owned(),
        };
        row.extend([
            s.mib_s.map_or("-".to_owned(), |m| format::mib_s(m.median)),
            speedup,
        ]);
        table.row(row);
    }
    table
}

/// The rows of a history.
pub(crate) fn history_table(rows: &[HistoryRow]) -> Table {
    let mut table = Table::new(&[
        "Date",
        "Host",
        "Filesystem",
        "Kind",
        "Dataset",
        "#Knee P",
        "#Knee MiB/s",
        "#P=1 MiB/s",
        "Verdict",
    ]);
    let opt = |v: Option<f64>| v.map_or("-".to_owned(), format::mib_s);
    for r in rows {
        table.row(vec![
            r.date.clone(),
            r.host.clone(),
            r.fs_type.clone(),
            r.kind.clone(),
            r.dataset.clone(),
            r.knee.map_or("-".to_owned(), |k| k.to_string()),
            opt(r.knee_mib_s),
            opt(r.single_mib_s),
            r.verdict.clone(),
        ]);
    }
    table
}
