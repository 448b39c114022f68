//! The read methods compared at the knee: `willneed` may win on one
//! storage and lose on another (on one local disk it beat `read` on few
//! large files and lost on many small ones), so the profile records
//! the one measured best, not one assumed.

use preload_core::{CancelToken, ReadMethod};
use preload_schema::{MethodMeasure, Probe, ProbePhase};

use crate::probe::{ProbeConfig, run_probe};
use crate::sample::SamplePool;

/// One probe per other method at `level`, each on fresh units with the
/// settings the tuned method's probes had (`base` is the tuned method).
/// Returns each other method's figure and its probe.
pub(crate) fn measure(
    pool: &mut SamplePool,
    level: usize,
    base: ReadMethod,
    config: &ProbeConfig,
    cancel: &CancelToken,
) -> Vec<(MethodMeasure, Probe)> {
    let mut out = Vec::new();
    for method in ReadMethod::ALL.into_iter().filter(|m| *m != base) {
        if cancel.is_cancelled() {
            break;
        }
        let s = ProbeConfig { method, ..*config };
        // Not a point of the curve: kept out of the knee's samples.
        let probe = run_probe(pool, level, ProbePhase::Method, &s, cancel);
        out.push((
            MethodMeasure {
                method: method.as_str().into(),
                mib_s: probe.steady_mib_s,
            },
            probe,
        ));
    }
    out
}

/// The method to use: another one only when it beat `base` by more than
/// `tolerance` (within it, the tuned method's figures are the ones the knee
/// rests on).
pub(crate) fn choose(base: &MethodMeasure, others: &[MethodMeasure], tolerance: f64) -> String {
    others
        .iter()
        .filter(|m| m.mib_s > (1.0 + tolerance) * base.mib_s)
        .max_by(|a, b| a.mib_s.total_cmp(&b.mib_s))
        .map_or_else(|| base.method.clone(), |m| m.method.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(method: &str, mib_s: f64) -> MethodMeasure {
        MethodMeasure {
            method: method.into(),
            mib_s,
        }
    }

    #[test]
    fn another_method_wins_only_beyond_the_tolerance() {
        let base = m("read", 100.0);
        assert_eq!(choose(&base, &[m("willneed", 105.0)], 0.1), "read");
        assert_eq!(
            choose(&base, &[m("willneed", 125.0), m("mmap", 115.0)], 0.1),
            "willneed"
        );
        assert_eq!(choose(&base, &[], 0.1), "read");
    }
}
