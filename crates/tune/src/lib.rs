//! preload-tune: how many parallel readers a filesystem wants.
//!
//! Two halves. The private module `decide` holds the decision
//! logic of `preload tune` and `preload warm -P auto`, free of I/O so every
//! rule is unit-tested on synthetic curves:
//! - [`choose_knee`]: the smallest parallelism whose median throughput is
//!   within a noise-aware tolerance of the best, with a bootstrap confidence;
//! - diagnostics that explain the curve but never decide it: [`fit_usl`]
//!   (Universal Scalability Law), [`kneedle`] and [`littles_law`];
//! - [`SweepPlan`]: which level the probe driver measures next;
//! - [`AutoController`]: the online controller behind `-P auto`.
//!
//! The other half does I/O: [`SamplePool`] samples disjoint shards of a
//! tree, [`run_probe`] reads them at one level, [`tune`] drives the sweep,
//! [`AutoLevel`] plugs the controller into the engine, and [`ProfileStore`]
//! remembers the result per filesystem. Statistics come from
//! `preload-stats` (re-exported as [`stats`]).

mod choice;
mod chunks;
mod decide;
mod methods;
mod online;
mod probe;
mod profile;
mod sample;
mod sweep;
mod tuner;

// The driver modules name the pure ones by their old paths.
#[cfg(test)]
use decide::testkit;
use decide::{auto, knee, kneedle, little, usl};
pub use preload_stats as stats;

pub use auto::{AutoConfig, AutoController};
pub use choice::{AUTO_MAX_LEVEL, SavedLevel, saved_level};
pub use knee::{KneeChoice, KneeConfig, LevelSamples, MAX_TOLERANCE, choose_knee};
pub use kneedle::kneedle;
pub use little::{little_utilisation, littles_law};
pub use online::{AUTO_INTERVAL, AutoLevel};
pub use probe::{ProbeSettings, cut_buckets, run_probe};
pub use profile::{Profile, ProfileError, ProfileStore};
pub use sample::SamplePool;
pub use sweep::{NextProbe, SweepConfig, SweepPlan};
pub use tuner::{
    DEFAULT_MAX_LEVEL, SAVE_CONFIDENCE, TuneConfig, TuneError, default_byte_budget, tune,
};
pub use usl::fit_usl;
