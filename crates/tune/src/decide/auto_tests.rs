//! Simulation harness for the `-P auto` controller: a fake engine runs a
//! synthetic curve with noise; the first interval after a level change
//! delivers the average of the old and new levels (readers ramping).

use super::*;
use crate::decide::testkit::{capped, noisy, retrograde, usl};
use preload_stats::seeded;

/// What one simulated warm did.
#[derive(Debug)]
struct Sim {
    settled: Option<usize>,
    saturated: Option<bool>,
    /// Intervals until it first settled.
    after: Option<usize>,
    /// Level changes after first settling.
    changes_after: usize,
    /// Level in effect at the end.
    last: usize,
    /// Level it first settled on.
    first: Option<usize>,
}

fn simulate(curve: &dyn Fn(usize) -> f64, cv: f64, seed: u64, cfg: AutoConfig, n: usize) -> Sim {
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
        level = ctl.on_interval(level, x);
        first = first.or(ctl.settled());
        if level != prev && ctl.settled_after().is_some() {
            changes_after += 1;
        }
    }
    Sim {
        settled: ctl.settled(),
        saturated: ctl.saturated(),
        after: ctl.settled_after(),
        changes_after,
        last: level,
        first,
    }
}

type Curve = Box<dyn Fn(usize) -> f64>;

