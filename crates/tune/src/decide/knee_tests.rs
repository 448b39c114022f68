//! Tests of the knee rule on the synthetic curves of the acceptance list,
//! each clean and with 10% noise plus 5% outlier buckets.

use super::*;
use crate::decide::synthetic::{capped, powers, retrograde, sample_curve, usl};

/// Clean: three identical samples per level.
fn clean(curve: impl Fn(usize) -> f64, levels: &[usize]) -> Vec<LevelSamples> {
    sample_curve(curve, levels, 3, 0.0, 0.0, 0)
}

/// Noisy: 30 buckets per level, CV 10%, 5% outliers.
fn noisy(curve: impl Fn(usize) -> f64, levels: &[usize], seed: u64) -> Vec<LevelSamples> {
    sample_curve(curve, levels, 30, 0.10, 0.05, seed)
}

fn choose(levels: &[LevelSamples]) -> KneeChoice {
    choose_knee(levels, &KneeConfig::default()).expect("samples")
}

/// Runs `check` over several noise seeds so one lucky draw cannot pass.
fn each_seed(f: impl Fn(u64)) {
    for seed in 1..=8 {
        f(seed);
    }
}

#[test]
fn empty_input_has_no_knee() {
    assert_eq!(choose_knee(&[], &KneeConfig::default()), None);
    let empty = [LevelSamples {
        level: 4,
        samples: vec![f64::NAN],
    }];
    assert_eq!(choose_knee(&empty, &KneeConfig::default()), None);
}

#[test]
fn hard_cap_at_power_of_two() {
    let c = choose(&clean(capped(400.0), &powers(64)));
    assert_eq!((c.knee, c.saturated, c.best_level), (8, true, 8));
    assert_eq!((c.confidence, c.knee_set.clone()), (1.0, vec![8]));
    assert!((c.tolerance - 0.10).abs() < 1e-12);
    each_seed(|s| {
        let c = choose(&noisy(capped(400.0), &powers(64), s));
        assert_eq!((c.knee, c.saturated), (8, true), "seed {s}: {c:?}");
        // The tolerance follows the noise of a median (~2% here), so
        // resamples sometimes prefer a noisy 16 or 32: confidence < 1.
        assert!(c.confidence >= 0.75, "seed {s}: {c:?}");
    });
}

#[test]
fn cap_between_levels_needs_the_level() {
    // Only powers of two: 16 is the smallest measured level at the cap.
    let c = choose(&clean(capped(600.0), &powers(64)));
    assert_eq!((c.knee, c.saturated), (16, true));
    // With the bisection levels 10, 12 and 14 measured, the rule finds 12
    // (10 gives 500, 17% below the best).
    let c = choose(&clean(capped(600.0), &[1, 2, 4, 8, 10, 12, 14, 16, 32, 64]));
    assert_eq!((c.knee, c.saturated), (12, true));
    each_seed(|s| {
        let c = choose(&noisy(capped(600.0), &[1, 2, 4, 8, 12, 16, 32], s));
        assert_eq!((c.knee, c.saturated), (12, true), "seed {s}: {c:?}");
        assert!(c.confidence >= 0.9, "seed {s}: {c:?}");
    });
}

#[test]
fn linear_to_the_maximum_is_not_saturated() {
    let linear = |p: usize| 50.0 * p as f64;
    let c = choose(&clean(linear, &powers(64)));
    assert_eq!((c.knee, c.saturated, c.best_level), (64, false, 64));
    assert!(c.to_recommendation(None).verdict.contains("at least 64"));
    each_seed(|s| {
        let c = choose(&noisy(linear, &powers(64), s));
        assert_eq!((c.knee, c.saturated), (64, false), "seed {s}: {c:?}");
    });
}

#[test]
fn flat_curve_knee_is_one() {
    let flat = |_| 300.0;
    let c = choose(&clean(flat, &powers(64)));
    assert_eq!((c.knee, c.saturated, c.confidence), (1, true, 1.0));
    each_seed(|s| {
        let c = choose(&noisy(flat, &powers(64), s));
        assert_eq!((c.knee, c.saturated), (1, true), "seed {s}: {c:?}");
        assert!(c.confidence >= 0.75, "seed {s}: {c:?}");
    });
}

#[test]
fn retrograde_curve_knee_is_at_the_peak() {
    let c = choose(&clean(retrograde, &powers(64)));
    assert_eq!((c.knee, c.saturated, c.best_level), (8, true, 8));
    each_seed(|s| {
        let c = choose(&noisy(retrograde, &powers(64), s));
        assert_eq!((c.knee, c.saturated), (8, true), "seed {s}: {c:?}");
    });
    // A USL curve with strong crosstalk peaks at 8 (404 MiB/s); 4 gives 323.
    let c = choose(&clean(usl(100.0, 0.02, 0.015), &powers(64)));
    assert_eq!((c.knee, c.saturated), (8, true));
}

