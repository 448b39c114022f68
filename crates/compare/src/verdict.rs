//! Verdicts: what a confidence interval and a p-value say about a change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The outcome of comparing a new measurement with its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// Throughput fell by more than the noise threshold, significantly.
    #[serde(rename = "REGRESSED")]
    Regressed,
    /// Throughput rose by more than the noise threshold, significantly.
    #[serde(rename = "IMPROVED")]
    Improved,
    /// No change that can be told apart from noise.
    #[serde(rename = "WITHIN NOISE")]
    WithinNoise,
}

impl Verdict {
    /// The verdict as printed: `REGRESSED`, `IMPROVED` or `WITHIN NOISE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Regressed => "REGRESSED",
            Verdict::Improved => "IMPROVED",
            Verdict::WithinNoise => "WITHIN NOISE",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Verdict {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "REGRESSED" => Ok(Verdict::Regressed),
            "IMPROVED" => Ok(Verdict::Improved),
            "WITHIN NOISE" => Ok(Verdict::WithinNoise),
            other => Err(format!("unknown verdict {other:?}")),
        }
    }
}

/// Decides the verdict of a relative throughput change, after criterion.rs
/// `src/report.rs::compare_to_threshold` and its use in `src/analysis`: the
/// change counts only when the mean differs significantly (`p < significance`)
/// AND the whole confidence interval `[ci_low, ci_high]` lies beyond the noise
/// band `[-threshold, +threshold]`. An interval that touches the band is
/// within noise, however small the p-value.
///
/// Criterion compares times, where up is worse; preload compares
/// throughputs, where down is worse, so the signs are mirrored.
/// NaN inputs (too few values to say anything) give [`Verdict::WithinNoise`].
pub fn decide(
    ci_low: f64,
    ci_high: f64,
    p_value: f64,
    threshold: f64,
    significance: f64,
) -> Verdict {
    let significant = p_value < significance;
    if significant && ci_low < -threshold && ci_high < -threshold {
        Verdict::Regressed
    } else if significant && ci_low > threshold && ci_high > threshold {
        Verdict::Improved
    } else {
        Verdict::WithinNoise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_interval_below_the_band_and_significant_is_a_regression() {
        assert_eq!(decide(-0.6, -0.3, 0.001, 0.05, 0.05), Verdict::Regressed);
        assert_eq!(decide(0.3, 0.6, 0.001, 0.05, 0.05), Verdict::Improved);
    }

    #[test]
    fn an_interval_touching_the_band_is_within_noise() {
        assert_eq!(decide(-0.6, -0.04, 0.001, 0.05, 0.05), Verdict::WithinNoise);
        assert_eq!(decide(0.04, 0.6, 0.001, 0.05, 0.05), Verdict::WithinNoise);
        assert_eq!(decide(-0.1, 0.1, 0.001, 0.05, 0.05), Verdict::WithinNoise);
    }

    #[test]
    fn not_significant_is_within_noise_whatever_the_interval() {
        assert_eq!(decide(-0.6, -0.3, 0.2, 0.05, 0.05), Verdict::WithinNoise);
        assert_eq!(
            decide(-0.6, -0.3, f64::NAN, 0.05, 0.05),
            Verdict::WithinNoise
        );
        assert_eq!(
            decide(f64::NAN, f64::NAN, 0.0, 0.05, 0.05),
            Verdict::WithinNoise
        );
    }

    #[test]
    fn display_and_parse_round_trip() {
        for v in [Verdict::Regressed, Verdict::Improved, Verdict::WithinNoise] {
            assert_eq!(v.to_string().parse::<Verdict>(), Ok(v));
        }
        assert_eq!(Verdict::WithinNoise.to_string(), "WITHIN NOISE");
        assert_eq!(
            serde_json::to_string(&Verdict::WithinNoise).unwrap(),
            "\"WITHIN NOISE\""
        );
    }
}
