//! Runs summarised per strategy (hyperfine's `results[]`) and the warnings
//! the numbers call for: statistical outliers, a slow first run, a wide
//! spread.

use preload_schema::{BenchRun, ReadLatency, StrategyStats};
use preload_stats::{mean, median, std_dev};

/// A modified Z-score above this marks an outlier: 10 standard deviations,
/// the MAD scaled by 1.4826 to estimate one (Iglewicz and Hoaglin 1993; the
/// threshold hyperfine uses).
pub const OUTLIER_THRESHOLD: f64 = 1.4826 * 10.0;

/// A coefficient of variation (stddev / mean of the total times) above
/// which the spread is worth a warning: medians of such runs move by more
/// than the differences a bench is usually run to show.
pub const HIGH_VARIANCE_CV: f64 = 0.25;

/// One summary per strategy of `runs`, in the order the strategies first
/// ran. Times are of the successful runs; a strategy whose runs all failed
/// has NaN times (null in JSON) and its exit codes.
pub fn summarize(runs: &[BenchRun]) -> Vec<StrategyStats> {
    strategy_names(runs)
        .into_iter()
        .map(|name| {
            let of: Vec<&BenchRun> = runs.iter().filter(|r| r.strategy == name).collect();
            let ok: Vec<&BenchRun> = of.iter().copied().filter(|r| r.exit_status == 0).collect();
            let times: Vec<f64> = ok.iter().map(|r| r.total_s).collect();
            let all_loaded = !ok.is_empty() && ok.iter().all(|r| r.load_s.is_some());
            let each = |f: fn(&BenchRun) -> Option<f64>| -> Option<Vec<f64>> {
                let v: Vec<f64> = ok.iter().filter_map(|r| f(r)).collect();
                (!v.is_empty() && v.len() == ok.len()).then_some(v)
            };
            StrategyStats {
                level: of.iter().find_map(|r| r.level),
                mean_s: mean(&times),
                stddev_s: (times.len() > 1).then(|| std_dev(&times)),
                median_s: median(&times),
                min_s: times.iter().copied().fold(f64::NAN, f64::min),
                max_s: times.iter().copied().fold(f64::NAN, f64::max),
                warm_median_s: median(&ok.iter().map(|r| r.warm_s).collect::<Vec<_>>()),
                load_median_s: all_loaded
                    .then(|| median(&ok.iter().filter_map(|r| r.load_s).collect::<Vec<_>>())),
                mib_s_median: median(&ok.iter().map(|r| r.mib_s).collect::<Vec<_>>()),
                user_mean_s: each(|r| r.user_s).map(|v| mean(&v)),
                system_mean_s: each(|r| r.system_s).map(|v| mean(&v)),
                peak_rss_kib_max: ok.iter().filter_map(|r| r.peak_rss_kib).max(),
                read_latency: median_latency(&ok),
                times,
                exit_codes: of.iter().map(|r| r.exit_status).collect(),
                strategy: name,
            }
        })
        .collect()
}

fn strategy_names(runs: &[BenchRun]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in runs {
        if !names.contains(&r.strategy) {
            names.push(r.strategy.clone());
        }
    }
    names
}

/// Each quantile the median over the runs that measured it.
fn median_latency(runs: &[&BenchRun]) -> Option<ReadLatency> {
    let l: Vec<ReadLatency> = runs.iter().filter_map(|r| r.read_latency).collect();
    if l.is_empty() {
        return None;
    }
    let m = |f: fn(&ReadLatency) -> f64| median(&l.iter().map(f).collect::<Vec<_>>());
    Some(ReadLatency {
        reads: l.iter().map(|x| x.reads).sum(),
        p50_ms: m(|x| x.p50_ms),
        p90_ms: m(|x| x.p90_ms),
        p99_ms: m(|x| x.p99_ms),
        p999_ms: m(|x| x.p999_ms),
    })
}

/// `(x - median) / MAD` for each of `xs`; a MAD of 0 counts as the
/// smallest positive step, so any departure from identical times scores high.
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    let m = median(xs);
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&dev);
    let mad = if mad > 0.0 { mad } else { f64::EPSILON };
    xs.iter().map(|x| (x - m) / mad).collect()
}

/// The advice every spread warning ends with.
const ADVICE: &str = "consider more --runs (or --warmup), a quieter machine (no other \
    I/O on the storage or this host), and whether caches were really cold: with \
    --no-drop-caches only the data set's pages are evicted, so metadata and the \
    storage server's cache stay warm";

