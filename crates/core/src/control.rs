//! Who decides how many workers read at once: the [`Controller`] trait.
//!
//! The engine asks its controller once per control interval, passing the
//! throughput measured over it. [`FixedLevel`] always answers the same; the
//! online tuner behind `-P auto` lives in `preload-tune` and implements this
//! trait, so the engine knows nothing about tuning policy.

use std::time::Duration;

/// Decides the parallelism while a run goes on.
pub trait Controller: Send {
    /// Told the plan's size once, before [`Controller::initial_level`] is
    /// asked, so a controller may start from it (default: ignored).
    fn plan_bytes(&mut self, _bytes: u64) {}
    /// Workers reading when the run starts.
    fn initial_level(&self) -> usize;
    /// The most workers the controller will ever ask for (the pool size).
    fn max_level(&self) -> usize;
    /// How often [`Controller::on_interval`] is called.
    fn interval(&self) -> Duration;
    /// What the engine saw over the interval just ended; returns the level
    /// for the next one. Not called once the work queue has drained (the
    /// tail would read as a slowdown).
    fn on_interval(&mut self, seen: &Interval) -> usize;
    /// The level the controller settled on, if it has.
    fn settled(&self) -> Option<usize> {
        None
    }
}

/// One control interval, as the engine measured it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Workers asked to read during the interval.
    pub level: usize,
    /// The fewest and most workers seen reading a chunk during it: after a
    /// level change, workers above a lowered level stop at their next read
    /// call and new workers of a raised one start, so `busy != (level,
    /// level)` means the interval mixed levels.
    pub busy: (usize, usize),
    /// Throughput over the interval, MiB/s.
    pub mib_s: f64,
}

/// A constant parallelism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedLevel(pub usize);

impl Controller for FixedLevel {
    fn initial_level(&self) -> usize {
        self.0.max(1)
    }
    fn max_level(&self) -> usize {
        self.0.max(1)
    }
    fn interval(&self) -> Duration {
        Duration::from_millis(250)
    }
    fn on_interval(&mut self, _: &Interval) -> usize {
        self.0.max(1)
    }
    fn settled(&self) -> Option<usize> {
        Some(self.0.max(1))
    }
}
