//! The statistics behind a comparison: medians, percentile bootstrap
//! confidence intervals, and Welch's t-test.
//!
//! The method is criterion.rs's (`src/analysis/compare.rs`, `estimates` and
//! `t_test`): the relative change of a statistic between two samples is
//! bootstrapped by resampling *each* sample independently with replacement
//! (Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 8, the
//! two-sample problem), its confidence interval is the percentile interval of
//! the bootstrap distribution (ibid. ch. 13), and the null hypothesis "same
//! mean" is tested with a two-sample t-test. Criterion bootstraps the null
//! distribution of the t statistic; we use its analytic distribution instead,
//! Welch's test with the Welch–Satterthwaite degrees of freedom (B. L. Welch,
//! "The generalization of Student's problem when several different population
//! variances are involved", Biometrika 34, 1947), whose CDF comes from
//! `statrs`. The statistic compared is the median, robust to the odd slow run.

use rand::Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The median of `sample` (the mean of the two middle values for an even
/// length); NaN for an empty sample.
pub fn median(sample: &[f64]) -> f64 {
    let mut buf = sample.to_vec();
    median_mut(&mut buf)
}

/// The median of `buf`, reordering it; NaN when it is empty.
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

/// Arithmetic mean; NaN for an empty sample.
pub fn mean(sample: &[f64]) -> f64 {
    sample.iter().sum::<f64>() / sample.len() as f64
}

/// Unbiased sample variance (n - 1 in the denominator); NaN below 2 values.
pub fn variance(sample: &[f64]) -> f64 {
    let n = sample.len();
    if n < 2 {
        return f64::NAN;
    }
    let m = mean(sample);
    sample.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64
}

/// The `q`-quantile (0..=1) of an ascending `sorted` slice, with linear
/// interpolation between order statistics (Hyndman & Fan 1996, type 7, as
/// criterion's `Percentiles::at`); NaN when empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            sorted[lo] + (sorted[hi] - sorted[lo]) * frac
        }
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
fn resample_into<R: Rng + ?Sized>(sample: &[f64], buf: &mut Vec<f64>, rng: &mut R) {
    buf.clear();
    buf.extend((0..sample.len()).map(|_| sample[rng.random_range(0..sample.len())]));
}

/// Bootstrap confidence interval of the relative change of the median,
/// `median(new) / median(base) - 1`, from `resamples` independent resamples
/// of each sample (criterion's `univariate::bootstrap` of two samples).
pub fn relative_change_ci<R: Rng + ?Sized>(
    base: &[f64],
    new: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut R,
) -> (f64, f64) {
    if base.is_empty() || new.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut b = Vec::with_capacity(base.len());
    let mut n = Vec::with_capacity(new.len());
    let distribution = (0..resamples)
        .map(|_| {
            resample_into(base, &mut b, rng);
            resample_into(new, &mut n, rng);
            median_mut(&mut n) / median_mut(&mut b) - 1.0
        })
        .collect();
    percentile_interval(distribution, confidence)
}

/// Bootstrap percentile confidence interval of the median of `sample`.
pub fn median_ci<R: Rng + ?Sized>(
    sample: &[f64],
    resamples: usize,
    confidence: f64,
    rng: &mut R,
) -> (f64, f64) {
    if sample.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut buf = Vec::with_capacity(sample.len());
    let distribution = (0..resamples)
        .map(|_| {
            resample_into(sample, &mut buf, rng);
            median_mut(&mut buf)
        })
        .collect();
    percentile_interval(distribution, confidence)
}

/// The measured noise of a sample's median, as a fraction of the median: the
/// half-width of its bootstrap confidence interval divided by the median.
/// A change smaller than this cannot be told apart from re-measuring the
/// same storage. 0 when the median is not positive.
pub fn relative_noise<R: Rng + ?Sized>(
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

/// Two-sided p-value of Welch's unequal-variances t-test of "same mean"
/// (Welch 1947; degrees of freedom by Welch–Satterthwaite). Both samples need
/// at least two values (NaN otherwise). When neither sample varies the
/// answer is exact: 1 for equal means, 0 for different ones.
pub fn welch_p_value(a: &[f64], b: &[f64]) -> f64 {
    if a.len() < 2 || b.len() < 2 {
        return f64::NAN;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (variance(a) / na, variance(b) / nb);
    let diff = mean(a) - mean(b);
    let se2 = va + vb;
    if se2.is_nan() || se2 <= 0.0 {
        return if diff == 0.0 { 1.0 } else { 0.0 };
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => (2.0 * dist.sf(t.abs())).min(1.0),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn median_of_odd_and_even_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn variance_matches_hand_computation() {
        // mean 5, squared deviations 9+1+1+9 = 20, / 3
        assert!(close(variance(&[2.0, 4.0, 6.0, 8.0]), 20.0 / 3.0, 1e-12));
    }

    #[test]
    fn type7_quantiles() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 5.0);
        assert_eq!(quantile_sorted(&s, 0.5), 3.0);
        assert!(close(quantile_sorted(&s, 0.1), 1.4, 1e-12));
    }

    #[test]
    fn welch_p_value_matches_closed_forms() {
        // a = [1, 3], b = [5, 7]: t = -4 / sqrt(2), df = 2, and for 2 degrees
        // of freedom the two-sided p-value is 1 - |t| / sqrt(2 + t^2).
        let t: f64 = 4.0 / 2f64.sqrt();
        let exact = 1.0 - t / (2.0 + t * t).sqrt();
        let p = welch_p_value(&[1.0, 3.0], &[5.0, 7.0]);
        assert!(close(p, exact, 1e-9), "p = {p}, exact {exact}");
        // 1..=5 against 3..=7: t = -2, df = 8; p = 0.0805162 by numerical
        // integration of the t density.
        let p = welch_p_value(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 4.0, 5.0, 6.0, 7.0]);
        assert!(close(p, 0.080_516_2, 1e-6), "p = {p}");
    }

    #[test]
    fn welch_p_value_edge_cases() {
        assert_eq!(welch_p_value(&[1.0, 1.0], &[1.0, 1.0]), 1.0);
        assert_eq!(welch_p_value(&[1.0, 1.0], &[2.0, 2.0]), 0.0);
        assert!(welch_p_value(&[1.0], &[2.0, 3.0]).is_nan());
    }

    #[test]
    fn constant_samples_have_an_exact_change_interval() {
        let mut rng = StdRng::seed_from_u64(1);
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
        let mut rng = StdRng::seed_from_u64(7);
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
        let mut rng = StdRng::seed_from_u64(3);
        let (lo, hi) = relative_change_ci(&base, &new, 2_000, 0.95, &mut rng);
        assert!(lo < 0.2 && hi > 0.2, "[{lo}, {hi}]");
        assert!(hi - lo < 0.06, "[{lo}, {hi}]");
    }
}
