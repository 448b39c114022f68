//! Reports from preload results: charts, a Markdown summary and a
//! self-contained HTML page.
//!
//! [`write_report`] takes tune and bench result files ([`ReportInput`]) and
//! writes into an output directory:
//!
//! - `throughput-LABEL.{svg,png}`: throughput against parallelism of one
//!   tune (log2 axis), the spread at each level, the knee and the sequential
//!   level as a reference line;
//! - `throughput-compare.{svg,png}`: one throughput curve per tune file, when
//!   there are several (e.g. local disk against simfs against MooseFS);
//! - `coldstart-LABEL.{svg,png}`: cold-start time per strategy of one
//!   bench, median bars with min-max whiskers, warm and load parts stacked;
//! - `report.md`: the machine, filesystem and date of each result, tables and
//!   links to the charts; result files named relative to the report.
//!
//! Results are labelled by their short name (filesystem and dataset,
//! [`short_name`]) or the caller's label, and reported tunes first, each
//! kind sorted by label, so chart file names do not change with the order
//! of the arguments.
//! - `report.html`: the same, with the charts embedded (no external file).
//!
//! [`write_history_report`] plots a regression history (`HistoryRow`s) over
//! time into `history.{svg,png}` with the same Markdown and HTML pages.
//!
//! Text in the charts is drawn with an embedded font (DejaVu Sans), so a bare
//! machine without system fonts renders the PNGs the same way.
//!
//! ```no_run
//! use std::path::Path;
//! use preload_report::{ReportInput, ReportConfig, write_report};
//!
//! let input = ReportInput::load(Path::new("tune.json"))?;
//! let files = write_report(&[input], Path::new("report"), &ReportConfig::default())?;
//! println!("{}", files.markdown.display());
//! # Ok::<(), preload_report::ReportError>(())
//! ```

mod chart;
mod content;
mod doc;
mod error;
mod font;
mod format;
pub use format::count;
mod html;
mod label;
mod markdown;
mod redact;
pub mod summary;
mod tables;
mod write;

use std::path::{Path, PathBuf};

use preload_schema::{HistoryRow, ResultFile};

pub use error::ReportError;
pub use markdown::{bench_table, history_table, markdown_tables, tune_table};

/// One result file to report on.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Name of the result in legends, headings and chart file names, e.g.
    /// `ext4 realfs-model` or `MooseFS` (`preload report --label`).
    pub label: String,
    /// The file it was read from (named in the report relative to it).
    pub source: PathBuf,
    /// The result itself.
    pub result: ResultFile,
}

impl ReportInput {
    /// An input labelled by its short name (see [`short_name`]).
    pub fn new(source: PathBuf, result: ResultFile) -> ReportInput {
        ReportInput {
            label: short_name(&result),
            source,
            result,
        }
    }

    /// Reads and checks a result file; the label is its short name (see [`short_name`]).
    pub fn load(path: &Path) -> Result<ReportInput, ReportError> {
        let result = ResultFile::load(path)?;
        Ok(ReportInput::new(path.to_owned(), result))
    }

    /// The same input under `label`.
    pub fn with_label(self, label: impl Into<String>) -> ReportInput {
        ReportInput {
            label: label.into(),
            ..self
        }
    }
}

pub use label::short_name;

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportConfig {
    /// Title of the Markdown and HTML pages.
    pub title: String,
    /// Write PNG charts.
    pub png: bool,
    /// Write SVG charts.
    pub svg: bool,
    /// Leave out what names the machine: host names, and mount points and
    /// dataset paths but for their last two components (for reports that
    /// are published, e.g. committed to a repository).
    pub redact: bool,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            title: "preload report".to_owned(),
            png: true,
            svg: true,
            redact: false,
        }
    }
}

/// The files a report wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// The Markdown summary, `OUT/report.md`.
    pub markdown: PathBuf,
    /// The self-contained HTML page, `OUT/report.html`.
    pub html: PathBuf,
    /// Every chart file (SVG and PNG), in the order of the report.
    pub charts: Vec<PathBuf>,
    /// Problems that did not stop the report (also listed in it), e.g. a
    /// history row with an unreadable date.
    pub warnings: Vec<String>,
}

/// Writes charts, `report.md` and `report.html` for `inputs` into `out_dir`
/// (created when missing; files of the same names are replaced).
pub fn write_report(
    inputs: &[ReportInput],
    out_dir: &Path,
    opts: &ReportConfig,
) -> Result<ReportFiles, ReportError> {
    write::results(inputs, out_dir, opts)
}

/// Writes the history chart (throughput at the knee and at P=1, and the knee,
/// over time, regressions marked), `report.md` and `report.html` into `out_dir`.
pub fn write_history_report(
    rows: &[HistoryRow],
    out_dir: &Path,
    opts: &ReportConfig,
) -> Result<ReportFiles, ReportError> {
    write::history(rows, out_dir, opts)
}
