//! Percentile bootstrap (Efron and Tibshirani, *An Introduction to the
//! Bootstrap*, 1993): confidence intervals of a median and of the relative
//! change of a median between two samples, each sample resampled
//! independently with replacement (ibid. ch. 8, the two-sample problem; the
//! method of criterion.rs's `univariate::bootstrap`), the interval being the
//! percentile interval of the bootstrap distribution (ibid. ch. 13).

use rand_core::RngCore;

use crate::rng::Draw;
use crate::summary::{median, quantile_sorted, sorted};

/// The median of `buf`, reordering it; NaN when it is empty. Quicker than a
/// sort for the thousands of medians a bootstrap takes.
fn median_mut(buf: &mut [f64]) -> f64 {
    let n = buf.len();
    if n == 0 {
        return f64::NAN;
    }
    let (left, mid, _) = buf.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *mid;
    if n % 2 == 1 {
        upper
    } else {
        let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// The percentile interval at `confidence` of a bootstrap distribution
/// (non-finite draws are dropped); `(NaN, NaN)` when nothing is left.
pub fn percentile_interval(mut distribution: Vec<f64>, confidence: f64) -> (f64, f64) {
    distribution.retain(|x| x.is_finite());
    distribution.sort_unstable_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    (
        quantile_sorted(&distribution, alpha),
        quantile_sorted(&distribution, 1.0 - alpha),
    )
}

/// Fills `buf` with a resample of `sample` drawn with replacement.
pub fn resample_into<R: RngCore + ?Sized>(sample: &[f64], buf: &mut Vec<f64>, rng: &mut R) {
    buf.clear();
    buf.extend((0..sample.len()).map(|_| sample[rng.below(sample.len())]));
}

/// Bootstrap confidence interval of the relative change of the median,
/// `median(new) / median(base) - 1`, from `resamples` independent resamples
/// of each sample (NaN values ignored).
pub fn relative_change_ci<R: RngCore + ?Sized>(
    base: &[f64],
    new: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut R,
) -> (f64, f64) {
    let (base, new) = (sorted(base), sorted(new));
    if base.is_empty() || new.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut b = Vec::with_capacity(base.len());
    let mut n = Vec::with_capacity(new.len());
    let distribution = (0..resamples)
        .map(|_| {
            resample_into(&base, &mut b, rng);
            resample_into(&new, &mut n, rng);
            median_mut(&mut n) / median_mut(&mut b) - 1.0
        })
        .collect();
    percentile_interval(distribution, confidence)
}

/// Bootstrap percentile confidence interval of the median of `sample`.
pub fn median_ci<R: RngCore + ?Sized>(
    sample: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut R,
) -> (f64, f64) {
    let sample = sorted(sample);
    if sample.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut buf = Vec::with_capacity(sample.len());
    let distribution = (0..resamples)
        .map(|_| {
            resample_into(&sample, &mut buf, rng);
            median_mut(&mut buf)
        })
        .collect();
    percentile_interval(distribution, confidence)
}

/// The measured noise of a sample's median, as a fraction of the median: the
/// half-width of its bootstrap confidence interval divided by the median.
/// A change smaller than this cannot be told apart from re-measuring the
/// same storage. 0 when the median is not positive.
pub fn relative_noise<R: RngCore + ?Sized>(
    sample: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut R,
) -> f64 {
    let m = median(sample);
    if m.is_nan() || m <= 0.0 {
        return 0.0;
    }
    let (lo, hi) = median_ci(sample, resamples, confidence, rng);
    let half = (hi - lo) / 2.0 / m;
    if half.is_finite() { half } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn median_mut_agrees_with_the_sorted_median() {
        let mut r = seeded(5);
        for n in 1..40 {
            let v: Vec<f64> = (0..n).map(|_| r.unit()).collect();
            assert_eq!(median_mut(&mut v.clone()), median(&v));
        }
    }

    #[test]
    fn constant_samples_have_an_exact_change_interval() {
        let mut rng = seeded(1);
        let (lo, hi) = relative_change_ci(&[100.0; 8], &[50.0; 8], 500, 0.95, &mut rng);
        assert!(close(lo, -0.5, 1e-12) && close(hi, -0.5, 1e-12));
        let noise = relative_noise(&[100.0; 8], 500, 0.95, &mut rng);
        assert_eq!(noise, 0.0);
    }

    #[test]
    fn five_value_median_interval_spans_min_to_max() {
        // For n = 5 a resampled median is <= the minimum with probability
        // P(Bin(5, 0.2) >= 3) = 5.8% > 2.5%, so the 95% percentile interval
        // is [min, max]: the half-width is (max - min) / 2 / median.
        let mut rng = seeded(7);
        let s = [90.0, 95.0, 100.0, 105.0, 110.0];
        let (lo, hi) = median_ci(&s, 20_000, 0.95, &mut rng);
        assert_eq!((lo, hi), (90.0, 110.0));
        let noise = relative_noise(&s, 20_000, 0.95, &mut rng);
        assert!(close(noise, 0.10, 1e-12), "noise {noise}");
    }

    #[test]
    fn large_sample_change_interval_covers_the_true_change() {
        // 400 values evenly spread over +-10% around 100 and 120: the true
        // change of the median is +20%, and the 95% interval is narrow.
        let base: Vec<f64> = (0..400).map(|i| 90.0 + 20.0 * i as f64 / 399.0).collect();
        let new: Vec<f64> = base.iter().map(|x| x * 1.2).collect();
        let mut rng = seeded(3);
        let (lo, hi) = relative_change_ci(&base, &new, 2_000, 0.95, &mut rng);
        assert!(lo < 0.2 && hi > 0.2, "[{lo}, {hi}]");
        assert!(hi - lo < 0.06, "[{lo}, {hi}]");
    }
}
