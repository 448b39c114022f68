//! Kneedle (Satopaa, Albrecht, Irwin and Raghavan 2011, "Finding a 'Kneedle'
//! in a Haystack: Detecting Knee Points in System Behavior", ICDCS
//! workshops), offline form, for concave increasing curves.
//!
//! A diagnostic only: on log-spaced levels (1, 2, 4, ...) it can only name
//! a measured level and often picks the wrong one, which is why the knee
//! rule decides. No smoothing is applied: callers pass medians.

/// Sensitivity S of the paper (1 is its recommended offline value).
const SENSITIVITY: f64 = 1.0;

/// The level at the knee of `(level, throughput)` points, or `None` when the
/// curve has no knee (fewer than three points, flat, or straight/convex).
pub fn kneedle(points: &[(f64, f64)]) -> Option<usize> {
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    if p.len() < 3 {
        return None;
    }
    let (x0, x1) = (p[0].0, p[p.len() - 1].0);
    let (ymin, ymax) = p
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), q| {
            (lo.min(q.1), hi.max(q.1))
        });
    if x1 <= x0 || ymax <= ymin {
        return None;
    }
    let xn: Vec<f64> = p.iter().map(|q| (q.0 - x0) / (x1 - x0)).collect();
    // Difference curve: normalised y minus normalised x.
    let d: Vec<f64> = p
        .iter()
        .zip(&xn)
        .map(|(q, x)| (q.1 - ymin) / (ymax - ymin) - x)
        .collect();
    let mean_dx = (xn[xn.len() - 1] - xn[0]) / (xn.len() - 1) as f64;
    let n = d.len();
    let is_local_max = |i: usize| i > 0 && i + 1 < n && d[i] >= d[i - 1] && d[i] > d[i + 1];
    let maxima: Vec<usize> = (0..n).filter(|&i| is_local_max(i)).collect();
    for (k, &i) in maxima.iter().enumerate() {
        let threshold = d[i] - SENSITIVITY * mean_dx;
        let end = maxima.get(k + 1).copied().unwrap_or(n);
        if d[i] > 0.0 && (i + 1..end).any(|j| d[j] < threshold) {
            return Some(p[i].0.round() as usize);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{capped, powers, retrograde};

    fn pts(f: impl Fn(usize) -> f64, levels: &[usize]) -> Vec<(f64, f64)> {
        levels.iter().map(|&l| (l as f64, f(l))).collect()
    }

    #[test]
    fn finds_a_hard_cap() {
        assert_eq!(kneedle(&pts(capped(400.0), &powers(64))), Some(8));
        let dense: Vec<usize> = (1..=32).collect();
        assert_eq!(kneedle(&pts(capped(600.0), &dense)), Some(12));
    }

    #[test]
    fn no_knee_on_straight_flat_or_short_curves() {
        assert_eq!(kneedle(&pts(|p| 50.0 * p as f64, &powers(64))), None);
        assert_eq!(kneedle(&pts(|_| 7.0, &powers(64))), None);
        assert_eq!(kneedle(&pts(capped(100.0), &[1, 2])), None);
    }

    #[test]
    fn retrograde_knee_at_or_before_the_peak() {
        let k = kneedle(&pts(retrograde, &powers(64))).expect("knee");
        assert!(k <= 8, "{k}");
    }

    #[test]
    fn log_spaced_levels_miss_a_cap_between_them() {
        // The cap is at 12; with powers of two Kneedle can only answer 16.
        assert_eq!(kneedle(&pts(capped(600.0), &powers(64))), Some(16));
    }
}
