//! The knee rule on one curve of medians: which level is the best, which is
//! the first within the tolerance of it, and whether the curve flattened.
//! Shared by [`super::knee`] (the point estimate) and the resamples of
//! [`super::bootstrap`], so neither of those imports the other.

/// Indexes of the knee and of the best among `medians` (ascending levels):
/// best = highest median (the smallest level on ties), knee = first within
/// `tol` of it.
pub(crate) fn knee_index(medians: &[f64], tol: f64) -> (usize, usize) {
    let mut best = 0;
    for (i, m) in medians.iter().enumerate() {
        if *m > medians[best] {
            best = i;
        }
    }
    let bar = (1.0 - tol) * medians[best];
    let knee = medians.iter().position(|m| *m >= bar).unwrap_or(best);
    (knee, best)
}

/// Whether the curve flattened within the levels measured: false when the
/// best is the largest level and the level below it is not within `tol`.
pub(crate) fn is_saturated(medians: &[f64], best: usize, tol: f64) -> bool {
    let last = medians.len() - 1;
    if best != last {
        return true;
    }
    last > 0 && medians[last - 1] >= (1.0 - tol) * medians[last]
}
