//! Synthetic throughput curves and noisy samples for the unit tests.

use crate::LevelSamples;
use preload_stats::{Draw, SplitMix64, seeded};

/// `n` samples around `mean`: multiplicative normal noise of relative size
/// `cv`, and a fraction `outliers` of them replaced by wild values (a fifth
/// or three times the mean).
pub(crate) fn noisy(rng: &mut SplitMix64, mean: f64, n: usize, cv: f64, outliers: f64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            if rng.unit() < outliers {
                if rng.unit() < 0.5 {
                    mean * 0.2
                } else {
                    mean * 3.0
                }
            } else {
                (mean * (1.0 + cv * rng.normal())).max(0.0)
            }
        })
        .collect()
}

/// Samples of `curve` at each of `levels`.
pub(crate) fn sample_curve(
    curve: impl Fn(usize) -> f64,
    levels: &[usize],
    n: usize,
    cv: f64,
    outliers: f64,
    seed: u64,
) -> Vec<LevelSamples> {
    let mut rng = seeded(seed);
    levels
        .iter()
        .map(|&l| LevelSamples {
            level: l,
            samples: noisy(&mut rng, curve(l), n, cv, outliers),
        })
        .collect()
}

/// 1, 2, 4, ... up to `max`.
pub(crate) fn powers(max: usize) -> Vec<usize> {
    std::iter::successors(Some(1usize), |l| Some(l * 2))
        .take_while(|l| *l <= max)
        .collect()
}

/// Hard cap: 50 MiB/s per reader up to `cap` MiB/s.
pub(crate) fn capped(cap: f64) -> impl Fn(usize) -> f64 {
    move |p| (p as f64 * 50.0).min(cap)
}

/// Universal Scalability Law curve.
pub(crate) fn usl(lambda: f64, sigma: f64, kappa: f64) -> impl Fn(usize) -> f64 {
    move |p| {
        let n = p as f64;
        lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))
    }
}

/// Rises to 800 MiB/s at 8, then falls.
pub(crate) fn retrograde(p: usize) -> f64 {
    match p {
        0..=8 => 100.0 * p as f64,
        9..=16 => 800.0 - 300.0 * (p - 8) as f64 / 8.0,
        _ => (500.0 - 200.0 * (p - 16) as f64 / 16.0).max(50.0),
    }
}
