//! preload-tune: how many parallel readers a filesystem wants.
//!
//! The decision logic of `preload tune` and `preload warm -P auto`, free of
//! I/O so every rule is unit-tested on synthetic curves:
//! - [`choose_knee`]: the smallest parallelism whose median throughput is
//!   within a noise-aware tolerance of the best, with a bootstrap confidence;
//! - diagnostics that explain the curve but never decide it: [`fit_usl`]
//!   (Universal Scalability Law), [`kneedle`] and [`littles_law`];
//! - [`SweepPlan`]: which level the probe driver measures next;
//! - [`AutoController`]: the online controller behind `-P auto`.

mod auto;
mod bootstrap;
mod knee;
mod kneedle;
mod little;
mod methods;
mod online;
mod probe;
mod profile;
mod rng;
mod sample;
mod sweep;
#[cfg(test)]
mod testkit;
mod tuner;
mod usl;

pub mod stats;

pub use auto::{AutoConfig, AutoController};
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