/// Warnings about the spread of each strategy's times, hyperfine's two
/// (a first run much slower than the rest; statistical outliers) and a
/// high-variance one.
pub fn spread_warnings(stats: &[StrategyStats]) -> Vec<String> {
    let mut out = Vec::new();
    for s in stats {
        let name = &s.strategy;
        let scores = modified_z_scores(&s.times);
        if s.times.len() >= 3 && scores[0] > OUTLIER_THRESHOLD {
            out.push(format!(
                "{name}: the first run was much slower than the rest ({:.2} s against a median of \
                 {:.2} s); the storage or its metadata may not have been in the same state \
                 (caches that were not cold, or not yet filled on the server); {ADVICE}",
                s.times[0], s.median_s
            ));
        } else if s.times.len() >= 3 && scores.iter().any(|z| z.abs() > OUTLIER_THRESHOLD) {
            let outliers = scores
                .iter()
                .filter(|z| z.abs() > OUTLIER_THRESHOLD)
                .count();
            out.push(format!(
                "{name}: statistical outliers were detected ({outliers} of {} runs more than 10 \
                 robust standard deviations from the median); {ADVICE}",
                s.times.len()
            ));
        }
        if let Some(sd) = s.stddev_s
            && s.mean_s > 0.0
            && sd / s.mean_s > HIGH_VARIANCE_CV
        {
            out.push(format!(
                "{name}: times vary widely ({:.2} - {:.2} s, stddev {:.0}% of the mean); its \
                 median is uncertain; {ADVICE}",
                s.min_s,
                s.max_s,
                100.0 * sd / s.mean_s
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use preload_schema::Residency;

    use super::*;

    fn run(strategy: &str, total_s: f64, exit_status: i32) -> BenchRun {
        BenchRun {
            strategy: strategy.into(),
            level: Some(4),
            iteration: 0,
            bytes: 1 << 20,
            warm_s: total_s,
            load_s: None,
            total_s,
            mib_s: 1.0 / total_s,
            residency_before: Residency::default(),
            residency_after: Residency::default(),
            exit_status,
            peak_rss_kib: Some(1000),
            user_s: Some(0.5),
            system_s: Some(0.25),
            read_latency: Some(ReadLatency {
                reads: 10,
                p50_ms: 1.0,
                p90_ms: 2.0,
                p99_ms: total_s,
                p999_ms: 9.0,
            }),
        }
    }

    #[test]
    fn summary_matches_its_runs() {
        let runs = [
            run("a", 1.0, 0),
            run("b", 5.0, 0),
            run("a", 3.0, 0),
            run("a", 2.0, 0),
            run("a", 99.0, 1),
        ];
        let s = summarize(&runs);
        assert_eq!(s.len(), 2);
        let a = &s[0];
        assert_eq!(a.strategy, "a");
        assert_eq!(a.times, [1.0, 3.0, 2.0], "failed runs are left out");
        assert_eq!(a.exit_codes, [0, 0, 0, 1]);
        assert_eq!(
            (a.mean_s, a.median_s, a.min_s, a.max_s),
            (2.0, 2.0, 1.0, 3.0)
        );
        assert_eq!(a.stddev_s, Some(1.0));
        assert_eq!(a.user_mean_s, Some(0.5));
        assert_eq!(a.peak_rss_kib_max, Some(1000));
        assert_eq!(a.read_latency.unwrap().p99_ms, 2.0);
        assert_eq!(a.read_latency.unwrap().reads, 30);
        assert_eq!(s[1].stddev_s, None, "one run has no spread");
    }

    #[test]
    fn a_fabricated_outlier_is_warned_about_with_advice() {
        let mut runs: Vec<BenchRun> = [2.0, 2.02, 1.98, 2.01, 7.83, 1.99]
            .iter()
            .map(|&t| run("preload", t, 0))
            .collect();
        let w = spread_warnings(&summarize(&runs));
        assert!(
            w.iter().any(|w| w.contains("statistical outliers")),
            "{w:#?}"
        );
        assert!(w.iter().all(|w| w.contains("--runs")), "{w:#?}");
        // The same slow run first: hyperfine's "slow first run".
        runs.swap(0, 4);
        let w = spread_warnings(&summarize(&runs));
        assert!(w[0].contains("first run was much slower"), "{w:#?}");
        // Steady runs: nothing to say.
        let steady: Vec<BenchRun> = [2.0, 2.02, 1.98, 2.01]
            .iter()
            .map(|&t| run("p", t, 0))
            .collect();
        assert!(spread_warnings(&summarize(&steady)).is_empty());
    }

    #[test]
    fn a_wide_spread_is_warned_about() {
        let runs: Vec<BenchRun> = [1.34, 7.83, 3.0]
            .iter()
            .map(|&t| run("xargs", t, 0))
            .collect();
        let w = spread_warnings(&summarize(&runs));
        assert!(
            w.iter()
                .any(|w| w.contains("times vary widely (1.34 - 7.83 s")),
            "{w:#?}"
        );
    }

    #[test]
    fn modified_z_scores_as_hyperfine() {
        // median 2, deviations 1 0 0 8 -> MAD 0.5
        let z = modified_z_scores(&[1.0, 2.0, 2.0, 10.0]);
        assert_eq!(z, [-2.0, 0.0, 0.0, 16.0]);
    }
}
