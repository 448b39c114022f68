//! Welch's unequal-variances t-test (B. L. Welch, "The generalization of
//! Student's problem when several different population variances are
//! involved", Biometrika 34, 1947), with the Welch–Satterthwaite degrees of
//! freedom and the Student t CDF from `statrs`.

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::summary::{mean, sorted, variance};

/// Two-sided p-value of Welch's unequal-variances t-test of "same mean"
/// (Welch 1947; degrees of freedom by Welch–Satterthwaite). Both samples need
/// at least two values (NaN otherwise). When neither sample varies the
/// answer is exact: 1 for equal means, 0 for different ones.
pub fn welch_p_value(a: &[f64], b: &[f64]) -> f64 {
    let (a, b) = (&sorted(a)[..], &sorted(b)[..]);
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

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
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
}
