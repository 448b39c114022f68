//! Bootstrap confidence of the knee (Efron 1979, "Bootstrap methods: another
//! look at the jackknife", Annals of Statistics 7(1)).
//!
//! Each resample draws every level's buckets with replacement, recomputes the
//! medians and applies the knee rule with the same tolerance; the confidence
//! is the fraction of resamples that land on the point estimate, or on a
//! level within a factor of [`SAME_KNEE`] of it: once bisection measures
//! 6, 7 and 8, resamples that split between 7 and 8 agree on the answer
//! (either is a fine `-P`), while 4 against 8 do not. The tolerance is held
//! fixed: it is the rule's policy, not the estimate.

use preload_stats::{Draw, quantile_sorted, seeded};

/// Knees within this factor of each other are the same answer (the
/// bisection's neighbours), never two ladder levels (a factor of 2).
pub(crate) const SAME_KNEE: f64 = 1.5;

/// `(confidence, distinct knees sorted)` of `knee` over `resamples`
/// bootstrap resamples of `pooled` (levels ascending, none empty), `rule`
/// picking the index of the knee from the medians of one resample (the knee
/// rule is passed in, so this module knows resampling, not knees).
pub(crate) fn bootstrap_knee(
    pooled: &[(usize, Vec<f64>)],
    knee: usize,
    rule: impl Fn(&[f64]) -> usize,
    resamples: usize,
    seed: u64,
) -> (f64, Vec<usize>) {
    let mut rng = seeded(seed);
    let mut same = 0usize;
    let mut seen: Vec<usize> = Vec::new();
    let mut buf: Vec<f64> = Vec::new();
    let mut medians = vec![0.0; pooled.len()];
    for _ in 0..resamples {
        for (m, (_, s)) in medians.iter_mut().zip(pooled) {
            buf.clear();
            buf.extend((0..s.len()).map(|_| s[rng.below(s.len())]));
            buf.sort_by(f64::total_cmp);
            *m = quantile_sorted(&buf, 0.5);
        }
        let k = pooled[rule(&medians)].0;
        let (lo, hi) = (k.min(knee) as f64, k.max(knee) as f64);
        if hi <= SAME_KNEE * lo {
            same += 1;
        }
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen.sort_unstable();
    (same as f64 / resamples as f64, seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::knee_rule::knee_index;

    fn rule(tol: f64) -> impl Fn(&[f64]) -> usize {
        move |m| knee_index(m, tol).0
    }

    #[test]
    fn clear_knee_is_certain_and_ambiguous_one_is_not() {
        let clear = vec![
            (1, vec![100.0, 101.0, 99.0]),
            (2, vec![200.0, 198.0, 202.0]),
            (4, vec![201.0, 199.0, 200.0]),
        ];
        let (c, set) = bootstrap_knee(&clear, 2, rule(0.1), 500, 1);
        assert_eq!((c, set), (1.0, vec![2]));
        // Level 1 straddles the 10% bar: resamples disagree.
        let vague = vec![
            (1, vec![80.0, 95.0, 85.0, 96.0, 84.0]),
            (2, vec![100.0, 100.0, 100.0]),
        ];
        let (c, set) = bootstrap_knee(&vague, 2, rule(0.1), 500, 1);
        assert!(c > 0.2 && c < 0.9, "{c}");
        assert_eq!(set, vec![1, 2]);
    }

    #[test]
    fn bisected_neighbours_are_the_same_answer() {
        // 7 and 8 straddle the bar; 4 is far below it.
        let v = vec![
            (4, vec![100.0, 101.0, 99.0]),
            (7, vec![176.0, 184.0, 178.0, 183.0, 179.0]),
            (8, vec![199.0, 200.0, 201.0]),
        ];
        let (c, set) = bootstrap_knee(&v, 7, rule(0.1), 500, 3);
        assert_eq!(c, 1.0);
        assert_eq!(set, vec![7, 8]);
    }

    #[test]
    fn seeded_runs_repeat() {
        let v = vec![
            (1, vec![80.0, 95.0, 85.0, 96.0]),
            (2, vec![100.0, 90.0, 110.0]),
        ];
        assert_eq!(
            bootstrap_knee(&v, 2, rule(0.1), 300, 9),
            bootstrap_knee(&v, 2, rule(0.1), 300, 9)
        );
    }
}
