//! Command line of `preload-simfs`: what the user typed, turned into a [`Model`].

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use preload_simfs::{Burst, Contention, Faults, Model, Stall, Tail};

use crate::parse::{
    parse_burst, parse_bytes, parse_contention, parse_duration, parse_nonzero_bytes, parse_rate,
    parse_stall, parse_tail,
};

/// Serve BACKING read-only at MOUNTPOINT through a storage model whose knee is
/// known in advance: throughput(P) ~ min(P x stream-bw, total-bw) / c(P) for
/// P sequential readers on distinct files, where c(P) is the --contention
/// multiplier (1 without it).
///
/// The model flags compose: a read request is charged on the stream's and the
/// mount's bandwidth caps (--stream-bw, --total-bw, --burst), waits its
/// latency (--latency, --jitter, --tail), everything times the contention
/// multiplier; at most --max-inflight are in service. Re-reads may be answered
/// by --server-cache; metadata requests wait --meta-latency.
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
    /// Heavy tail: a FRACTION of read requests wait FACTOR x their latency (e.g. 0.01:20 or 1%:20).
    ///
    /// Applied to the latency after jitter, so the mean latency becomes
    /// latency x (1 + FRACTION x (FACTOR - 1)). A sequential reader's
    /// readahead hides a tail when it is alone, but at the total cap each
    /// slow request stalls its reader and lowers the plateau; a reader with
    /// one request in flight (direct I/O) feels every one.
    #[arg(long, value_name = "FRACTION:FACTOR", value_parser = parse_tail)]
    pub tail: Option<Tail>,
    /// Bandwidth cap per stream, i.e. per open file handle (e.g. 50MiB/s).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub stream_bw: Option<u64>,
    /// Bandwidth cap over all requests of the mount (e.g. 400MiB/s).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub total_bw: Option<u64>,
    /// Burst credit: the total cap is RATE instead of --total-bw while credit lasts (e.g. 1GiB@800MiB/s).
    ///
    /// A cloud volume's burst bucket: the mount starts with BYTES of credit;
    /// what is served beyond --total-bw drains it, and it refills at
    /// --total-bw while less is asked, up to BYTES. Under a demand of D bytes
    /// per second it lasts BYTES / (min(D, RATE) - total-bw) seconds. Needs
    /// --total-bw below RATE.
    #[arg(long, value_name = "BYTES@RATE", value_parser = parse_burst)]
    pub burst: Option<Burst>,
    /// Contention past N active streams: service times x (1 + FACTOR x (streams - N)) (e.g. 8:0.25).
    ///
    /// Like the Universal Scalability Law's coherency term, throughput
    /// declines past the peak: min(P x stream-bw, total-bw) / (1 + FACTOR x
    /// max(0, P - N)) for P sequential readers. A stream (open file handle)
    /// is active while it has a read request outstanding; the multiplier
    /// applies to each request's latency and bandwidth charge.
    #[arg(long, value_name = "N:FACTOR", value_parser = parse_contention)]
    pub contention: Option<Contention>,
    /// Most read requests in service at once (server slots); the rest queue.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_inflight: Option<u64>,
    /// Delay of every metadata request: lookup, getattr, open, readdir, readlink (e.g. 5ms).
    ///
    /// Replies are delayed, not serialised: any number can wait at once. The
    /// kernel caches entries and attributes for 5 s, so reading a file costs
    /// a lookup and an open when cold and an open when its entry is cached,
    /// which bounds many-small-file layouts at about
    /// readers x file size / (2 x DURATION).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "0s")]
    pub meta_latency: Duration,
    /// Server-side cache of SIZE: re-read blocks are answered at once (e.g. 1GiB).
    ///
    /// The blocks (64 KiB) a mount has served, least recently used out; a
    /// read whose blocks are all cached costs no latency and no bandwidth,
    /// like a storage server's memory that no client can drop. Counted as
    /// server-cache hits in the exit line.
    #[arg(long, value_name = "SIZE", value_parser = parse_nonzero_bytes)]
    pub server_cache: Option<u64>,
    /// Direct I/O: keep nothing in the page cache (warming cannot work).
    #[arg(long)]
    pub no_cache: bool,
    /// The FUSE background queue to ask for (default 256), e.g. 12.
    ///
    /// Past three quarters of it the kernel stops reading ahead and drops
    /// the pages it had set up. 12 is the kernel's default, which daemons
    /// that do not set it (mfsmount) keep.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_background: Option<u16>,
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
            tail: self.tail,
            stream_bw: self.stream_bw,
            total_bw: self.total_bw,
            burst: self.burst,
            contention: self.contention,
            max_inflight: self
                .max_inflight
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            meta_latency: self.meta_latency,
            server_cache: self.server_cache,
            no_cache: self.no_cache,
            max_background: self.max_background,
            faults: Faults {
                eio_glob: self.fail_glob.clone(),
                eio_after_bytes: self.fail_after,
                stall: self.stall.clone(),
                shrink_glob: self.shrink_glob.clone(),
            },
        }
    }
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
    fn parses_the_new_storage_shapes() {
        let cli = Cli::try_parse_from([
            "preload-simfs",
            "/b",
            "/m",
            "--total-bw",
            "100MiB/s",
            "--tail",
            "1%:20",
            "--burst",
            "1GiB@400MiB/s",
            "--contention",
            "8:0.25",
            "--meta-latency",
            "5ms",
            "--server-cache",
            "256MiB",
        ])
        .unwrap();
        let m = cli.model();
        let tail = m.tail.unwrap();
        assert!((tail.fraction - 0.01).abs() < 1e-12);
        assert_eq!(tail.factor, 20.0);
        assert_eq!(
            m.burst.map(|b| (b.bytes, b.rate)),
            Some((1 << 30, 400 << 20))
        );
        let c = m.contention.unwrap();
        assert_eq!((c.limit, c.factor), (8, 0.25));
        assert_eq!(m.meta_latency, Duration::from_millis(5));
        assert_eq!(m.server_cache, Some(256 << 20));
        assert_eq!(m.validate(), Ok(()));
    }
}
