//! Command line of `preload-simfs`: what the user typed, turned into a [`Model`].

use std::path::PathBuf;
use std::time::Duration;

use bytesize::ByteSize;
use clap::Parser;
use preload_simfs::{Faults, Model, Stall};

/// Serve BACKING read-only at MOUNTPOINT through a storage model whose knee is
/// known in advance: throughput(P) ~ min(P x stream-bw, total-bw) for P
/// readers on distinct files.
///
/// Runs in the foreground; prints `ready MOUNTPOINT` on stdout once mounted
/// and unmounts cleanly on SIGINT/SIGTERM. A stale mount left at MOUNTPOINT
/// by a crashed run is detached first.
#[derive(Debug, Parser)]
#[command(name = "preload-simfs", version)]
pub struct Cli {
    /// Directory whose files are served.
    #[arg(value_name = "BACKING")]
    pub backing: PathBuf,
    /// Empty directory to mount on.
    #[arg(value_name = "MOUNTPOINT")]
    pub mountpoint: PathBuf,
    /// Fixed latency of every read request (e.g. 2ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
    pub latency: Duration,
    /// Jitter around the latency: each request waits latency +- U(jitter).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
    pub jitter: Duration,
    /// Bandwidth cap per stream, i.e. per open file handle (e.g. 50MiB/s).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub stream_bw: Option<u64>,
    /// Bandwidth cap over all requests of the mount (e.g. 400MiB/s).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub total_bw: Option<u64>,
    /// Most read requests in service at once (server slots); the rest queue.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_inflight: Option<u64>,
    /// Direct I/O: keep nothing in the page cache (warming cannot work).
    #[arg(long)]
    pub no_cache: bool,
    /// Reads of files matching GLOB (relative to BACKING) fail with EIO.
    #[arg(long, value_name = "GLOB")]
    pub fail_glob: Option<String>,
    /// Reads past this byte offset fail with EIO (of --fail-glob files, or of all).
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub fail_after: Option<u64>,
    /// The first read of each open handle of matching files waits DURATION more.
    #[arg(long, value_name = "GLOB:DURATION", value_parser = parse_stall)]
    pub stall: Option<Stall>,
    /// Matching files keep their stat size but read as half as long.
    #[arg(long, value_name = "GLOB")]
    pub shrink_glob: Option<String>,
    /// Also create this file (containing `ready MOUNTPOINT`) once mounted; removed on exit.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<PathBuf>,
}

impl Cli {
    /// The model the flags describe.
    pub fn model(&self) -> Model {
        Model {
            latency: self.latency,
            jitter: self.jitter,
            stream_bw: self.stream_bw,
            total_bw: self.total_bw,
            max_inflight: self
                .max_inflight
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            no_cache: self.no_cache,
            faults: Faults {
                eio_glob: self.fail_glob.clone(),
                eio_after_bytes: self.fail_after,
                stall: self.stall.clone(),
                shrink_glob: self.shrink_glob.clone(),
            },
        }
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (try e.g. 2ms, 0.5ms, 1s)"))
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| format!("{e} (try e.g. 4096, 64KiB, 1MiB)"))
}

/// `50MiB/s`, `400MB/s` or a plain size (bytes per second).
fn parse_rate(s: &str) -> Result<u64, String> {
    let size = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    let rate = parse_bytes(size).map_err(|_| format!("invalid rate {s:?} (try e.g. 50MiB/s)"))?;
    if rate == 0 {
        return Err("a rate must be above zero".into());
    }
    Ok(rate)
}

/// `GLOB:DURATION`, split at the last colon.
fn parse_stall(s: &str) -> Result<Stall, String> {
    let (glob, duration) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("invalid stall {s:?}: expected GLOB:DURATION, e.g. '*.bin:5s'"))?;
    if glob.is_empty() {
        return Err(format!("invalid stall {s:?}: empty glob"));
    }
    Ok(Stall {
        glob: glob.to_owned(),
        duration: parse_duration(duration)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_the_issue_example() {
        let cli = Cli::try_parse_from([
            "preload-simfs",
            "/b",
            "/m",
            "--latency",
            "2ms",
            "--jitter",
            "0.5ms",
            "--stream-bw",
            "50MiB/s",
            "--total-bw",
            "400MiB/s",
            "--max-inflight",
            "8",
            "--stall",
            "a/*.bin:1.5s",
            "--fail-after",
            "1MiB",
        ])
        .unwrap();
        let m = cli.model();
        assert_eq!(m.latency, Duration::from_millis(2));
        assert_eq!(m.jitter, Duration::from_micros(500));
        assert_eq!(m.stream_bw, Some(50 << 20));
        assert_eq!(m.total_bw, Some(400 << 20));
        assert_eq!(m.max_inflight, Some(8));
        assert_eq!(m.faults.eio_after_bytes, Some(1 << 20));
        let stall = m.faults.stall.unwrap();
        assert_eq!(stall.glob, "a/*.bin");
        assert_eq!(stall.duration, Duration::from_millis(1500));
    }

    #[test]
    fn rates_accept_decimal_and_plain_units() {
        assert_eq!(parse_rate("400MB/s"), Ok(400_000_000));
        assert_eq!(parse_rate("1024"), Ok(1024));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("0/s").is_err());
    }

    #[test]
    fn stall_needs_glob_and_duration() {
        assert!(parse_stall("x").is_err());
        assert!(parse_stall(":1s").is_err());
        assert!(parse_stall("x:soon").is_err());
    }
}
