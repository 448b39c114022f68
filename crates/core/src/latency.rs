//! Read-call latencies summarised as the quantiles fio users read: p50,
//! p90, p99 and p99.9.

use std::time::Duration;

use preload_schema::ReadLatency;

/// The quantiles of `latencies` (type-7 interpolation, as everywhere in
/// preload); None when there is no sample.
pub fn read_latency(latencies: &[Duration]) -> Option<ReadLatency> {
    if latencies.is_empty() {
        return None;
    }
    let ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    let sorted = preload_stats::sorted(&ms);
    let q = |p: f64| preload_stats::quantile_sorted(&sorted, p);
    Some(ReadLatency {
        reads: sorted.len() as u64,
        p50_ms: q(0.5),
        p90_ms: q(0.9),
        p99_ms: q(0.99),
        p999_ms: q(0.999),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_ordered_and_in_milliseconds() {
        let samples: Vec<Duration> = (1..=1000).map(Duration::from_micros).collect();
        let l = read_latency(&samples).unwrap();
        assert_eq!(l.reads, 1000);
        assert!((l.p50_ms - 0.5005).abs() < 1e-9, "{l:?}");
        assert!((l.p90_ms - 0.9001).abs() < 1e-9, "{l:?}");
        assert!(l.p50_ms <= l.p90_ms && l.p90_ms <= l.p99_ms && l.p99_ms <= l.p999_ms);
        assert!(read_latency(&[]).is_none());
    }
}
