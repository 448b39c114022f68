//! Medians and spreads of the numbers a report shows.

use preload_schema::{BenchResult, BenchRun};

/// Median, smallest and largest of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Median (mean of the two middle samples for an even count).
    pub median: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Spread {
    /// The spread of `samples`, ignoring non-finite values; `None` when none is left.
    pub fn of(samples: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let mut v: Vec<f64> = samples.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }
}

/// The runs of one bench strategy, summarised (successful runs only).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySummary {
    /// Strategy name (`sequential`, `xargs`, `preload`, ...).
    pub strategy: String,
    /// Its parallelism, when it has one.
    pub level: Option<usize>,
    /// Runs that succeeded (exit status 0).
    pub ok_runs: usize,
    /// Runs that failed.
    pub failed_runs: usize,
    /// Warm part, seconds.
    pub warm_s: Option<Spread>,
    /// Load part (`--then`), seconds, when every successful run has one.
    pub load_s: Option<Spread>,
    /// Warm + load, seconds.
    pub total_s: Option<Spread>,
    /// Throughput of the warm part, MiB/s.
    pub mib_s: Option<Spread>,
}

impl StrategySummary {
    /// Display name with the level: `preload (P=16)`.
    pub fn display_name(&self) -> String {
        match self.level {
            Some(p) if !self.strategy.contains(&format!("p{p}")) => {
                format!("{} (P={p})", self.strategy)
            }
            _ => self.strategy.clone(),
        }
    }
}

/// One summary per strategy, in the order the strategies first ran.
pub fn summarize_bench(bench: &BenchResult) -> Vec<StrategySummary> {
    bench
        .strategies()
        .into_iter()
        .map(|name| {
            let runs: Vec<&BenchRun> = bench.runs.iter().filter(|r| r.strategy == name).collect();
            let ok: Vec<&BenchRun> = runs
                .iter()
                .copied()
                .filter(|r| r.exit_status == 0)
                .collect();
            let all_loaded = !ok.is_empty() && ok.iter().all(|r| r.load_s.is_some());
            StrategySummary {
                level: runs.iter().find_map(|r| r.level),
                ok_runs: ok.len(),
                failed_runs: runs.len() - ok.len(),
                warm_s: Spread::of(ok.iter().map(|r| r.warm_s)),
                load_s: if all_loaded {
                    Spread::of(ok.iter().filter_map(|r| r.load_s))
                } else {
                    None
                },
                total_s: Spread::of(ok.iter().map(|r| r.total_s)),
                mib_s: Spread::of(ok.iter().map(|r| r.mib_s)),
                strategy: name,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Spread::of([4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert!(Spread::of([f64::NAN]).is_none());
        assert!(Spread::of([]).is_none());
    }

    #[test]
    fn display_name_adds_the_level_once() {
        let mut s = StrategySummary {
            strategy: "preload".into(),
            level: Some(16),
            ok_runs: 1,
            failed_runs: 0,
            warm_s: None,
            load_s: None,
            total_s: None,
            mib_s: None,
        };
        assert_eq!(s.display_name(), "preload (P=16)");
        s.strategy = "preload-p16".into();
        assert_eq!(s.display_name(), "preload-p16");
    }
}
