//! The pick against warm's default level, side by side, before it is saved.
//!
//! The curve measures its levels one after another, so storage whose rate
//! changes during a tune tilts it. On the loopback GlusterFS's 8 GiB tree a
//! cold warm at one reader read about 430 MiB/s for its first 9 s and 160
//! after (reports/2026-12-02-vm/default-check); the sweep's first probes
//! (-P 1, 2) fell in the fast part, a tune saved -P 1 at confidence 0.99,
//! and warm with that profile took 44 s where the default -P 16 took 29-33.
//! A pick below the default level is therefore measured against it in
//! alternating windows (pick, default, default, pick: a drift linear in
//! time weighs both sides alike) and saved only when the default level did
//! not read more than the knee's tolerance faster. A profile exists to make
//! warm faster than its default; this is the one comparison that says so.

use std::time::Duration;

use preload_core::{CancelToken, DEFAULT_PARALLELISM};
use preload_schema::name::escaped;
use preload_schema::{DefaultCheck, Probe, ProbePhase, Recommendation};

use super::TuneConfig;
use super::curve::{MIB, least_bytes};
use crate::KneeChoice;
use crate::probe::{ProbeConfig, overrun, run_probe};
use crate::sample::SamplePool;
use crate::stats;

/// Which level each window measures: false = the pick, true = the default.
const WINDOWS: [bool; 4] = [false, true, true, false];

/// Windows the check runs, for budgeting it.
pub(super) const WINDOW_COUNT: usize = WINDOWS.len();

/// What the check measured and the probes it ran (kept out of the curve).
pub(super) struct Outcome {
    pub(super) check: DefaultCheck,
    pub(super) probes: Vec<Probe>,
}

/// What the check may spend: what is left of the tune's budgets (bytes as
/// the storage serves them), the length of one window, the readahead guard
/// of the probes, and what each reader had read ahead when the curve's
/// probes stopped ([`super::spent::Spent::ahead_per_reader`]).
pub(super) struct Allowance {
    pub(super) time: Duration,
    pub(super) bytes: u64,
    pub(super) window: Duration,
    pub(super) guard: u64,
    pub(super) ahead_per_reader: u64,
}

impl Allowance {
    /// The most a window at `level` makes the storage serve.
    fn most_served(&self, window: &ProbeConfig, level: usize) -> u64 {
        window.most_read(level) + level as u64 * self.ahead_per_reader
    }
}

/// Checks `choice`'s knee against warm's default level within `allowance`:
/// None, with a warning saying why, when the budgets leave no room for it
/// (the pick then goes unchecked), or when cancelled.
pub(super) fn run(
    pool: &mut SamplePool,
    choice: &KneeChoice,
    cfg: &TuneConfig,
    allowance: &Allowance,
    warnings: &mut Vec<String>,
    cancel: &CancelToken,
) -> Option<Outcome> {
    let window = |level, mib_s| window(cfg, allowance, pool.unit_size(), level, mib_s);
    let pick_window = window(choice.knee, choice.knee_median);
    // The default level reads at most about the best the curve saw.
    let default_window = window(DEFAULT_PARALLELISM, choice.best_median);
    let needed = 2
        * (allowance.most_served(&pick_window, choice.knee)
            + allowance.most_served(&default_window, DEFAULT_PARALLELISM));
    let short = if allowance.time < allowance.window * WINDOW_COUNT as u32 {
        Some("the time budget was spent")
    } else if needed > allowance.bytes {
        Some("the byte budget was spent")
    } else {
        None
    };
    if let Some(why) = short {
        warnings.push(format!(
            "-P {} was not checked against warm's default -P {DEFAULT_PARALLELISM} side by side \
             ({why}): a storage whose rate changed during the tune could make the saved level \
             slower than the default; a larger --time-budget and --byte-budget check it",
            choice.knee
        ));
        return None;
    }
    // Each window consumes the units its readers hold when it stops.
    let holding = |level: usize, w: &ProbeConfig| w.byte_limit + level as u64 * pool.unit_size();
    let fresh =
        2 * (holding(choice.knee, &pick_window) + holding(DEFAULT_PARALLELISM, &default_window));
    // Too little fresh data left: the check re-reads evicted data from the
    // start of the sample. Both levels read it alike, so a server cache
    // favours neither, and the comparisons at the knee that follow keep
    // the fresh data that is left.
    let mut reread;
    let pool = if pool.remaining_bytes() >= fresh {
        pool
    } else {
        warnings.push(format!(
            "{} holds too little fresh data to check -P {} against warm's default: the check \
             re-read evicted data",
            escaped(&cfg.path),
            choice.knee
        ));
        reread = pool.clone();
        reread.refill();
        &mut reread
    };
    against_default(
        pool,
        (choice.knee, &pick_window),
        (DEFAULT_PARALLELISM, &default_window),
        choice.tolerance,
        cancel,
    )
}

