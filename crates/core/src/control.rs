//! Who decides how many workers read at once: the [`Controller`] trait.
//!
//! The engine asks its controller once per control interval, passing the
//! throughput measured over it. [`FixedLevel`] always answers the same; the
//! online tuner behind `-P auto` lives in `preload-tune` and implements this
//! trait, so the engine knows nothing about tuning policy.

use std::time::Duration;

/// Decides the parallelism while a run goes on.
pub trait Controller: Send {
    /// Workers reading when the run starts.
    fn initial_level(&self) -> usize;
    /// The most workers the controller will ever ask for (the pool size).
    fn max_level(&self) -> usize;
    /// How often [`Controller::on_interval`] is called.
    fn interval(&self) -> Duration;
    /// Throughput (MiB/s) over the interval just ended, while `level` workers
    /// were reading; returns the level for the next interval. Not called
    /// once the work queue has drained (the tail would read as a slowdown).
    fn on_interval(&mut self, level: usize, mib_s: f64) -> usize;
    /// Like [`Controller::on_interval`], with the fewest and most workers
    /// seen reading a chunk during the interval (`busy`): after a level
    /// change, workers above a lowered level stop at their next read call
    /// and new workers of a raised one start, so an interval with
    /// `busy != (level, level)` mixed levels. The engine calls
    /// this method; the default ignores `busy`.
    fn on_interval_busy(&mut self, level: usize, busy: (usize, usize), mib_s: f64) -> usize {
        let _ = busy;
        self.on_interval(level, mib_s)
    }
    /// The level the controller settled on, if it has.
    fn settled(&self) -> Option<usize> {
        None
    }
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
    fn on_interval(&mut self, _level: usize, _mib_s: f64) -> usize {
        self.0.max(1)
    }
    fn settled(&self) -> Option<usize> {
        Some(self.0.max(1))
    }
}
