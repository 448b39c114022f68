//! The measuring commands' flags: tune, bench, report, compare, and the
//! baseline flags tune and bench share.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use preload_compare::FailOn;
use preload_core::ReadMethod;

use crate::parse;

/// `preload tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Directory (or file) whose data is sampled
    #[arg(value_name = "PATH", required_unless_present_any = ["show", "forget"])]
    pub path: Option<PathBuf>,

    /// List the saved profiles and exit
    #[arg(long)]
    pub show: bool,

    /// Remove the saved profile of PATH's filesystem (every profile without PATH) and exit
    #[arg(long, conflicts_with = "show")]
    pub forget: bool,

    /// Wall time the tune may spend
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse::duration)]
    pub time_budget: Duration,

    /// Bytes the tune may read [default: 3/4 of PATH, at most 4GiB]
    #[arg(long, value_name = "SIZE", value_parser = parse::size)]
    pub byte_budget: Option<u64>,

    /// Largest parallelism the sweep may reach
    #[arg(long, value_name = "N", default_value_t = preload_tune::DEFAULT_MAX_LEVEL, value_parser = parse::level)]
    pub max_level: usize,

    /// Length of one probe [default: time budget / 12, 0.5s..4s]
    #[arg(long, value_name = "DURATION", hide_short_help = true, value_parser = parse::duration)]
    pub probe_time: Option<Duration>,

    /// Read method of the probes: read, willneed, mmap
    #[arg(long, value_name = "METHOD", default_value = "read", value_parser = parse::method())]
    pub method: ReadMethod,

    /// Do not save the result as this filesystem's profile
    #[arg(long)]
    pub no_save: bool,

    /// Print the result as JSON on stdout (a result file for report/compare)
    #[arg(long)]
    pub json: bool,

    /// Write the result file (for report and compare) to FILE; `-` for stdout
    ///
    /// The file is created before tuning starts, so a bad path fails at
    /// once. With `-`, the JSON takes stdout and the table goes to stderr.
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "clients")]
    pub output: Option<PathBuf>,

    /// Write every throughput bucket as CSV to FILE
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,

    /// Measure with N clients (processes) reading at once: the per-client knee under that load
    ///
    /// Each client is a real engine on distinct sample data, all started
    /// together at each level; prints per-client and aggregate throughput.
    /// On one machine this simulates N nodes (see docs/fleet.md).
    #[arg(long, value_name = "N")]
    pub clients: Option<usize>,

    #[command(flatten)]
    pub regression: RegressionArgs,
}

/// Baselines and history, shared by `tune` and `bench`.
#[derive(Debug, Args)]
pub struct RegressionArgs {
    /// Store this run as baseline NAME
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,

    /// Compare this run against baseline NAME (or a result FILE); exit 1 on regression
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,

    /// Where baselines live
    #[arg(long, value_name = "DIR", default_value = ".preload/baselines")]
    pub baseline_dir: PathBuf,

    /// What fails the run: regressed or any-change
    #[arg(long, value_name = "WHEN", default_value = "regressed")]
    pub fail_on: FailOn,

    /// Smallest relative change that counts (never finer than the baseline's noise)
    #[arg(long, value_name = "FRACTION", default_value_t = 0.05)]
    pub noise_threshold: f64,

    /// Append a summary row of this run to the CSV history FILE
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Write the comparison as Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Use interrupted results too: compare, save and record them
    ///
    /// By default a baseline from an interrupted run is refused (exit 2),
    /// and an interrupted run is neither compared, saved as a baseline nor
    /// added to the history.
    #[arg(long, hide_short_help = true)]
    pub allow_interrupted: bool,
}

/// `preload bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Directory (or file) to warm from a cold cache
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Measured runs per strategy
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = parse::at_least_one)]
    pub runs: usize,

    /// Unmeasured warm-up runs per strategy, before the measured ones
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warmup: usize,

    /// Fixed parallelism levels, each measured as strategy preload-pN
    #[arg(
        long,
        value_name = "N,N,...",
        value_delimiter = ',',
        default_value = "4,16,64"
    )]
    pub levels: Vec<usize>,

    /// Loader command run with `sh -c` after each warm part and timed (adds load-only)
    #[arg(long, value_name = "CMD")]
    pub then: Option<String>,

    /// Stop starting new runs after this much wall time
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse::duration)]
    pub time_limit: Duration,

    /// Write the result file (for report and compare) to FILE
    ///
    /// The file is created before the first run, so a bad path fails at
    /// once. With `-`, the JSON takes stdout and the table goes to stderr.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write every run as CSV to FILE (units in the column names)
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,

    /// Write the per-strategy table as Markdown to FILE (`-`: stdout)
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,

    /// Print the result as JSON on stdout instead of the table
    #[arg(long)]
    pub json: bool,

    /// Evict only PATH's files; by default, as root, every run empties the whole page cache
    ///
    /// By default, when permitted (root), every run starts with
    /// `/proc/sys/vm/drop_caches`, which also drops metadata (and other
    /// programs' cache); on a shared machine this flag keeps other work's
    /// cache, evicting PATH's files with posix_fadvise(DONTNEED).
    #[arg(long)]
    pub no_drop_caches: bool,

    #[command(flatten)]
    pub regression: RegressionArgs,
}

/// `preload report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Tune and bench result files
    #[arg(value_name = "RESULT", required_unless_present = "history")]
    pub results: Vec<PathBuf>,

    /// Directory the report is written to (created when missing)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub out_dir: PathBuf,

    /// Also report this CSV history (from --history of tune/bench)
    ///
    /// With RESULT files too, the history report goes to DIR/history.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Title of the report pages
    #[arg(long, value_name = "TITLE", default_value = "preload report")]
    pub title: String,

    /// Name of a RESULT in legends, headings and chart file names; once per RESULT, in order
    ///
    /// The first --label names the first RESULT, and so on; a RESULT
    /// without one is named by its filesystem and dataset (`ext4
    /// realfs-model`), never by a path.
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,

    /// Leave out host names and shorten absolute paths (for published reports)
    #[arg(long)]
    pub redact: bool,
}

/// `preload compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline: a result file, or the NAME of a stored baseline
    ///
    /// A BASE that is not a file is looked up as `--baseline-dir/NAME.json`
    /// (as saved by `--save-baseline NAME`); the error lists the stored names.
    #[arg(value_name = "BASE|NAME")]
    pub base: String,

    /// The new result file
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Print the comparison as JSON on stdout
    #[arg(long)]
    pub json: bool,

    /// Also write the comparison as Markdown to FILE (e.g. $GITHUB_STEP_SUMMARY)
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// What fails the run: regressed or any-change
    #[arg(long, value_name = "WHEN", default_value = "regressed")]
    pub fail_on: FailOn,

    /// Smallest relative change that counts (never finer than the baseline's noise)
    #[arg(long, value_name = "FRACTION", default_value_t = 0.05)]
    pub noise_threshold: f64,

    /// Compare results of interrupted runs too (refused by default, exit 2)
    #[arg(long)]
    pub allow_interrupted: bool,

    /// Where stored baselines live (for a BASE given by NAME)
    #[arg(long, value_name = "DIR", default_value = ".preload/baselines")]
    pub baseline_dir: PathBuf,
}