/// One window at `level`, expected to read `mib_s`: as long as the
/// allowance's window, reading what that takes, at most a quarter of the
/// allowed bytes with what its readers finish past its limit (the last calls
/// in flight: without them the four windows overran the budget by up to
/// 2 x 22 MiB) and what they read ahead (short windows at -P 16 served 7%
/// more than they counted, the curve's probes 2%), and never less than
/// measures.
fn window(
    cfg: &TuneConfig,
    allowance: &Allowance,
    unit: u64,
    level: usize,
    mib_s: f64,
) -> ProbeConfig {
    let wanted = (mib_s * MIB * allowance.window.as_secs_f64() * 1.25) as u64;
    let share = (allowance.bytes / WINDOW_COUNT as u64)
        .saturating_sub(overrun(cfg.buffer_size, level))
        .saturating_sub(level as u64 * allowance.ahead_per_reader);
    ProbeConfig {
        method: cfg.method,
        buffer_size: cfg.buffer_size,
        duration: allowance.window,
        byte_limit: wanted
            .min(share)
            .max(least_bytes(Some(mib_s), level, cfg).max(unit)),
        guard: allowance.guard,
    }
}

/// Runs the windows: `pick` with `pick_window`, `default_level` with
/// `default_window`. None when cancelled before the last window ended (a
/// partial check says nothing).
fn against_default(
    pool: &mut SamplePool,
    (pick, pick_window): (usize, &ProbeConfig),
    (default_level, default_window): (usize, &ProbeConfig),
    tolerance: f64,
    cancel: &CancelToken,
) -> Option<Outcome> {
    let mut probes = Vec::with_capacity(WINDOW_COUNT);
    let (mut at_pick, mut at_default) = (Vec::new(), Vec::new());
    for default in WINDOWS {
        if cancel.is_cancelled() {
            return None;
        }
        let (level, window) = if default {
            (default_level, default_window)
        } else {
            (pick, pick_window)
        };
        let probe = run_probe(pool, level, ProbePhase::Check, window, cancel);
        if default {
            at_default.push(probe.steady_mib_s);
        } else {
            at_pick.push(probe.steady_mib_s);
        }
        probes.push(probe);
    }
    if cancel.is_cancelled() {
        return None;
    }
    let holds = holds(&at_pick, &at_default, tolerance);
    Some(Outcome {
        check: DefaultCheck {
            level: pick,
            default_level,
            level_mib_s: at_pick,
            default_mib_s: at_default,
            holds,
        },
        probes,
    })
}

/// True unless the default level's windows read, on average, more than
/// `tolerance` faster than the pick's. A window that measured nothing (a
/// zero) counts as measured: a level that stalls loses; no figure at all
/// (NaN) on either side holds.
pub(super) fn holds(at_pick: &[f64], at_default: &[f64], tolerance: f64) -> bool {
    let (pick, default) = (stats::mean(at_pick), stats::mean(at_default));
    // Without a figure on either side there is nothing to hold against.
    default.partial_cmp(&((1.0 + tolerance) * pick)) != Some(std::cmp::Ordering::Greater)
}

/// Records `check` in the recommendation. One that failed halves the
/// confidence, adds its caveat and keeps the pick from being saved.
pub(super) fn apply(check: DefaultCheck, rec: &mut Recommendation, caveats: &mut Vec<String>) {
    if !check.holds {
        caveats.push(caveat(&check));
        rec.confidence *= 0.5;
        rec.profile_worthy = false;
    }
    rec.default_check = Some(check);
}

