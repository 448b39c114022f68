//! The per-strategy table of a bench, one model for the terminal and
//! `--export-markdown`.

use std::fmt::Write as _;

use preload_report::summary::baseline_strategy;
use preload_schema::name::escaped_bytes;
use preload_schema::{BenchResult, StrategyStats};
use preload_table::Table;

/// One row per strategy: times of the cold start (mean ± stddev, median,
/// range), CPU, peak memory, read latency and the speed-up over the
/// baseline (the loader alone with `--then`, else `sequential`).
pub fn table(r: &BenchResult) -> Table {
    let with_load = r.config.then.is_some();
    let mut headers = vec![
        "Strategy",
        "#P",
        "#Runs",
        "#Mean ± σ s",
        "#Median s",
        "#Min - max s",
    ];
    if with_load {
        headers.extend(["#Warm s", "#Load s"]);
    }
    headers.extend([
        "#MiB/s",
        "#User s",
        "#Sys s",
        "#Peak RSS",
        "#Read p50/p90/p99 ms",
        "#Speed-up",
    ]);
    let mut t = Table::new(&headers);
    let base = baseline_strategy(r);
    let base_median = r
        .summary
        .iter()
        .find(|s| s.strategy == base)
        .map(|s| s.median_s)
        .filter(|m| m.is_finite());
    for s in &r.summary {
        t.row(row(s, with_load, base_median));
    }
    t
}

fn row(s: &StrategyStats, with_load: bool, base_median: Option<f64>) -> Vec<String> {
    let opt = |x: Option<f64>| x.map_or("-".into(), seconds);
    let failed = s.exit_codes.iter().filter(|&&c| c != 0).count();
    let runs = if failed > 0 {
        format!("{}!", s.times.len())
    } else {
        s.times.len().to_string()
    };
    let mean = match s.stddev_s {
        Some(sd) if s.mean_s.is_finite() => format!("{} ± {}", seconds(s.mean_s), seconds(sd)),
        _ => seconds(s.mean_s),
    };
    let mut cells = vec![
        s.strategy.clone(),
        s.level.map_or("-".into(), |l| l.to_string()),
        runs,
        mean,
        seconds(s.median_s),
        if s.times.is_empty() {
            "-".into()
        } else {
            format!("{} - {}", seconds(s.min_s), seconds(s.max_s))
        },
    ];
    if with_load {
        cells.push(seconds(s.warm_median_s));
        cells.push(opt(s.load_median_s));
    }
    let mib_s = if s.strategy == "load-only" || !s.mib_s_median.is_finite() {
        "-".into()
    } else {
        format!("{:.1}", s.mib_s_median)
    };
    cells.push(mib_s);
    cells.push(opt(s.user_mean_s));
    cells.push(opt(s.system_mean_s));
    cells.push(
        s.peak_rss_kib_max
            .map_or("-".into(), |k| preload_core::human_bytes(k * 1024)),
    );
    cells.push(s.read_latency.map_or("-".into(), |l| {
        format!("{:.2}/{:.2}/{:.2}", l.p50_ms, l.p90_ms, l.p99_ms)
    }));
    cells.push(match base_median {
        Some(b) if s.median_s > 0.0 => format!("{:.2}x", b / s.median_s),
        _ => "-".into(),
    });
    cells
}

/// Seconds with three significant digits below 10 s (a 20 ms run is not
/// "0.02"), two decimals above; `-` for no value.
fn seconds(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x < 1.0 {
        format!("{x:.3}")
    } else if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

/// What the terminal shows: the data set, the table and its notes.
pub fn text(r: &BenchResult) -> String {
    let mut out = String::new();
    let fs = &r.context.filesystem;
    let _ = writeln!(
        out,
        "{} on {} ({}): {}, {}; caches emptied by {}",
        escaped_bytes(r.dataset.path.as_bytes()),
        escaped_bytes(fs.mount_point.as_bytes()),
        fs.fs_type,
        preload_report::count(r.dataset.files, "file"),
        preload_core::human_bytes(r.dataset.bytes),
        r.config.cold_method
    );
    out.push_str(&table(r).to_text());
    out.push_str(&notes(r));
    out
}

/// `--export-markdown`: a heading, the same table as a pipe table, notes.
pub fn markdown(r: &BenchResult) -> String {
    let mut out = format!(
        "## preload bench: {}\n\n{}, {}; caches emptied by {}\n\n",
        preload_table::escape_markdown(&escaped_bytes(r.dataset.path.as_bytes()).to_string()),
        preload_report::count(r.dataset.files, "file"),
        preload_core::human_bytes(r.dataset.bytes),
        r.config.cold_method
    );
    out.push_str(&table(r).to_markdown());
    out.push('\n');
    out.push_str(&notes(r));
    out
}

fn notes(r: &BenchResult) -> String {
    let mut out = format!(
        "speed-up: median time of {} / median time of the strategy; times are warm + load, \
         CPU and peak RSS of the strategy's process and the loader\n",
        baseline_strategy(r)
    );
    if r.summary
        .iter()
        .any(|s| s.exit_codes.iter().any(|&c| c != 0))
    {
        out.push_str("! some runs failed and are left out (see the warnings)\n");
    }
    if r.interrupted {
        out.push_str(
            "! interrupted: only the runs finished before the signal, not a complete measurement\n",
        );
    }
    out
}
