//! What the user typed: clap definitions only. [`crate::config`] turns these
//! into the plain settings the library crates run with.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use preload_core::ReadMethod;
use preload_core::engine::Scheduling;

mod measure;

use crate::parse;

pub use measure::{BenchArgs, CompareArgs, RegressionArgs, ReportArgs, TuneArgs};

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
    Status(StatusArgs),
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
    /// Warm PATH while CMD loads it; exit with CMD's status
    Run(RunArgs),
    /// One client of `tune --clients N` (internal)
    #[command(hide = true)]
    FleetProbe(FleetProbeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    ///
    /// bash: `preload completions bash > /etc/bash_completion.d/preload`
    /// (or ~/.local/share/bash-completion/completions/preload); zsh: into a
    /// directory of $fpath as `_preload`; fish: ~/.config/fish/completions/preload.fish.
    Completions(CompletionsArgs),
    /// Write man pages generated from these definitions (preload.1, preload-warm.1, ...)
    #[command(hide = true)]
    Man(ManArgs),
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
    #[arg(long, value_name = "DURATION", value_parser = parse::duration)]
    pub deadline: std::time::Duration,
}

/// `preload completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `preload man` (hidden: `cargo xtask dist` installs its output).
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Directory the pages are written to (created when missing)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Which files: shared by every command that walks paths.
#[derive(Debug, Clone, Args)]
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

/// How a warm reads: shared by `warm` and `run`.
#[derive(Debug, Clone, Args)]
pub struct ReadFlags {
    /// Concurrent readers: a number, or 'auto'
    ///
    /// Without -P, preload uses the value `preload tune` saved for the
    /// filesystem, else its default (16: see README, "Choosing -P").
    #[arg(short = 'P', long, value_name = "N|auto")]
    pub parallelism: Option<String>,

    /// Read method: read (pread), willneed (readahead, no copy), mmap (MADV_POPULATE_READ)
    ///
    /// Without --method, preload uses the method `preload tune` measured
    /// best for the filesystem, else read.
    #[arg(long, value_name = "METHOD", value_parser = crate::parse::method())]
    pub method: Option<ReadMethod>,

    /// Work unit (at least 1MiB): files larger than this are split and read by several workers
    ///
    /// Without --chunk-size, preload uses the chunk size `preload tune`
    /// measured best for the filesystem, else 32MiB (`preload run`: 8MiB,
    /// so the front advances in finer waves beside the loader).
    #[arg(long, value_name = "SIZE")]
    pub chunk_size: Option<String>,

    /// Which chunk a free reader takes: spread (a file no reader is on first) or front (the front of the plan)
    ///
    /// spread puts one reader on each file before it splits any (storage
    /// that serves one stream per file more cheaply), and a file it splits
    /// gets a part per reader, never a chunk right behind another reader's;
    /// front puts every reader at the front of the read order. Without --schedule, preload
    /// uses what `preload tune` measured best for the filesystem, else
    /// spread (as fast or faster than front on MooseFS, GlusterFS and ext4:
    /// see README). `preload run` reads from the front unless --schedule
    /// is given (a profile's schedule does not apply there).
    #[arg(long, value_name = "SCHEDULE", value_parser = parse::schedule())]
    pub schedule: Option<Scheduling>,

    /// Keep a file open across a reader's chunks of it while no other reader shares it
    ///
    /// By default each chunk is opened afresh. A client that reads ahead
    /// per open file (MooseFS's mfsmount) throws that away at every close:
    /// on the loopback MooseFS --keep-open read a 2 GiB model 13% faster at
    /// -P 8 and an 8 GiB one 9-12% faster at -P 16. It read 29% slower on
    /// GlusterFS at -P 8 and 46% slower on ext4 (see README), so it is not
    /// the default and no profile sets it: try it on your storage.
    #[arg(long)]
    pub keep_open: bool,

    /// Bytes per read call; each worker owns one buffer (all together at most 32MiB)
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "1MiB",
        hide_short_help = true
    )]
    pub buffer_size: String,

    /// Read order: loader (small files, then shards in index order), size, path
    ///
    /// loader (default): config and tokenizer files first, then the shards
    /// in the order their index (model.safetensors.index.json, ...) first
    /// names them, then other weights by path; all readers work at the front
    /// of that order. size: smallest first. path: by path.
    #[arg(long, value_name = "ORDER", default_value = "loader", value_parser = ["loader", "size", "path"])]
    pub order: String,

    /// Never join another warm of the same tree on this node
    ///
    /// By default a warm that finds another warm (or run) of the same
    /// PATHs already reading on this node, started by the same user, starts
    /// no reader: it waits for that one, then reads only what is still
    /// missing, so N ranks keep the storage at one warm's -P.
    #[arg(long, hide_short_help = true)]
    pub no_join: bool,
}

/// `preload warm`.
#[derive(Debug, Args)]
pub struct WarmArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub read: ReadFlags,

    /// Refuse to start when the files add up to more than SIZE
    #[arg(long, value_name = "SIZE")]
    pub max_bytes: Option<String>,

    /// Read every chunk, even those already resident (by default chunks
    /// measured fully resident are skipped)
    #[arg(long, hide_short_help = true)]
    pub no_skip_resident: bool,

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

/// `preload run`: the warm flags, a report file, and the command.
#[derive(Debug, Args)]
#[command(
    after_help = "Example: preload run /models/llama -- python serve.py --model /models/llama"
)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The warm's flags, as for `preload warm`.
    #[command(flatten)]
    pub read: ReadFlags,

    /// Write the report (warm, CMD, what CMD found resident) as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// No report on stderr (warnings still show)
    #[arg(short, long)]
    pub quiet: bool,

    /// The command to run, after `--`
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

/// `preload status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub cache: CacheArgs,

    /// Exit 6 when less than PCT of the bytes is resident (e.g. 99%)
    ///
    /// For a readiness or startup probe, or a Slurm prolog: bytes whose
    /// residency cannot be measured count as not resident; as a non-owner
    /// the share is estimated from sampled pages.
    #[arg(long, value_name = "PCT")]
    pub min: Option<String>,
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
