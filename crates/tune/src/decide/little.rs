//! Little's law check (Little 1961, "A proof for the queuing formula
//! L = lambda W", Operations Research 9(3)): in steady state the mean number
//! of reads in flight equals the read rate times the mean read latency. With
//! P readers always busy it should come out close to P; far below P means
//! readers spent time outside the read call (opening files, the page cache,
//! a lock), so more parallelism is not what the storage saw.

use preload_schema::LittleCheck;

/// Implied concurrency at `level` from the read rate (reads per second) and
/// the mean latency of one read (seconds); 0 when either is not a finite
/// non-negative number.
pub fn littles_law(level: usize, reads_per_s: f64, mean_latency_s: f64) -> LittleCheck {
    let valid = |x: f64| x.is_finite() && x >= 0.0;
    let implied = if valid(reads_per_s) && valid(mean_latency_s) {
        reads_per_s * mean_latency_s
    } else {
        0.0
    };
    LittleCheck {
        level,
        implied_concurrency: implied,
    }
}

/// Implied concurrency as a fraction of the level (1 = every reader was
/// always inside a read); 0 for level 0.
pub fn little_utilisation(check: &LittleCheck) -> f64 {
    if check.level == 0 {
        0.0
    } else {
        check.implied_concurrency / check.level as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_and_starved_readers() {
        // 8 readers, 4 ms per read, 2000 reads/s: 8 in flight.
        let c = littles_law(8, 2000.0, 0.004);
        assert!((c.implied_concurrency - 8.0).abs() < 1e-9);
        assert!((little_utilisation(&c) - 1.0).abs() < 1e-9);
        // Same latency, a quarter of the rate: readers waited elsewhere.
        assert!((little_utilisation(&littles_law(8, 500.0, 0.004)) - 0.25).abs() < 1e-9);
        assert_eq!(littles_law(4, f64::NAN, 0.1).implied_concurrency, 0.0);
        assert_eq!(little_utilisation(&littles_law(0, 1.0, 1.0)), 0.0);
    }
}
