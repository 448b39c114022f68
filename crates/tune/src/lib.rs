//! preload-tune: how many parallel readers a filesystem wants.
//!
//! Two halves, and only the second does I/O.
//!
//! Pure decisions on numbers already measured, unit-tested on synthetic
//! curves ([`synthetic`]): the private module `decide` holds
//! - [`choose_knee`]: the smallest parallelism whose median throughput is
//!   within a noise-aware tolerance of the best, with a bootstrap confidence;
//! - diagnostics that explain the curve but never decide it: [`fit_usl`]
//!   (Universal Scalability Law), [`kneedle`] and [`littles_law`];
//! - [`AutoController`]: the online controller behind `-P auto`;
//!
//! and beside it [`SweepPlan`] (which level to measure next),
//! [`saved_level`] (which level a warm takes from a profile) and the
//! private `evidence` (how far a tune's probes can be trusted: the rules
//! that lower its confidence) are pure too.
//!
//! I/O: [`SamplePool`] samples disjoint shards of a tree, [`run_probe`]
//! reads them at one level, [`tune`] drives the sweep, `AutoController`'s
//! `Controller` implementation plugs it into the engine, and [`ProfileStore`] reads and writes the
//! result per filesystem. Statistics come from `preload-stats` (re-exported
//! as [`stats`]).

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
use decide::{auto, knee, kneedle, little, usl};
pub use preload_stats as stats;

pub use auto::{AutoConfig, AutoController};
pub use choice::{
    AUTO_MAX_LEVEL, Beside, Choice, LevelRequest, Request, SavedLevel, choose, saved_level,
};
pub use chunks::DEFAULT_SCHEDULE;
pub use decide::synthetic;
pub use knee::{KneeChoice, KneeConfig, LevelSamples, MAX_TOLERANCE, choose_knee};
pub use kneedle::kneedle;
pub use little::{little_utilisation, littles_law};
pub use online::AUTO_INTERVAL;
pub use probe::{
    ProbeConfig, RAMP_FRACTION, READS_PER_READER, Window, completion_window, cut_buckets, ramp_of,
    run_probe,
};
pub use profile::{Profile, ProfileError, ProfileStore};
pub use sample::SamplePool;
pub use sweep::{NextProbe, SweepConfig, SweepPlan};
pub use tuner::{
    DEFAULT_MAX_LEVEL, SAVE_CONFIDENCE, TuneConfig, TuneError, default_byte_budget, tune,
};
pub use usl::fit_usl;