/// The caveat a failed check adds, with its figures.
fn caveat(check: &DefaultCheck) -> String {
    format!(
        "side by side in alternating windows, warm's default -P {} read {:.0} MiB/s and -P {} \
         {:.0}: the curve's pick does not hold against the default (the storage's rate changed \
         during the tune, or its probes were too short to show it), so it is not saved",
        check.default_level,
        stats::mean(&check.default_mib_s),
        check.level,
        stats::mean(&check.level_mib_s),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pick_holds_unless_the_default_is_faster_beyond_the_tolerance() {
        // GlusterFS's 8 GiB tree: -P 1 against -P 16 in the slow part.
        assert!(!holds(&[160.0, 170.0], &[250.0, 260.0], 0.15));
        // A plateau: the default reads as much, within the tolerance.
        assert!(holds(&[200.0, 210.0], &[215.0, 225.0], 0.15));
        // A declining curve: the default reads less.
        assert!(holds(&[200.0, 200.0], &[150.0, 140.0], 0.15));
        // A pick that measured nothing loses to a default that read.
        assert!(!holds(&[0.0, 0.0], &[100.0, 100.0], 0.15));
    }

    #[test]
    fn a_failed_check_halves_the_confidence_and_keeps_the_pick_from_being_saved() {
        let check = |holds| DefaultCheck {
            level: 1,
            default_level: 16,
            level_mib_s: vec![160.0, 170.0],
            default_mib_s: vec![250.0, 260.0],
            holds,
        };
        let worthy = || Recommendation {
            parallelism: 1,
            confidence: 0.99,
            profile_worthy: true,
            ..Recommendation::default()
        };
        let (mut rec, mut caveats) = (worthy(), Vec::new());
        apply(check(false), &mut rec, &mut caveats);
        assert!(!rec.profile_worthy);
        assert!((rec.confidence - 0.495).abs() < 1e-9, "{}", rec.confidence);
        assert_eq!(caveats.len(), 1);
        assert!(
            caveats[0].contains("-P 16 read 255 MiB/s and -P 1 165"),
            "{}",
            caveats[0]
        );
        assert_eq!(rec.default_check, Some(check(false)));

        let (mut rec, mut caveats) = (worthy(), Vec::new());
        apply(check(true), &mut rec, &mut caveats);
        assert!(rec.profile_worthy && caveats.is_empty());
        assert_eq!(rec.confidence, 0.99);
        assert_eq!(rec.default_check, Some(check(true)));
    }

    #[test]
    fn a_window_fits_its_share_with_the_last_calls_and_the_readahead() {
        let cfg = TuneConfig::new(std::path::Path::new("."));
        let allowance = Allowance {
            time: Duration::from_secs(10),
            bytes: 600 << 20,
            window: Duration::from_secs(1),
            guard: 0,
            ahead_per_reader: 2 << 20,
        };
        // The storage could deliver far more than the share in a window.
        // The levels a check measures: a pick below 16, and 16.
        for level in [1, 6, 15, 16] {
            let w = window(&cfg, &allowance, 4 << 20, level, 2000.0);
            let served = allowance.most_served(&w, level);
            assert!(
                served <= allowance.bytes / WINDOW_COUNT as u64,
                "-P {level}: {served} of {}",
                allowance.bytes / WINDOW_COUNT as u64
            );
            assert!(w.byte_limit > served / 2, "-P {level}");
        }
    }

    #[test]
    fn the_windows_alternate_so_a_linear_drift_weighs_both_sides_alike() {
        // Window i reads 100 - 10 i at both levels: pick 100 and 70,
        // default 90 and 80; equal means, whatever the drift's slope.
        let (pick, default): (Vec<f64>, Vec<f64>) = (
            WINDOWS
                .iter()
                .enumerate()
                .filter(|(_, d)| !**d)
                .map(|(i, _)| 100.0 - 10.0 * i as f64)
                .collect(),
            WINDOWS
                .iter()
                .enumerate()
                .filter(|(_, d)| **d)
                .map(|(i, _)| 100.0 - 10.0 * i as f64)
                .collect(),
        );
        assert_eq!(stats::mean(&pick), stats::mean(&default));
        assert!(holds(&pick, &default, 0.0));
    }
}
