//! Benchmark (a `harness = false` bench, not a test): the false-positive rate of regression
//! verdicts on unchanged storage.
//!
//! One simfs mount (stream-bw 40 MiB/s, total-bw 160 MiB/s, 2 ms latency,
//! 8 x 8 MiB on tmpfs), measured `1 + N` times with the configuration of the
//! `regression` acceptance test (`preload bench --runs 5 --levels 4
//! --no-drop-caches`); every run is compared with the first and with the
//! one before it, using the default comparison settings. Nothing changed,
//! so every verdict that is not WITHIN NOISE is a false positive. Target: at
//! least 19 of 20 WITHIN NOISE against the first run.
//!
//! ```text
//! flock /tmp/preload-measure.lock cargo bench -p preload-cli --bench regression_fp
//! ```
//!
//! `PRELOAD_FP_RUNS` sets N (default 20). It exits non-zero when fewer than
//! 95% of the comparisons against the first run are WITHIN NOISE.

#[path = "../tests/util/mod.rs"]
mod util;

use std::collections::BTreeMap;
use std::path::Path;

use preload_compare::{CompareConfig, Comparison, Verdict, compare};
use preload_schema::ResultFile;
use preload_simfs::testing::{TestMount, capped, require_fuse};
use preload_tune::stats::median;
use util::preload;

const MIB: u64 = 1 << 20;

fn bench(work: &Path, path: &Path, out: &Path) -> ResultFile {
    let status = preload()
        .env("PRELOAD_CACHE_DIR", work.join("cache"))
        .arg("bench")
        .arg(path)
        .args(["--runs", "5", "--levels", "4", "--no-drop-caches", "--json"])
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    ResultFile::load(out).unwrap()
}

fn row(label: &str, c: &Comparison) -> String {
    let mut s = format!("{label:<10}");
    for i in &c.items {
        s += &format!(
            " {:>7.1} {:>+6.1}% [{:>+6.1},{:>+6.1}] {:<2}",
            i.new_median,
            i.change * 100.0,
            i.ci_low * 100.0,
            i.ci_high * 100.0,
            short(i.verdict)
        );
    }
    s + &format!("  {}", c.overall)
}

fn short(v: Verdict) -> &'static str {
    match v {
        Verdict::Regressed => "R",
        Verdict::Improved => "I",
        Verdict::WithinNoise => "=",
    }
}

fn main() {
    if !require_fuse() {
        return;
    }
    let n: usize = std::env::var("PRELOAD_FP_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let data = util::shards_in_shm("regression-fp-", 8, 8 * MIB);
    let model = capped(2, 40, 160);
    let mnt = TestMount::with_backing(data.path(), model).unwrap();
    let work = tempfile::tempdir().unwrap();
    let opts = CompareConfig::default();

    let first = bench(work.path(), mnt.path(), &work.path().join("run-00.json"));
    let mut prev = first.clone();
    let mut vs_first = Vec::new();
    let mut vs_prev = Vec::new();
    let mut lines = Vec::new();
    for k in 1..=n {
        let r = bench(
            work.path(),
            mnt.path(),
            &work.path().join(format!("run-{k:02}.json")),
        );
        let a = compare(&first, &r, &opts).unwrap();
        let b = compare(&prev, &r, &opts).unwrap();
        let line = format!(
            "{}   vs prev: {}",
            row(&format!("run {k:>2}"), &a),
            b.overall
        );
        eprintln!("{line}");
        lines.push(line);
        vs_first.push(a);
        vs_prev.push(b);
        prev = r;
    }

    // The table.
    let names: Vec<String> = vs_first[0].items.iter().map(|i| i.name.clone()).collect();
    println!(
        "\nunchanged simfs (stream 40, total 160 MiB/s), bench --runs 5, {n} runs against run 0"
    );
    println!(
        "{:<10}{}",
        "",
        names
            .iter()
            .map(|n| format!(" {n:<33}"))
            .collect::<String>()
    );
    println!(
        "{:<10}{}",
        "",
        names
            .iter()
            .map(|_| format!(" {:<33}", "median  change  [95% CI]       v"))
            .collect::<String>()
    );
    let base_row: String = bench_medians(&first)
        .iter()
        .map(|(_, m)| format!(" {m:>7.1} {:<25}", ""))
        .collect();
    println!("{:<10}{base_row}", "run  0");
    for l in &lines {
        println!("{l}");
    }
    let count = |cs: &[Comparison], v: Verdict| cs.iter().filter(|c| c.overall == v).count();
    println!("\nper item, against run 0:");
    println!(
        "{:<12} {:>9} {:>9} {:>9} {:>11} {:>11} {:>10} {:>4} {:>4} {:>4}",
        "item",
        "base MiB/s",
        "med MiB/s",
        "min-max %",
        "CI width p50",
        "CI width max",
        "threshold",
        "=",
        "R",
        "I"
    );
    let mut per_item: BTreeMap<&str, Vec<&preload_compare::ItemComparison>> = BTreeMap::new();
    for c in &vs_first {
        for i in &c.items {
            per_item.entry(i.name.as_str()).or_default().push(i);
        }
    }
    for name in &names {
        let items = &per_item[name.as_str()];
        let meds: Vec<f64> = items.iter().map(|i| i.new_median).collect();
        let widths: Vec<f64> = items.iter().map(|i| i.ci_high - i.ci_low).collect();
        let changes: Vec<f64> = items.iter().map(|i| i.change).collect();
        let lo = changes.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = changes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let v = |v: Verdict| items.iter().filter(|i| i.verdict == v).count();
        println!(
            "{:<12} {:>9.1} {:>9.1} {:>+4.0}/{:>+4.0} {:>10.1}% {:>10.1}% {:>9.1}% {:>4} {:>4} {:>4}",
            name,
            items[0].base_median,
            median(&meds),
            lo * 100.0,
            hi * 100.0,
            median(&widths) * 100.0,
            widths.iter().copied().fold(0.0, f64::max) * 100.0,
            items[0].threshold * 100.0,
            v(Verdict::WithinNoise),
            v(Verdict::Regressed),
            v(Verdict::Improved)
        );
    }
    let within_first = count(&vs_first, Verdict::WithinNoise);
    let within_prev = count(&vs_prev, Verdict::WithinNoise);
    println!(
        "\noverall against run 0:        {within_first}/{n} WITHIN NOISE \
         ({} REGRESSED, {} IMPROVED): false-positive rate {:.1}%",
        count(&vs_first, Verdict::Regressed),
        count(&vs_first, Verdict::Improved),
        100.0 * (n - within_first) as f64 / n as f64
    );
    println!(
        "overall against the run before: {within_prev}/{n} WITHIN NOISE \
         ({} REGRESSED, {} IMPROVED): false-positive rate {:.1}%",
        count(&vs_prev, Verdict::Regressed),
        count(&vs_prev, Verdict::Improved),
        100.0 * (n - within_prev) as f64 / n as f64
    );
    assert!(
        within_first * 20 >= n * 19,
        "{within_first}/{n} WITHIN NOISE against run 0, target 95%"
    );
}

/// Per-strategy medians of a bench result.
fn bench_medians(r: &ResultFile) -> Vec<(String, f64)> {
    match r {
        ResultFile::Bench(b) => b
            .strategies()
            .into_iter()
            .map(|s| {
                let m = median(&b.samples_of(&s));
                (s, m)
            })
            .collect(),
        ResultFile::Tune(_) => Vec::new(),
    }
}
