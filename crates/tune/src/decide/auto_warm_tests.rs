//! What `-P auto` costs a short warm: the throughput of the first 4 s (40
//! intervals, the matrix's window) against the best fixed level, on curves
//! shaped like the matrix's (bench-data/tune-matrix.toml), where the doubling
//! ramp from 4 cost 12-26% (knees 16-48) and the declining shape 21%.

use super::*;
use crate::decide::synthetic::noisy;
use preload_stats::seeded;

/// Intervals in the matrix's 4 s warm.
const WARM: usize = 40;

/// simfs's curve: `min(P x stream, total) / (1 + factor x streams beyond n)`.
fn simfs(stream: f64, total: f64, contention: Option<(usize, f64)>) -> impl Fn(usize) -> f64 {
    move |p| {
        let c = contention.map_or(1.0, |(n, f)| 1.0 + f * p.saturating_sub(n) as f64);
        (p as f64 * stream).min(total) / c
    }
}

type Curve = Box<dyn Fn(usize) -> f64>;

/// The matrix shapes as curves: name, curve, best fixed throughput.
fn shapes() -> Vec<(&'static str, Curve, f64)> {
    vec![
        ("flat", Box::new(|_| 300.0), 300.0),
        ("knee2", Box::new(simfs(100.0, 200.0, None)), 200.0),
        ("knee8", Box::new(simfs(25.0, 200.0, None)), 200.0),
        ("knee16", Box::new(simfs(12.0, 192.0, None)), 192.0),
        ("knee24", Box::new(simfs(8.0, 192.0, None)), 192.0),
        ("knee32", Box::new(simfs(8.0, 256.0, None)), 256.0),
        ("knee48", Box::new(simfs(6.0, 288.0, None)), 288.0),
        (
            "declining",
            Box::new(simfs(50.0, 200.0, Some((4, 0.25)))),
            200.0,
        ),
    ]
}

/// Mean throughput of the first [`WARM`] intervals over `best`; the
/// interval after a level change delivers the mean of the two levels.
fn warm_ratio(curve: &dyn Fn(usize) -> f64, best: f64, cv: f64, seed: u64, cfg: AutoConfig) -> f64 {
    let mut ctl = AutoController::new(cfg);
    let mut rng = seeded(seed);
    let (mut level, mut prev) = (ctl.start_level(), ctl.start_level());
    let mut sum = 0.0;
    for _ in 0..WARM {
        let mean = (curve(level) + curve(prev)) / 2.0;
        sum += mean;
        let x = noisy(&mut rng, mean, 1, cv, 0.0)[0];
        prev = level;
        level = ctl.observe(level, x);
    }
    sum / WARM as f64 / best
}

/// The controller as it was: double from 4, decide on 4 intervals.
fn doubling() -> AutoConfig {
    AutoConfig {
        linear_gain: f64::INFINITY,
        decisive_intervals: usize::MAX,
        ..AutoConfig::default()
    }
}

/// Median over 20 noisy seeds (10% interval noise).
fn noisy_ratio(curve: &dyn Fn(usize) -> f64, best: f64, cfg: AutoConfig) -> f64 {
    let r: Vec<f64> = (1..=20)
        .map(|seed| warm_ratio(curve, best, 0.10, seed, cfg))
        .collect();
    stats::median(&r)
}

#[test]
fn print_warm_ratios() {
    println!("| shape | doubling, clean | doubling, 10% noise | now, clean | now, 10% noise |");
    for (name, curve, best) in shapes() {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            warm_ratio(&*curve, best, 0.0, 1, doubling()),
            noisy_ratio(&*curve, best, doubling()),
            warm_ratio(&*curve, best, 0.0, 1, AutoConfig::default()),
            noisy_ratio(&*curve, best, AutoConfig::default()),
        );
    }
}

/// The shape's curve and best, by name.
fn shape(name: &str) -> (Curve, f64) {
    let (_, curve, best) = shapes().into_iter().find(|s| s.0 == name).expect("a shape");
    (curve, best)
}

#[test]
fn a_short_warm_climbs_faster_than_the_doubling_ramp() {
    // (shape, least ratio now, clean and with 10% noise). The doubling
    // ramp got 0.85, 0.78, 0.75, 0.67 and 0.88 on these curves.
    for (name, least) in [
        ("knee16", 0.90),
        ("knee24", 0.87),
        ("knee32", 0.87),
        ("knee48", 0.80),
        ("declining", 0.92),
    ] {
        let (curve, best) = shape(name);
        let before = warm_ratio(&*curve, best, 0.0, 1, doubling());
        let clean = warm_ratio(&*curve, best, 0.0, 1, AutoConfig::default());
        let noisy = noisy_ratio(&*curve, best, AutoConfig::default());
        assert!(
            clean >= least && noisy >= least,
            "{name}: {clean:.3}, {noisy:.3}"
        );
        assert!(clean >= before + 0.04, "{name}: {before:.3} -> {clean:.3}");
    }
}

#[test]
fn shapes_that_passed_do_not_lose() {
    for name in ["flat", "knee2", "knee8"] {
        let (curve, best) = shape(name);
        let before = noisy_ratio(&*curve, best, doubling());
        let now = noisy_ratio(&*curve, best, AutoConfig::default());
        assert!(now >= before - 0.005, "{name}: {before:.3} -> {now:.3}");
    }
}

#[test]
fn starting_from_the_saved_level_costs_almost_nothing() {
    // `preload tune` saved the knee: -P auto starts there and only confirms
    // it (one level above, which costs on a declining curve).
    for (name, knee, least) in [
        ("knee24", 24, 0.95),
        ("knee48", 48, 0.95),
        ("declining", 4, 0.92),
    ] {
        let (curve, best) = shape(name);
        let cfg = AutoConfig {
            start_level: knee,
            ..AutoConfig::default()
        };
        let r = noisy_ratio(&*curve, best, cfg);
        assert!(r >= least, "{name}: {r:.3}");
    }
}

#[test]
fn knees_of_24_and_48_and_a_declining_peak_are_found() {
    // (shape, the readers it should settle on): within the knee rule's
    // tolerance (at most `growth / 2` = 12.5% below the best) and not far
    // above the knee on the flat part (capped curves); the peak (declining).
    // 18 of 20 seeds settle in range, every one within 80% of the best (10%
    // interval noise moves the medians the rule compares by 5-7%: a level
    // below the knee can look within the tolerance, one above it better).
    for (name, range) in [
        ("knee24", 21..=40),
        // From 32 a 4x step to 128 gains 1.5x, within noise of Startup's
        // bar for two doublings (1.25^2): it may stop at the maximum, which
        // costs nothing on a capped curve.
        ("knee48", 42..=128),
        ("declining", 4..=4),
    ] {
        let (curve, best) = shape(name);
        let mut in_range = 0;
        for seed in 1..=20 {
            let mut ctl = AutoController::new(AutoConfig::default());
            let mut rng = seeded(seed);
            let mut level = ctl.start_level();
            for _ in 0..200 {
                let x = noisy(&mut rng, curve(level), 1, 0.10, 0.0)[0];
                level = ctl.observe(level, x);
            }
            let settled = ctl.settled().expect("settled");
            assert!(
                curve(settled) >= 0.8 * best,
                "{name} seed {seed}: {settled} {:?}",
                ctl.curve()
            );
            in_range += usize::from(range.contains(&settled));
        }
        assert!(in_range >= 18, "{name}: {in_range} of 20 in {range:?}");
    }
}
