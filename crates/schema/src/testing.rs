//! Made-up results for the tests of the crates that read them (compare,
//! report, the CLI): the fields a test does not look at, filled in one
//! place. Behind the `testing` feature, which only dev-dependencies enable.

use crate::{BenchRun, MIB, Recommendation, Residency};

/// One cold run of `strategy` at `level` that read `bytes` at `mib_s`:
/// no loader, nothing measured besides its time.
pub fn bench_run(
    strategy: &str,
    level: Option<usize>,
    iteration: usize,
    bytes: u64,
    mib_s: f64,
) -> BenchRun {
    let warm_s = bytes as f64 / MIB / mib_s;
    BenchRun {
        strategy: strategy.into(),
        level,
        iteration,
        bytes,
        warm_s,
        load_s: None,
        total_s: warm_s,
        mib_s,
        residency_before: Residency::default(),
        residency_after: Residency::default(),
        exit_status: 0,
        peak_rss_kib: None,
        user_s: None,
        system_s: None,
        read_latency: None,
    }
}

/// A saturated recommendation of `knee`, 90 % confident, which the
/// bootstrap's resamples spread over `knee_set`: `best` is the level with
/// the highest median and that median, `recommended_mib_s` the median at
/// the knee, `single_stream_mib_s` at P=1.
pub fn recommendation(
    knee: usize,
    knee_set: Vec<usize>,
    (best_level, best_mib_s): (usize, f64),
    recommended_mib_s: f64,
    single_stream_mib_s: Option<f64>,
) -> Recommendation {
    Recommendation {
        parallelism: knee,
        saturated: true,
        confidence: 0.9,
        knee_set,
        tolerance: 0.05,
        best_level,
        best_mib_s,
        recommended_mib_s,
        single_stream_mib_s,
        verdict: format!("use -P {knee}"),
        profile_worthy: true,
        read_method: "read".into(),
        ..Recommendation::default()
    }
}
