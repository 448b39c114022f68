//! The pure half of preload-tune: decisions on numbers already measured,
//! free of I/O, so every rule is unit-tested on synthetic curves.
//!
//! - [`knee`]: the smallest parallelism whose median throughput is within a
//!   noise-aware tolerance of the best; [`bootstrap`] its confidence; both
//!   apply the rule on medians in `knee_rule`;
//! - diagnostics that explain a curve but never decide it: [`usl`]
//!   (Universal Scalability Law), [`kneedle`] and [`little`] (Little's law);
//! - [`auto`]: the online controller's state machine behind `-P auto`;
//! - [`synthetic`]: seeded curves, noisy samples and a simulated `-P auto`
//!   warm for the tests, examples and benchmarks.
//!
//! The I/O half (sampling, probes, the sweep driver, saved profiles) lives
//! beside this module in the crate root.

pub(crate) mod auto;
mod auto_config;
pub(crate) mod bootstrap;
pub(crate) mod knee;
mod knee_rule;
pub(crate) mod kneedle;
pub(crate) mod little;
pub mod synthetic;
pub(crate) mod usl;
