//! Summary statistics: medians, quantiles, spreads, variation.
//!
//! Percentiles interpolate linearly between order statistics (Hyndman and
//! Fan 1996, "Sample quantiles in statistical packages", definition 7, the
//! default of R and NumPy). The robust coefficient of variation scales the
//! median absolute deviation by 1.4826 so that it estimates the standard
//! deviation of normal data (Rousseeuw and Croux 1993) while a few outlier
//! buckets barely move it. NaN samples are ignored everywhere.

/// Scale that turns a median absolute deviation into a standard deviation
/// estimate for normally distributed data.
pub const MAD_TO_SD: f64 = 1.4826;

/// The non-NaN values of `xs`, sorted ascending.
pub fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The `q`-quantile (0..=1) of already sorted, NaN-free values, linearly
/// interpolated (Hyndman and Fan type 7, as criterion's `Percentiles::at`);
/// NaN when empty.
pub fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Median of `xs` (mean of the two middle values for an even count); NaN
/// when `xs` holds no number.
pub fn median(xs: &[f64]) -> f64 {
    percentile(xs, 0.5)
}

/// Percentile `q` of `xs`, `q` a fraction in `0..=1` (0.5 = median,
/// 0.99 = p99), interpolated linearly; NaN when `xs` holds no number.
///
/// Passing a percentage such as 99.0 is a bug: debug builds panic on it,
/// release builds clamp it to 1.
pub fn percentile(xs: &[f64], q: f64) -> f64 {
    debug_assert!(
        (0.0..=1.0).contains(&q),
        "percentile takes a fraction in 0..=1, got {q}"
    );
    quantile_sorted(&sorted(xs), q)
}

/// Arithmetic mean of `xs`; NaN when `xs` holds no number.
pub fn mean(xs: &[f64]) -> f64 {
    let (sum, n) = xs
        .iter()
        .filter(|x| !x.is_nan())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Unbiased sample variance (n - 1 in the denominator); NaN with fewer than
/// two numbers.
pub fn variance(xs: &[f64]) -> f64 {
    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(&v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64
}

/// Sample standard deviation (n - 1 in the denominator); 0 with fewer than
/// two numbers, as a spread of nothing.
pub fn std_dev(xs: &[f64]) -> f64 {
    let v = variance(xs);
    if v.is_nan() { 0.0 } else { v.sqrt() }
}

/// Coefficient of variation, standard deviation / mean; 0 with fewer than
/// two numbers or a mean that is not positive.
pub fn cv(xs: &[f64]) -> f64 {
    let m = mean(xs);
    if m > 0.0 { std_dev(xs) / m } else { 0.0 }
}

/// Median absolute deviation from the median; NaN when `xs` holds no number.
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    let dev: Vec<f64> = xs
        .iter()
        .filter(|x| !x.is_nan())
        .map(|x| (x - m).abs())
        .collect();
    median(&dev)
}

/// Outlier-resistant coefficient of variation, 1.4826 x MAD / median; 0 with
/// fewer than two numbers or a median that is not positive.
pub fn robust_cv(xs: &[f64]) -> f64 {
    let m = median(xs);
    if xs.iter().filter(|x| !x.is_nan()).count() < 2 || m.is_nan() || m <= 0.0 {
        return 0.0;
    }
    MAD_TO_SD * mad(xs) / m
}

/// Pools per-group coefficients of variation `(cv, sample count)` into one,
/// weighting each squared CV by its degrees of freedom (n - 1), as a pooled
/// variance does; 0 when no group has two samples.
pub fn pooled_cv(groups: &[(f64, usize)]) -> f64 {
    let (num, den) = groups
        .iter()
        .filter(|(c, n)| *n >= 2 && c.is_finite())
        .fold((0.0, 0.0), |(num, den), (c, n)| {
            let dof = (*n - 1) as f64;
            (num + dof * c * c, den + dof)
        });
    if den > 0.0 { (num / den).sqrt() } else { 0.0 }
}

/// Median, smallest and largest of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Median (mean of the two middle samples for an even count).
    pub median: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

impl Spread {
    /// The spread of `samples`, ignoring non-finite values; `None` when none
    /// is left.
    pub fn of(samples: impl IntoIterator<Item = f64>) -> Option<Spread> {
        let v: Vec<f64> = samples.into_iter().filter(|x| x.is_finite()).collect();
        let v = sorted(&v);
        Some(Spread {
            median: quantile_sorted(&v, 0.5),
            min: *v.first()?,
            max: *v.last()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        let s = Spread::of([3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Spread::of([4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        assert!(Spread::of([f64::NAN]).is_none());
        assert!(Spread::of([]).is_none());
    }

    #[test]
    fn variance_matches_hand_computation() {
        // mean 5, squared deviations 9+1+1+9 = 20, / 3
        assert!((variance(&[2.0, 4.0, 6.0, 8.0]) - 20.0 / 3.0).abs() < 1e-12);
        assert!(variance(&[1.0]).is_nan());
    }

    #[test]
    fn type7_quantiles() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 1.0), 5.0);
        assert_eq!(quantile_sorted(&s, 0.5), 3.0);
        assert!((quantile_sorted(&s, 0.1) - 1.4).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn median_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
    }

    #[test]
    fn percentile_interpolates() {
        let xs: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(percentile(&xs, 0.0), 0.0);
        assert_eq!(percentile(&xs, 0.99), 99.0);
        assert_eq!(percentile(&xs, 1.0), 100.0);
        assert!((percentile(&[1.0, 2.0], 0.25) - 1.25).abs() < 1e-12);
    }

    #[test]
    #[should_panic(expected = "fraction")]
    #[cfg(debug_assertions)]
    fn percentile_rejects_percentages_in_debug() {
        percentile(&[1.0], 99.0);
    }

    #[test]
    fn mean_std_cv() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert_eq!(mean(&xs), 5.0);
        assert!((std_dev(&xs) - 2.138_089_935).abs() < 1e-6);
        assert!((cv(&xs) - 0.427_617_987).abs() < 1e-6);
        assert_eq!(cv(&[1.0]), 0.0);
        assert_eq!(cv(&[0.0, 0.0]), 0.0);
        assert!(mean(&[]).is_nan());
    }

    #[test]
    fn robust_cv_ignores_an_outlier() {
        let clean = [98.0, 99.0, 100.0, 101.0, 102.0, 100.0, 99.5, 100.5];
        let mut dirty = clean.to_vec();
        dirty.push(1000.0);
        assert!(cv(&dirty) > 1.0);
        assert!(robust_cv(&dirty) < 0.03, "{}", robust_cv(&dirty));
    }

    #[test]
    fn pooled_cv_weights_by_degrees_of_freedom() {
        assert_eq!(pooled_cv(&[]), 0.0);
        assert_eq!(pooled_cv(&[(0.5, 1)]), 0.0);
        let p = pooled_cv(&[(0.1, 11), (0.2, 2)]);
        let expect = ((10.0 * 0.01 + 0.04) / 11.0_f64).sqrt();
        assert!((p - expect).abs() < 1e-12);
    }
}