/// Curves with the best throughput and the true knee (smallest level at
/// the best throughput, or at least 97% of it for the smooth USL curve).
fn curves() -> Vec<(&'static str, Curve, f64, usize)> {
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

/// "Within one step of the knee": the settled level delivers at least 80% of
/// the best, and is at most one doubling above the knee (plus a bisection
/// step), or within the first doubling above the start level 4 for a flat
/// curve (4 and 8 differ by noise alone there, and a reader too many costs
/// nothing on a flat curve).
fn acceptable(curve: &dyn Fn(usize) -> f64, best: f64, knee: usize, level: usize) -> bool {
    curve(level) >= 0.8 * best && level <= (2 * knee + knee / 4).max(8)
}

#[test]
fn settles_near_the_knee_clean_and_noisy() {
    for (name, curve, best, knee) in curves() {
        for (cv, seeds) in [(0.0, 1..=1), (0.10, 1..=20)] {
            for seed in seeds {
                let s = simulate(&*curve, cv, seed, AutoConfig::default(), 400);
                let level = s
                    .settled
                    .unwrap_or_else(|| panic!("{name} cv {cv} seed {seed}: never settled"));
                assert!(
                    acceptable(&*curve, best, knee, level),
                    "{name} cv {cv} seed {seed}: {s:?}"
                );
                assert!(
                    s.first.is_some_and(|f| acceptable(&*curve, best, knee, f)),
                    "{name} cv {cv} seed {seed}: {s:?}"
                );
                assert!(
                    acceptable(&*curve, best, knee, s.last),
                    "{name} cv {cv} seed {seed}: ended at {s:?}"
                );
                assert!(
                    s.after.is_some_and(|a| a <= 50),
                    "{name} cv {cv} seed {seed}: slow {s:?}"
                );
                assert!(
                    s.changes_after <= 16,
                    "{name} cv {cv} seed {seed}: oscillates {s:?}"
                );
                // The smooth USL curve gains 29% from 16 to 32, within noise
                // of Startup's 25% bar: Startup may stop at 32 without a level
                // above it, and then "not saturated" (at least 32) is honest.
                if !name.starts_with("USL") {
                    assert_eq!(s.saturated, Some(true), "{name} cv {cv} seed {seed}");
                }
            }
        }
    }
}

#[test]
fn linear_curve_runs_to_the_maximum_unsaturated() {
    let cfg = AutoConfig {
        max_level: 64,
        ..AutoConfig::default()
    };
    for seed in 1..=10 {
        let s = simulate(&|p| 50.0 * p as f64, 0.10, seed, cfg, 200);
        assert_eq!(
            (s.settled, s.saturated, s.last),
            (Some(64), Some(false), 64),
            "seed {seed}"
        );
        assert_eq!(s.changes_after, 0, "no probe above the maximum");
    }
}

#[test]
fn clean_cap_settles_exactly() {
    let s = simulate(&capped(400.0), 0.0, 1, AutoConfig::default(), 200);
    assert_eq!(s.settled, Some(8), "{s:?}");
    let s = simulate(&capped(600.0), 0.0, 1, AutoConfig::default(), 200);
    assert_eq!(s.settled, Some(12), "{s:?}");
}

#[test]
fn follows_a_curve_that_moves_up() {
    // The storage caps at 200 MiB/s, then (big files arrive) at 800.
    let mut ctl = AutoController::new(AutoConfig::default());
    let mut level = ctl.start_level();
    for i in 0..600 {
        let cap = if i < 100 { 200.0 } else { 800.0 };
        level = ctl.on_interval(level, (50.0 * level as f64).min(cap));
    }
    let level = ctl.settled().expect("settled");
    assert!((16..=20).contains(&level), "{level}: {:?}", ctl.curve());
}

#[test]
fn backs_off_when_the_level_turns_retrograde() {
    // Settles at 8 on a cap; later more than 6 readers thrash the storage.
    let mut ctl = AutoController::new(AutoConfig::default());
    let mut level = ctl.start_level();
    for i in 0..300 {
        let x = if i > 60 && level > 6 {
            200.0
        } else {
            (50.0 * level as f64).min(400.0)
        };
        level = ctl.on_interval(level, x);
    }
    assert_eq!(ctl.settled(), Some(6), "{:?}", ctl.curve());
}

#[test]
fn ignores_junk_and_foreign_levels() {
    let mut ctl = AutoController::new(AutoConfig {
        start_level: 1,
        ..AutoConfig::default()
    });
    assert_eq!(ctl.start_level(), 1);
    for _ in 0..10 {
        assert_eq!(ctl.on_interval(1, f64::NAN), 1);
        assert_eq!(ctl.on_interval(7, 100.0), 1);
    }
    assert_eq!(ctl.settled(), None);
    assert_eq!(ctl.intervals(), 20);
    let tiny = AutoController::new(AutoConfig {
        start_level: 9,
        max_level: 4,
        ..AutoConfig::default()
    });
    assert_eq!(tiny.start_level(), 4);
}

/// The simulation table; run with `--nocapture` to see it.
#[test]
fn print_simulation_table() {
    println!(
        "| curve | noise | first settled (20 seeds) | settled after 400 intervals | intervals to settle: median / max | changes after settling (400 intervals), max |"
    );
    for (name, curve, _, _) in curves() {
        for cv in [0.0, 0.10] {
            let sims: Vec<Sim> = (1..=20)
                .map(|s| simulate(&*curve, cv, s, AutoConfig::default(), 400))
                .collect();
            let histogram = |levels: Vec<usize>| {
                let mut levels = levels;
                levels.sort_unstable();
                let mut counts: Vec<(usize, usize)> = Vec::new();
                for l in levels {
                    match counts.last_mut() {
                        Some((v, c)) if *v == l => *c += 1,
                        _ => counts.push((l, 1)),
                    }
                }
                counts
            };
            let first = histogram(sims.iter().filter_map(|s| s.first).collect());
            let counts = histogram(sims.iter().filter_map(|s| s.settled).collect());
            let after: Vec<f64> = sims
                .iter()
                .filter_map(|s| s.after.map(|a| a as f64))
                .collect();
            let changes = sims.iter().map(|s| s.changes_after).max().unwrap_or(0);
            println!(
                "| {name} | {cv} | {first:?} | {counts:?} | {} / {} | {changes} |",
                stats::median(&after),
                after.iter().copied().fold(0.0, f64::max)
            );
        }
    }
}

/// A fake engine closer to the real one: readers above a lowered level
/// finish their chunk first (`wind_down` intervals at the old level and its
/// throughput), and a raise past the capacity starts with `burst` intervals
/// 50% above the curve (the storage spends credit it saved while the level
/// was below capacity, as simfs's token buckets do).
/// Returns the level it first settled on.
fn simulate_engine(
    curve: &dyn Fn(usize) -> f64,
    wind_down: usize,
    burst: usize,
    busy_aware: bool,
) -> Option<usize> {
    let mut ctl = AutoController::new(AutoConfig::default());
    let (mut level, mut busy) = (ctl.start_level(), ctl.start_level());
    let (mut winding, mut bursting) = (0, 0);
    for _ in 0..300 {
        let x = curve(busy) * if bursting > 0 { 1.5 } else { 1.0 };
        bursting = usize::saturating_sub(bursting, 1);
        let next = if busy_aware {
            ctl.on_interval_busy(level, (busy, busy), x)
        } else {
            ctl.on_interval(level, x)
        };
        if winding > 0 {
            winding -= 1;
            if winding == 0 {
                busy = level;
            }
        }
        if next < level && wind_down == 0 {
            busy = next;
        } else if next < level {
            winding = wind_down;
        } else if next > level {
            busy = next;
            if curve(next) <= curve(level) {
                bursting = burst;
            }
        }
        level = next;
        if let Some(s) = ctl.settled() {
            return Some(s);
        }
    }
    None
}

#[test]
fn a_lowered_level_is_measured_only_once_the_extra_readers_stopped() {
    // Startup overshoots to 64 on the USL curve (knee 32) and refines below
    // it; while 64's readers wind down, a lower level must not be credited
    // with 64's throughput (the simfs symptom: settling below the knee).
    let curve = usl(100.0, 0.03, 0.0005);
    let ideal = simulate_engine(&curve, 0, 0, true);
    assert_eq!(ideal, Some(32));
    assert_eq!(simulate_engine(&curve, 20, 0, true), ideal);
    let fooled = simulate_engine(&curve, 20, 0, false);
    assert!(fooled.is_some_and(|l| l < 32), "{fooled:?}");
}

#[test]
fn a_burst_after_raising_the_level_is_not_taken_for_capacity() {
    // Without the second look, the burst at 16 (cap 400, knee 8) reads as a
    // 50% gain and Startup doubles again.
    for burst in 0..=3 {
        let level = simulate_engine(&capped(400.0), 5, burst, true);
        assert_eq!(level, Some(8), "burst {burst}");
    }
}
