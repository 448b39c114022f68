//! The regression history file (`--history FILE`): one CSV row per run,
//! so throughput and knee can be followed (and plotted by `preload report`)
//! over nights.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use preload_schema::{HistoryRow, ResultFile};

use crate::Verdict;
use crate::stats::median;

/// What `verdict` holds when a run had no baseline to compare with.
pub const NO_BASELINE: &str = "NO BASELINE";

/// Why the history file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Opening the file failed.
    #[error("cannot open history file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Writing or parsing a CSV row failed.
    #[error("history file {}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the CSV layer said.
        source: csv::Error,
    },
}

/// The history row of `result`, with `verdict` against its baseline
/// (`NO BASELINE` when there was none).
///
/// For a tune: the knee, the median throughput there, and at P=1. For a
/// bench: the level and median throughput of the `preload` strategy (or the
/// first `preload-*` one), and the median of `sequential`.
pub fn row_for(result: &ResultFile, verdict: Option<&Verdict>) -> HistoryRow {
    let ctx = result.context();
    let (kind, dataset, knee, knee_mib_s, single_mib_s) = match result {
        ResultFile::Tune(t) => (
            "tune",
            &t.dataset.path,
            Some(t.recommendation.parallelism),
            finite(t.recommendation.recommended_mib_s),
            t.recommendation.single_stream_mib_s.and_then(finite),
        ),
        ResultFile::Bench(b) => {
            let names = b.strategies();
            let preload = names
                .iter()
                .find(|s| *s == "preload")
                .or_else(|| names.iter().find(|s| s.starts_with("preload")));
            let level = preload.and_then(|p| {
                b.runs
                    .iter()
                    .find(|r| &r.strategy == p)
                    .and_then(|r| r.level)
            });
            (
                "bench",
                &b.dataset.path,
                level,
                preload.and_then(|p| finite(median(&b.samples_of(p)))),
                finite(median(&b.samples_of("sequential"))),
            )
        }
    };
    HistoryRow {
        date: ctx.date.clone(),
        host: ctx.host.clone(),
        fs_type: ctx.filesystem.fs_type.clone(),
        kind: kind.to_string(),
        dataset: dataset.clone(),
        knee,
        knee_mib_s,
        single_mib_s,
        verdict: verdict.map_or(NO_BASELINE.to_string(), |v| v.to_string()),
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Appends `row` to the CSV file at `path`, creating it with a header line
/// when it is new or empty.
pub fn append(path: &Path, row: &HistoryRow) -> Result<(), HistoryError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| HistoryError::Io {
            path: path.to_owned(),
            source,
        })?;
    let is_new = file
        .metadata()
        .map_err(|source| HistoryError::Io {
            path: path.to_owned(),
            source,
        })?
        .len()
        == 0;
    let csv_err = |source| HistoryError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(is_new)
        .from_writer(file);
    w.serialize(row).map_err(csv_err)?;
    w.flush().map_err(|e| csv_err(e.into()))?;
    Ok(())
}

/// Every row of the history file at `path`, oldest first.
pub fn read(path: &Path) -> Result<Vec<HistoryRow>, HistoryError> {
    let file = std::fs::File::open(path).map_err(|source| HistoryError::Io {
        path: path.to_owned(),
        source,
    })?;
    csv::Reader::from_reader(file)
        .deserialize()
        .collect::<Result<Vec<HistoryRow>, _>>()
        .map_err(|source| HistoryError::Csv {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bench, tune};

    #[test]
    fn tune_row_takes_knee_and_single_stream() {
        let t = tune(
            "nfs4",
            &[(1, vec![100.0, 110.0, 120.0]), (8, vec![700.0, 800.0])],
            8,
            &[8],
        );
        let row = row_for(&t, Some(&Verdict::Regressed));
        assert_eq!(row.kind, "tune");
        assert_eq!(row.fs_type, "nfs4");
        assert_eq!(row.knee, Some(8));
        assert_eq!(row.knee_mib_s, Some(750.0));
        assert_eq!(row.single_mib_s, Some(110.0));
        assert_eq!(row.verdict, "REGRESSED");
    }

    #[test]
    fn bench_row_takes_preload_and_sequential() {
        let b = bench(
            "ext4",
            &[
                ("sequential", vec![10.0, 30.0, 20.0]),
                ("preload", vec![90.0, 100.0]),
            ],
        );
        let row = row_for(&b, None);
        assert_eq!(row.kind, "bench");
        assert_eq!(row.knee, Some(16));
        assert_eq!(row.knee_mib_s, Some(95.0));
        assert_eq!(row.single_mib_s, Some(20.0));
        assert_eq!(row.verdict, NO_BASELINE);
    }

    #[test]
    fn append_writes_one_header_and_reads_back() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("history.csv");
        let b = bench("ext4", &[("sequential", vec![10.0, 30.0])]);
        let first = row_for(&b, None);
        let second = row_for(&b, Some(&Verdict::WithinNoise));
        append(&path, &first).unwrap();
        append(&path, &second).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("date,host,fs_type").count(), 1, "{text}");
        assert_eq!(
            text.lines().next().unwrap(),
            "date,host,fs_type,kind,dataset,knee,knee_mib_s,single_mib_s,verdict"
        );
        assert_eq!(read(&path).unwrap(), vec![first, second]);
    }

    #[test]
    fn missing_file_error_names_it() {
        let e = read(Path::new("/nonexistent/h.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/h.csv"), "{e}");
    }
}
