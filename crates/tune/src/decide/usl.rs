//! Bounded least-squares fit of the Universal Scalability Law (Gunther 1993;
//! N. J. Gunther, "Guerrilla Capacity Planning", Springer 2007, ch. 4-6):
//! X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)).
//!
//! A diagnostic, never the decision. For fixed (sigma, kappa) the best lambda
//! is linear least squares, so only the two coefficients are searched: a grid
//! over [0, 1]^2 on a log scale (kappa is typically 1e-5..1e-2), then a
//! compass search to refine it. Bounding both coefficients to [0, 1] keeps
//! the fit physical on noisy or capped curves, where a free fit can go negative.

use preload_schema::UslFit;

/// Offset of the log scale, so that a coefficient of exactly 0 is reachable.
const EPS: f64 = 1e-7;
/// Log10 range searched: 10^-7 - EPS = 0 up to 10^0 - EPS ~ 1.
const U_MIN: f64 = -7.0;
const U_MAX: f64 = 0.0;

fn coef(u: f64) -> f64 {
    (10f64.powf(u) - EPS).clamp(0.0, 1.0)
}

/// Sum of squared errors and the best lambda for given coefficients.
fn sse(points: &[(f64, f64)], sigma: f64, kappa: f64) -> (f64, f64) {
    let g = |n: f64| n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
    let (xy, xx) = points.iter().fold((0.0, 0.0), |(xy, xx), &(n, y)| {
        (xy + y * g(n), xx + g(n) * g(n))
    });
    let lambda = if xx > 0.0 { xy / xx } else { 0.0 };
    let e = points
        .iter()
        .map(|&(n, y)| (y - lambda * g(n)).powi(2))
        .sum();
    (e, lambda)
}

/// Fits the USL to `(level, throughput)` points with sigma and kappa bounded
/// to [0, 1]; `None` with fewer than three distinct positive levels.
pub fn fit_usl(points: &[(f64, f64)]) -> Option<UslFit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(n, y)| n.is_finite() && y.is_finite() && *n > 0.0)
        .collect();
    let mut levels: Vec<f64> = pts.iter().map(|p| p.0).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    if levels.len() < 3 {
        return None;
    }
    let cost = |u: (f64, f64)| sse(&pts, coef(u.0), coef(u.1)).0;
    let steps = 70;
    let grid = |i: usize| U_MIN + (U_MAX - U_MIN) * i as f64 / steps as f64;
    let mut best = (U_MIN, U_MIN);
    let mut best_cost = cost(best);
    for i in 0..=steps {
        for j in 0..=steps {
            let u = (grid(i), grid(j));
            let c = cost(u);
            if c < best_cost {
                (best, best_cost) = (u, c);
            }
        }
    }
    let mut step = (U_MAX - U_MIN) / steps as f64;
    while step > 1e-6 {
        let mut moved = false;
        for (du, dv) in [(step, 0.0), (-step, 0.0), (0.0, step), (0.0, -step)] {
            let u = (
                (best.0 + du).clamp(U_MIN, U_MAX),
                (best.1 + dv).clamp(U_MIN, U_MAX),
            );
            let c = cost(u);
            if c < best_cost {
                (best, best_cost, moved) = (u, c, true);
            }
        }
        if !moved {
            step /= 2.0;
        }
    }
    let (sigma, kappa) = (coef(best.0), coef(best.1));
    let (e, lambda) = sse(&pts, sigma, kappa);
    let mean = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
    let sst: f64 = pts.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let r_squared = if sst > 0.0 {
        1.0 - e / sst
    } else if e <= 1e-12 {
        1.0
    } else {
        0.0
    };
    let peak_level = (kappa > 0.0).then(|| ((1.0 - sigma) / kappa).sqrt());
    Some(UslFit {
        lambda,
        sigma,
        kappa,
        peak_level,
        r_squared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{capped, powers, usl};

    fn pts(f: impl Fn(usize) -> f64, levels: &[usize]) -> Vec<(f64, f64)> {
        levels.iter().map(|&l| (l as f64, f(l))).collect()
    }

    #[test]
    fn recovers_known_coefficients() {
        let fit = fit_usl(&pts(usl(100.0, 0.03, 0.0005), &powers(64))).expect("fit");
        assert!((fit.lambda - 100.0).abs() < 0.5, "{fit:?}");
        assert!((fit.sigma - 0.03).abs() < 0.002, "{fit:?}");
        assert!((fit.kappa - 0.0005).abs() < 0.00005, "{fit:?}");
        assert!((fit.peak_level.unwrap() - 44.0).abs() < 2.0, "{fit:?}");
        assert!(fit.r_squared > 0.999);
    }

    #[test]
    fn linear_and_flat_hit_the_bounds() {
        let lin = fit_usl(&pts(|p| 50.0 * p as f64, &powers(64))).expect("fit");
        assert!(lin.sigma < 1e-4 && lin.kappa < 1e-6, "{lin:?}");
        assert!(lin.peak_level.is_none_or(|p| p > 1000.0), "{lin:?}");
        let flat = fit_usl(&pts(|_| 300.0, &powers(64))).expect("fit");
        assert!(
            flat.sigma > 0.99 && (flat.lambda - 300.0).abs() < 1.0,
            "{flat:?}"
        );
    }

    #[test]
    fn retrograde_peak_and_capped_curve() {
        let r = fit_usl(&pts(usl(100.0, 0.02, 0.015), &powers(64))).expect("fit");
        assert!((r.peak_level.unwrap() - 8.08).abs() < 0.3, "{r:?}");
        let c = fit_usl(&pts(capped(400.0), &powers(64))).expect("fit");
        assert!((0.0..=1.0).contains(&c.sigma) && (0.0..=1.0).contains(&c.kappa));
        assert!(c.r_squared > 0.8 && c.r_squared < 0.9999, "{c:?}");
    }

    #[test]
    fn needs_three_levels() {
        assert_eq!(fit_usl(&[(1.0, 1.0), (2.0, 2.0), (2.0, 2.1)]), None);
        assert_eq!(fit_usl(&[(1.0, 1.0), (f64::NAN, 2.0), (4.0, 2.1)]), None);
    }
}
