//! Settings of a comparison and the exit-code policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{CompareError, Comparison};

/// Exit code: no regression (or no change, with [`FailOn::AnyChange`]).
pub const EXIT_OK: i32 = 0;
/// Exit code: a regression (or any change, with [`FailOn::AnyChange`]).
pub const EXIT_REGRESSION: i32 = 1;
/// Exit code: an error, including runs that cannot be compared.
pub const EXIT_ERROR: i32 = 2;

/// How a comparison is made. [`Default`] gives criterion.rs's defaults,
/// except for the number of resamples (see [`CompareConfig::resamples`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompareConfig {
    /// Smallest relative change of median throughput that counts, e.g. 0.05
    /// for 5%. Each item uses the larger of this and the baseline's own
    /// measured noise.
    pub noise_threshold: f64,
    /// Confidence level of the bootstrap intervals, e.g. 0.95.
    pub confidence: f64,
    /// Bootstrap resamples per interval. 10 000 by default (criterion uses
    /// 100 000): the Monte Carlo error of a 2.5% percentile from 10 000 draws
    /// is about 0.16 percentage points of probability, far below the width
    /// of the intervals that storage noise gives, and a tune with ten levels
    /// stays well under a second.
    pub resamples: usize,
    /// Significance level of the t-test, e.g. 0.05.
    pub significance: f64,
    /// Seed of the bootstrap's random numbers: the same inputs always give
    /// the same verdict.
    pub seed: u64,
    /// Compare results of interrupted runs too (with a note) instead of
    /// refusing them with [`crate::CompareError::Interrupted`].
    #[serde(default)]
    pub allow_interrupted: bool,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            noise_threshold: 0.05,
            confidence: 0.95,
            resamples: 10_000,
            significance: 0.05,
            seed: 0x5eed_cafe,
            allow_interrupted: false,
        }
    }
}

impl CompareConfig {
    /// Checks that every setting is in range.
    pub fn validate(&self) -> Result<(), CompareError> {
        let bad = |what: String| Err(CompareError::InvalidOptions { what });
        if !(self.noise_threshold >= 0.0 && self.noise_threshold < 1.0) {
            return bad(format!(
                "noise threshold {} is not in 0..1 (0.05 means 5%)",
                self.noise_threshold
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return bad(format!("confidence {} is not in 0..1", self.confidence));
        }
        if !(self.significance > 0.0 && self.significance < 1.0) {
            return bad(format!("significance {} is not in 0..1", self.significance));
        }
        if self.resamples < 100 {
            return bad(format!(
                "{} bootstrap resamples are too few (at least 100)",
                self.resamples
            ));
        }
        Ok(())
    }
}

/// What makes `preload compare` exit with [`EXIT_REGRESSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Only a regression (the default).
    #[default]
    Regressed,
    /// Any change: a regression, an improvement or a knee shift.
    AnyChange,
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailOn::Regressed => "regressed",
            FailOn::AnyChange => "any-change",
        })
    }
}

impl FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "regressed" => Ok(FailOn::Regressed),
            "any-change" => Ok(FailOn::AnyChange),
            other => Err(format!(
                "unknown --fail-on value {other:?} (expected regressed or any-change)"
            )),
        }
    }
}

/// The process exit code for a finished comparison: [`EXIT_REGRESSION`] when
/// it regressed (or changed at all, with [`FailOn::AnyChange`]), else
/// [`EXIT_OK`]. Errors map to [`EXIT_ERROR`] in the caller.
pub fn exit_code(c: &Comparison, fail_on: FailOn) -> i32 {
    let fail = match fail_on {
        FailOn::Regressed => c.regressed(),
        FailOn::AnyChange => c.changed(),
    };
    if fail { EXIT_REGRESSION } else { EXIT_OK }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(CompareConfig::default().validate().is_ok());
        let o = CompareConfig {
            noise_threshold: 5.0,
            ..Default::default()
        };
        let e = o.validate().unwrap_err().to_string();
        assert!(e.contains("noise threshold 5"), "{e}");
        let o = CompareConfig {
            resamples: 10,
            ..Default::default()
        };
        assert!(o.validate().is_err());
    }

    #[test]
    fn fail_on_parses_its_flag_values() {
        assert_eq!("regressed".parse(), Ok(FailOn::Regressed));
        assert_eq!("any-change".parse(), Ok(FailOn::AnyChange));
        assert!("sometimes".parse::<FailOn>().is_err());
        assert_eq!(FailOn::AnyChange.to_string(), "any-change");
    }
}
