//! The pure half of preload-tune: decisions on numbers already measured,
//! free of I/O, so every rule is unit-tested on synthetic curves.
//!
//! - [`knee`]: the smallest parallelism whose median throughput is within a
//!   noise-aware tolerance of the best; [`bootstrap`] its confidence;
//! - diagnostics that explain a curve but never decide it: [`usl`]
//!   (Universal Scalability Law), [`kneedle`] and [`little`] (Little's law);
//! - [`auto`]: the online controller's state machine behind `-P auto`.
//!
//! The I/O half (sampling, probes, the sweep driver, saved profiles) lives
//! beside this module in the crate root.

pub(crate) mod auto;
mod auto_config;
pub(crate) mod bootstrap;
pub(crate) mod knee;
pub(crate) mod kneedle;
pub(crate) mod little;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod usl;
