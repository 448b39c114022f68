//! What the user typed: clap definitions only. [`crate::config`] turns these
//! into the plain settings the library crates run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Warm model weights into the page cache, fast, on distributed storage.
#[derive(Debug, Parser)]
#[command(name = "preload", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read files into the page cache in parallel
    Warm(WarmArgs),
    /// Show how much of PATH is resident in the page cache
    Status(CacheArgs),
    /// Drop PATH from the page cache (for cold measurements)
    Evict(CacheArgs),
    /// Measure throughput at increasing parallelism and recommend -P
    Tune(TuneArgs),
    /// Cold-start comparison: sequential vs xargs vs preload, each from a cold cache
    Bench(BenchArgs),
    /// Charts, Markdown and HTML from tune and bench result files
    Report(ReportArgs),
    /// Compare two result files; exit 1 on regression
    Compare(CompareArgs),
    /// One client of `tune --clients N` (internal)
    #[command(hide = true)]
    FleetProbe(FleetProbeArgs),
}

/// `preload fleet-probe` (internal: started by `tune --clients`).
#[derive(Debug, Args)]
pub struct FleetProbeArgs {
    /// Byte ranges to read, one `OFFSET LEN PATH` per line
    #[arg(value_name = "UNITS")]
    pub units: PathBuf,

    /// Concurrent readers
    #[arg(short = 'P', value_name = "N")]
    pub parallelism: usize,

    /// Stop after this long
    #[arg(long, value_name = "DURATION")]
    pub deadline: String,
}

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
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub time_budget: String,

    /// Bytes the tune may read [default: 3/4 of PATH, at most 4GiB]
    #[arg(long, value_name = "SIZE")]
    pub byte_budget: Option<String>,

    /// Largest parallelism the sweep may reach
    #[arg(long, value_name = "N", default_value_t = preload_tune::DEFAULT_MAX_LEVEL)]
    pub max_level: usize,

    /// Length of one probe [default: time budget / 12, 0.5s..4s]
    #[arg(long, value_name = "DURATION", hide_short_help = true)]
    pub probe_time: Option<String>,

    /// Read method of the probes: read, willneed, mmap
    #[arg(long, value_name = "METHOD", default_value = "read")]
    pub method: String,

    /// Do not save the result as this filesystem's profile
    #[arg(long)]
    pub no_save: bool,

    /// Print the result as JSON on stdout (a result file for report/compare)
    #[arg(long)]
    pub json: bool,

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
    pub fail_on: String,

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
    #[arg(long, value_name = "N", default_value_t = 5)]
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
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub time_limit: String,

    /// Write the result file (for report and compare) to FILE
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write every run as CSV to FILE
    #[arg(long, value_name = "FILE")]
    pub export_csv: Option<PathBuf>,

    /// Print the result as JSON on stdout instead of the table
    #[arg(long)]
    pub json: bool,

    /// Evict only PATH's files (posix_fadvise), never the whole page cache
    ///
    /// By default, when permitted (root), every run starts with
    /// `/proc/sys/vm/drop_caches`, which also drops metadata; on a shared
    /// machine this flag keeps other work's cache.
    #[arg(long, hide_short_help = true)]
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
}

/// `preload compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline result file
    #[arg(value_name = "BASE")]
    pub base: PathBuf,

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
    pub fail_on: String,

    /// Smallest relative change that counts (never finer than the baseline's noise)
    #[arg(long, value_name = "FRACTION", default_value_t = 0.05)]
    pub noise_threshold: f64,

    /// Compare results of interrupted runs too (refused by default, exit 2)
    #[arg(long)]
    pub allow_interrupted: bool,
}

/// Which files: shared by every command that walks paths.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files and directories (read recursively; symlinks are followed)
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Also read the paths listed in FILE, one per line ('-' for stdin)
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Paths in --files-from are separated by NUL, not newline (find -print0)
    #[arg(short = '0', long = "null", requires = "files_from")]
    pub null: bool,

    /// Only files matching GLOB, relative to their PATH (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files matching GLOB, relative to their PATH (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Succeed when no file is selected (by default that is an error, exit 4)
    ///
    /// An empty directory, or filters that leave nothing, usually mean a
    /// mistyped mount or glob: without this flag they end with exit code 4
    /// and a message saying what was searched and what filtered it out.
    #[arg(long, hide_short_help = true)]
    pub allow_empty: bool,
}

/// `preload warm`.
#[derive(Debug, Args)]
pub struct WarmArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Concurrent readers: a number, or 'auto'
    ///
    /// Without -P, preload uses the value `preload tune` saved for the
    /// filesystem, else its default (16: see README, "Choosing -P").
    #[arg(short = 'P', long, value_name = "N|auto")]
    pub parallelism: Option<String>,

    /// Read method: read (pread, default), willneed (readahead, no copy), mmap (MADV_POPULATE_READ)
    #[arg(long, value_name = "METHOD", default_value = "read")]
    pub method: String,

    /// Work unit (at least 1MiB): files larger than this are split and read by several workers
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "32MiB",
        hide_short_help = true
    )]
    pub chunk_size: String,

    /// Bytes per read call; each worker owns one buffer (all together at most 32MiB)
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "1MiB",
        hide_short_help = true
    )]
    pub buffer_size: String,

    /// Refuse to start when the files add up to more than SIZE
    #[arg(long, value_name = "SIZE")]
    pub max_bytes: Option<String>,

    /// Cap the bytes read per second: RATE, or a fleet budget TOTAL/N or TOTAL/fleet
    ///
    /// `200MiB/s` caps this process; `1GiB/s/8` takes an eighth of a
    /// budget; `1GiB/s/fleet` divides it by the fleet size from
    /// PRELOAD_FLEET_SIZE, else SLURM_JOB_NUM_NODES (see docs/fleet.md).
    #[arg(long, value_name = "RATE")]
    pub max_rate: Option<String>,

    /// Halve -P when throughput collapses while -P holds (storage throttling)
    #[arg(long)]
    pub backoff: bool,

    /// Print a machine-readable summary on stdout (schema in the README)
    #[arg(long)]
    pub json: bool,

    /// No progress bar and no summary on stderr (warnings and errors still show)
    #[arg(short, long)]
    pub quiet: bool,
}

/// `preload status` and `preload evict`.
#[derive(Debug, Args)]
pub struct CacheArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Print JSON on stdout instead of a table
    #[arg(long)]
    pub json: bool,

    /// Show only the total, not one line per file
    #[arg(short, long)]
    pub summary: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
