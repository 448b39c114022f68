//! Settings of the `-P auto` controller, apart from its state machine.

/// Settings of the `-P auto` controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutoConfig {
    /// First level (default 4: like BBR, start high; four readers cost
    /// little on a flat curve and halve the ramp on a steep one).
    pub start_level: usize,
    /// Largest level it may use (default [`crate::AUTO_MAX_LEVEL`]).
    pub max_level: usize,
    /// Intervals measured per level; their median is compared (default 4, so
    /// one transitional or outlier interval cannot decide).
    pub intervals_per_level: usize,
    /// Intervals discarded after each level change while readers ramp up or
    /// wind down (default 1).
    pub ramp_intervals: usize,
    /// Relative gain a doubling must bring to keep doubling, and a re-probe to
    /// be kept (default 0.25, BBR's Startup threshold).
    pub growth: f64,
    /// Fraction of the proportional gain that counts as "still linear"
    /// (default 0.75: 1.75x for a doubling). A level that scaled linearly
    /// from the one below is far under the knee: Startup then grows 4x, not
    /// 2x, and decides after `decisive_intervals` when every one of them
    /// shows it. On a capped curve an overshoot costs nothing, and Refine
    /// comes back down.
    pub linear_gain: f64,
    /// Intervals after which a level is decided early when all of them agree
    /// (default 2, when they agree within `growth`; see `linear_gain`, and a level where every interval is
    /// below the best lower one, or in Refine far below the best).
    pub decisive_intervals: usize,
    /// Relative fall at the settled level that triggers a probe lower (default 0.25).
    pub retrograde: f64,
    /// Smallest tolerance of the knee rule (default 0.05: while warming, a
    /// reader too many costs little, a reader too few costs throughput).
    pub min_tolerance: f64,
    /// Multiple of the pooled interval noise (robust CV) the tolerance must
    /// reach (default 1.5: the medians of a few intervals that the rule compares
    /// differ by about one interval CV from noise alone). The tolerance is
    /// capped at `growth / 2`, so a re-probe cannot undo a settled level.
    pub noise_factor: f64,
    /// Most bisection steps after Startup (default 3).
    pub max_refine: usize,
    /// Intervals at the settled level before the first probe upward (default 100).
    pub reprobe_after: usize,
    /// Intervals in a row whose busy workers did not match the level before
    /// one is measured anyway (default 30; see
    /// [`AutoController::observe_busy`](crate::AutoController::observe_busy)).
    pub max_transition: usize,
}

impl Default for AutoConfig {
    fn default() -> Self {
        Self {
            start_level: 4,
            max_level: crate::AUTO_MAX_LEVEL,
            intervals_per_level: 4,
            ramp_intervals: 1,
            growth: 0.25,
            linear_gain: 0.85,
            decisive_intervals: 2,
            retrograde: 0.25,
            min_tolerance: 0.05,
            noise_factor: 1.5,
            max_refine: 3,
            reprobe_after: 100,
            max_transition: 30,
        }
    }
}
