//! `-P auto`: the [`AutoController`] driving the engine while it warms.

use std::time::Duration;

use preload_core::Controller;

use crate::{AutoConfig, AutoController};

/// Length of one control interval: a couple of 1 MiB reads per reader at
/// tens of MiB/s (the controller compares medians of several), short
/// enough that Startup spends about half a second per level.
pub const AUTO_INTERVAL: Duration = Duration::from_millis(100);

/// The engine-side face of [`AutoController`].
#[derive(Debug)]
pub struct AutoLevel {
    inner: AutoController,
    max_level: usize,
}

impl AutoLevel {
    /// A controller that may go up to `max_level` readers.
    pub fn new(max_level: usize) -> Self {
        Self::starting_at(max_level, None)
    }

    /// A controller that starts at `start` readers when `preload tune`
    /// saved a level for this filesystem (it then only confirms that level
    /// instead of climbing to it: on a knee of 48 the climb from 4 costs a
    /// fifth of a 4 s warm), else at the default start.
    pub fn starting_at(max_level: usize, start: Option<usize>) -> Self {
        let default = AutoConfig::default();
        let cfg = AutoConfig {
            max_level,
            start_level: start.unwrap_or(default.start_level),
            ..default
        };
        AutoLevel {
            inner: AutoController::new(cfg),
            max_level,
        }
    }
}

impl Controller for AutoLevel {
    fn initial_level(&self) -> usize {
        self.inner.start_level()
    }
    fn max_level(&self) -> usize {
        self.max_level
    }
    fn interval(&self) -> Duration {
        AUTO_INTERVAL
    }
    fn on_interval(&mut self, level: usize, mib_s: f64) -> usize {
        self.inner.on_interval(level, mib_s)
    }
    fn on_interval_busy(&mut self, level: usize, busy: (usize, usize), mib_s: f64) -> usize {
        self.inner.on_interval_busy(level, busy, mib_s)
    }
    fn settled(&self) -> Option<usize> {
        self.inner.settled()
    }
}
