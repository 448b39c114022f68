//! Synthetic throughput curves, noisy samples and a simulated `-P auto`
//! warm: the inputs of the unit tests, the examples that print the
//! acceptance tables and the criterion benchmarks of the knee rule. Pure,
//! seeded and value-stable, so a table or a benchmark input is the same on
//! every machine.

use crate::{AutoConfig, AutoController, LevelSamples};
use preload_stats::{Draw, SplitMix64, seeded};

/// `n` samples around `mean`: multiplicative normal noise of relative size
/// `cv`, and a fraction `outliers` of them replaced by wild values (a fifth
/// or three times the mean).
pub fn noisy(rng: &mut SplitMix64, mean: f64, n: usize, cv: f64, outliers: f64) -> Vec<f64> {
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
pub fn sample_curve(
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
pub fn powers(max: usize) -> Vec<usize> {
    std::iter::successors(Some(1usize), |l| Some(l * 2))
        .take_while(|l| *l <= max)
        .collect()
}

/// Hard cap: 50 MiB/s per reader up to `cap` MiB/s.
pub fn capped(cap: f64) -> impl Fn(usize) -> f64 {
    move |p| (p as f64 * 50.0).min(cap)
}

/// Universal Scalability Law curve.
pub fn usl(lambda: f64, sigma: f64, kappa: f64) -> impl Fn(usize) -> f64 {
    move |p| {
        let n = p as f64;
        lambda * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))
    }
}

/// Rises to 800 MiB/s at 8, then falls.
pub fn retrograde(p: usize) -> f64 {
    match p {
        0..=8 => 100.0 * p as f64,
        9..=16 => 800.0 - 300.0 * (p - 8) as f64 / 8.0,
        _ => (500.0 - 200.0 * (p - 16) as f64 / 16.0).max(50.0),
    }
}

/// A named curve, its best throughput and its true knee (the smallest level
/// at the best throughput, or at least 97% of it for the smooth USL curve).
pub type NamedCurve = (&'static str, Box<dyn Fn(usize) -> f64>, f64, usize);

/// The acceptance list: the curves the knee rule and the `-P auto`
/// controller are held to.
pub fn acceptance_curves() -> Vec<NamedCurve> {
    vec![
        ("cap 400 (knee 8)", Box::new(capped(400.0)), 400.0, 8),
        ("cap 600 (knee 12)", Box::new(capped(600.0)), 600.0, 12),
        ("flat 300 (knee 1)", Box::new(|_| 300.0), 300.0, 1),
        ("retrograde (peak 8)", Box::new(retrograde), 800.0, 8),
        (
            "USL 0.03/0.0005 (peak 44)",
            Box::new(usl(100.0, 0.03, 0.0005)),
            1363.0,
            32,
        ),
    ]
}

/// What one simulated `-P auto` warm did.
#[derive(Debug)]
pub struct Simulation {
    /// Level it had settled on at the end.
    pub settled: Option<usize>,
    /// Whether the curve flattened below the maximum level.
    pub saturated: Option<bool>,
    /// Intervals until it first settled.
    pub after: Option<usize>,
    /// Level changes after first settling.
    pub changes_after: usize,
    /// Level in effect at the end.
    pub last: usize,
    /// Level it first settled on.
    pub first: Option<usize>,
}

/// Runs the controller `n` intervals against `curve`: a fake engine with
/// noise of relative size `cv` (and 3% outliers when noisy) whose first
/// interval after a level change delivers the average of the old and new
/// levels (readers ramping).
pub fn simulate(
    curve: &dyn Fn(usize) -> f64,
    cv: f64,
    seed: u64,
    cfg: AutoConfig,
    n: usize,
) -> Simulation {
    let mut ctl = AutoController::new(cfg);
    let mut rng = seeded(seed);
    let outliers = if cv > 0.0 { 0.03 } else { 0.0 };
    let (mut level, mut prev) = (ctl.start_level(), ctl.start_level());
    let mut changes_after = 0;
    let mut first = None;
    for _ in 0..n {
        let mean = if level == prev {
            curve(level)
        } else {
            (curve(level) + curve(prev)) / 2.0
        };
        let x = noisy(&mut rng, mean, 1, cv, outliers)[0];
        prev = level;
        level = ctl.observe(level, x);
        first = first.or(ctl.settled());
        if level != prev && ctl.settled_after().is_some() {
            changes_after += 1;
        }
    }
    Simulation {
        settled: ctl.settled(),
        saturated: ctl.saturated(),
        after: ctl.settled_after(),
        changes_after,
        last: level,
        first,
    }
}