#[test]
fn usl_shaped_curve() {
    // lambda 100, sigma 0.03, kappa 0.0005: 16 -> 1019, 32 -> 1319 (best), 64 -> 1305.
    let curve = usl(100.0, 0.03, 0.0005);
    let c = choose(&clean(&curve, &powers(64)));
    assert_eq!((c.knee, c.saturated, c.best_level), (32, true, 32));
    each_seed(|s| {
        let c = choose(&sample_curve(&curve, &powers(64), 30, 0.05, 0.05, s));
        assert_eq!((c.knee, c.saturated), (32, true), "seed {s}: {c:?}");
    });
}

#[test]
fn tolerance_follows_noise_but_is_capped() {
    let quiet = sample_curve(|_| 100.0, &[1, 2], 200, 0.02, 0.0, 3);
    assert!((choose(&quiet).tolerance - 0.10).abs() < 1e-12);
    // The noise that counts is a median's: 15% bucket noise over 200
    // buckets is ~1.3%, below the 10% floor...
    let noisy15 = sample_curve(|_| 100.0, &[1, 2], 200, 0.15, 0.0, 3);
    assert!((choose(&noisy15).tolerance - 0.10).abs() < 1e-12);
    // ...over 8 buckets it is ~6.6%, so twice that sets the tolerance...
    let few = sample_curve(|_| 100.0, &[1, 2], 8, 0.15, 0.0, 3);
    let t = choose(&few).tolerance;
    assert!((0.10..0.25).contains(&t) && t > 0.10, "{t}");
    // ...and wild noise over few buckets hits the cap.
    let wild = sample_curve(|_| 100.0, &[1, 2], 8, 0.6, 0.0, 3);
    assert_eq!(choose(&wild).tolerance, MAX_TOLERANCE);
    // Capped noise cannot make a level at half the best count as good.
    let mut v = sample_curve(|p| 100.0 * p as f64, &[1, 2], 200, 0.6, 0.0, 4);
    v[0].samples.iter_mut().for_each(|x| *x = x.min(120.0));
    assert_eq!(choose(&v).knee, 2);
}

#[test]
fn an_ambiguous_knee_has_low_confidence() {
    // 4's median (362) sits right at the 10% bar below 8's (400).
    let v = vec![
        LevelSamples {
            level: 2,
            samples: vec![200.0, 205.0, 195.0],
        },
        LevelSamples {
            level: 4,
            samples: vec![350.0, 355.0, 358.0, 362.0, 365.0, 368.0, 370.0],
        },
        LevelSamples {
            level: 8,
            samples: vec![395.0, 398.0, 400.0, 402.0, 405.0],
        },
        LevelSamples {
            level: 16,
            samples: vec![390.0, 399.0, 401.0],
        },
    ];
    let c = choose(&v);
    assert_eq!(c.knee, 4);
    assert!(c.confidence > 0.3 && c.confidence < 0.9, "{c:?}");
    assert_eq!(c.knee_set, vec![4, 8]);
    assert!(c.knee_set.contains(&c.knee));
}

#[test]
fn duplicates_are_pooled_and_junk_dropped() {
    let v = vec![
        LevelSamples {
            level: 2,
            samples: vec![200.0, f64::NAN],
        },
        LevelSamples {
            level: 1,
            samples: vec![100.0, -5.0],
        },
        LevelSamples {
            level: 2,
            samples: vec![200.0, f64::INFINITY],
        },
        LevelSamples {
            level: 4,
            samples: vec![],
        },
    ];
    let c = choose(&v);
    assert_eq!((c.knee, c.best_level, c.best_median), (2, 2, 200.0));
    assert!(!c.saturated, "2 still rose over 1");
}

#[test]
fn single_level_is_not_saturated() {
    let c = choose(&[LevelSamples {
        level: 1,
        samples: vec![5.0, 6.0],
    }]);
    assert_eq!((c.knee, c.saturated), (1, false));
}

#[test]
fn bootstrap_can_be_skipped_and_is_reproducible() {
    let v = noisy(capped(400.0), &powers(32), 11);
    let cfg = KneeConfig {
        resamples: 0,
        ..KneeConfig::default()
    };
    let c = choose_knee(&v, &cfg).expect("samples");
    assert_eq!((c.confidence, c.knee_set), (0.0, vec![8]));
    assert_eq!(choose(&v), choose(&v));
}

#[test]
fn recommendation_and_summary_carry_the_numbers() {
    let c = choose(&clean(capped(400.0), &powers(16)));
    let r = c.to_recommendation(Some(50.0));
    assert_eq!(
        (r.parallelism, r.best_mib_s, r.recommended_mib_s),
        (8, 400.0, 400.0)
    );
    assert!(r.verdict.starts_with("use -P 8:"), "{}", r.verdict);
    let s = LevelSamples {
        level: 3,
        samples: vec![1.0, 3.0, 2.0],
    }
    .summary(2, 1.5);
    assert_eq!(
        (s.level, s.probes, s.median_mib_s, s.min_mib_s, s.max_mib_s),
        (3, 2, 2.0, 1.0, 3.0)
    );
    assert_eq!(
        LevelSamples {
            level: 1,
            samples: vec![]
        }
        .summary(0, 0.0)
        .median_mib_s,
        0.0
    );
}
