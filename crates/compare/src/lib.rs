//! Storage regression testing for preload: compare a new tune or bench
//! result with a stored baseline and say, with statistics, whether the
//! storage got slower.
//!
//! - [`compare`] checks that the two results are comparable
//!   ([`CompareError::Incomparable`] says what differs), then compares each
//!   parallelism level (tune) or strategy (bench): a bootstrap confidence
//!   interval of the relative change of median throughput and Welch's t-test,
//!   decided like criterion.rs's `compare_to_threshold` ([`decide`]).
//! - [`Comparison`] renders as a terminal table, JSON and Markdown, and maps
//!   to an exit code with [`exit_code`].
//! - [`baseline`] stores and finds named baselines; [`history`] appends one
//!   CSV row per run.
//!
//! ```
//! use preload_compare::{compare, exit_code, CompareConfig, FailOn};
//! # fn demo(base: &preload_schema::ResultFile, new: &preload_schema::ResultFile) {
//! match compare(base, new, &CompareConfig::default()) {
//!     Ok(c) => {
//!         print!("{}", c.to_table());
//!         std::process::exit(exit_code(&c, FailOn::Regressed));
//!     }
//!     Err(e) => {
//!         eprintln!("error: {e}");
//!         std::process::exit(preload_compare::EXIT_ERROR);
//!     }
//! }
//! # }
//! ```

pub mod baseline;
mod comparison;
mod compat;
mod config;
#[cfg(test)]
mod fixtures;
pub mod history;
mod render;
pub use preload_stats as stats;
mod verdict;

pub use comparison::{Comparison, ItemComparison, KneeShift, compare};
pub use config::{CompareConfig, EXIT_ERROR, EXIT_OK, EXIT_REGRESSION, FailOn, exit_code};
pub use verdict::{Verdict, decide};

/// Why two results could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The runs measured different things; `what` lists every difference.
    #[error("runs are not comparable: {what}")]
    Incomparable {
        /// What differs, e.g. `filesystem type differs (base ext4, new nfs4)`.
        what: String,
    },
    /// A run was interrupted (`interrupted: true` in its result) and
    /// [`CompareConfig::allow_interrupted`] is off: its figures cover only
    /// part of the measurement, so any verdict on them would mislead.
    #[error(
        "the {which} was interrupted, so it holds only part of the measurement; \
         re-run it, or pass --allow-interrupted to compare anyway"
    )]
    Interrupted {
        /// `baseline run`, `new run`, or `baseline and new runs`.
        which: &'static str,
    },
    /// A setting of [`CompareConfig`] is out of range.
    #[error("invalid comparison settings: {what}")]
    InvalidOptions {
        /// Which setting, and why.
        what: String,
    },
}
