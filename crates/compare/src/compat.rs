//! Whether two results measured the same thing and may be compared.
//!
//! A comparison is only meaningful when both runs read the same data set on
//! the same kind of filesystem in the same way with the same sample size;
//! otherwise a "regression" may be nothing but a changed setup. Every
//! difference is named, so the user knows what to re-run.

use preload_schema::{BenchResult, ResultFile, TuneResult};

use crate::CompareError;

/// Returns [`CompareError::Incomparable`] naming every difference between
/// `base` and `new` that makes them incomparable.
pub fn check(base: &ResultFile, new: &ResultFile) -> Result<(), CompareError> {
    let mut diffs = Vec::new();
    match (base, new) {
        (ResultFile::Tune(b), ResultFile::Tune(n)) => {
            common(&mut diffs, &b.context, &n.context, &b.dataset, &n.dataset);
            tune(&mut diffs, b, n);
        }
        (ResultFile::Bench(b), ResultFile::Bench(n)) => {
            common(&mut diffs, &b.context, &n.context, &b.dataset, &n.dataset);
            bench(&mut diffs, b, n);
        }
        _ => diffs.push(format!(
            "result kind differs (base {}, new {})",
            kind_of(base),
            kind_of(new)
        )),
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(CompareError::Incomparable {
            what: diffs.join("; "),
        })
    }
}

/// `tune` or `bench`.
pub fn kind_of(r: &ResultFile) -> &'static str {
    match r {
        ResultFile::Tune(_) => "tune",
        ResultFile::Bench(_) => "bench",
    }
}

/// Records `"{what} differs (base {b}, new {n})"` when `b != n`.
fn differ<T: PartialEq + std::fmt::Display>(diffs: &mut Vec<String>, what: &str, b: T, n: T) {
    if b != n {
        diffs.push(format!("{what} differs (base {b}, new {n})"));
    }
}

fn common(
    diffs: &mut Vec<String>,
    b: &preload_schema::RunContext,
    n: &preload_schema::RunContext,
    bd: &preload_schema::Dataset,
    nd: &preload_schema::Dataset,
) {
    differ(
        diffs,
        "filesystem type",
        &b.filesystem.fs_type,
        &n.filesystem.fs_type,
    );
    differ(diffs, "data set path", &bd.path, &nd.path);
    differ(diffs, "data set size in bytes", bd.bytes, nd.bytes);
    differ(diffs, "data set file count", bd.files, nd.files);
}

fn tune(diffs: &mut Vec<String>, b: &TuneResult, n: &TuneResult) {
    differ(diffs, "read method", &b.method, &n.method);
    differ(
        diffs,
        "sample size (tune byte budget)",
        b.budget.byte_limit,
        n.budget.byte_limit,
    );
}

fn bench(diffs: &mut Vec<String>, b: &BenchResult, n: &BenchResult) {
    differ(
        diffs,
        "sample size (runs per strategy)",
        b.config.runs,
        n.config.runs,
    );
    differ(
        diffs,
        "cold-cache method",
        &b.config.cold_method,
        &n.config.cold_method,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bench, tune};

    #[test]
    fn same_setup_is_comparable() {
        let a = tune("nfs4", &[(1, vec![10.0, 11.0])], 1, &[1]);
        assert!(check(&a, &a.clone()).is_ok());
    }

    #[test]
    fn different_filesystem_types_are_named() {
        let a = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        let b = bench("nfs4", &[("sequential", vec![1.0, 2.0])]);
        let e = check(&a, &b).unwrap_err().to_string();
        assert!(
            e.contains("filesystem type differs (base ext4, new nfs4)"),
            "{e}"
        );
    }

    #[test]
    fn every_difference_is_listed() {
        let a = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        let mut b = a.clone();
        if let ResultFile::Bench(r) = &mut b {
            r.dataset.bytes += 1;
            r.config.runs = 10;
        }
        let e = check(&a, &b).unwrap_err().to_string();
        assert!(e.contains("data set size in bytes differs"), "{e}");
        assert!(
            e.contains("sample size (runs per strategy) differs (base 2, new 10)"),
            "{e}"
        );
    }

    #[test]
    fn tune_and_bench_are_incomparable() {
        let a = tune("ext4", &[(1, vec![10.0, 11.0])], 1, &[1]);
        let b = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
        let e = check(&a, &b).unwrap_err().to_string();
        assert!(
            e.contains("result kind differs (base tune, new bench)"),
            "{e}"
        );
    }
}
