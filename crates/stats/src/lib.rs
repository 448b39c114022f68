//! preload-stats: every statistic preload computes, in one place.
//!
//! Tune, compare, report, bench and xtask all summarise samples of
//! throughput or time; they share these functions so that a median means the
//! same thing everywhere and a seed reproduces the same verdict on every
//! platform and every version.
//!
//! One NaN rule: NaN values are ignored (a sample is its numbers); a
//! statistic of a sample with no number is NaN, except spreads and
//! coefficients of variation, which are 0 when there is nothing to spread.
//!
//! One RNG: [`SplitMix64`] from `rand_xoshiro`, whose stream is fixed by its
//! algorithm, drawn through [`Draw`], whose derivations are ours, so neither
//! changes with a version of `rand`.

mod bootstrap;
mod rng;
mod summary;
mod welch;

pub use bootstrap::{
    median_ci, percentile_interval, relative_change_ci, relative_noise, resample_into,
};
pub use rng::{Draw, SplitMix64, seeded};
pub use summary::{
    MAD_TO_SD, Spread, cv, mad, mean, median, percentile, pooled_cv, quantile_sorted, robust_cv,
    sorted, std_dev, variance,
};
pub use welch::welch_p_value;
