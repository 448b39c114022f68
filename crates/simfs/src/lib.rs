//! # preload-simfs: storage whose knee is known in advance
//!
//! A FUSE filesystem that serves a backing directory read-only through a
//! storage model: per-request latency (with jitter and a heavy tail),
//! bandwidth caps per stream and for the whole mount (with burst credit),
//! contention past a concurrency limit, server slots, metadata latency, a
//! server-side cache, and injected faults. Local disks have a flat
//! throughput curve, so nothing on them shows why parallel warming matters;
//! on this mount the curve, and its knee, are set by the command line.
//! Tests, benchmarks, the tuner's acceptance and the demo all run on it.
//!
//! ```text
//! preload-simfs BACKING MOUNTPOINT --latency 2ms --stream-bw 50MiB/s --total-bw 400MiB/s
//! ```
//!
//! The crate's README lists every flag with its formula, how to combine them
//! into storage shapes, and what the model checks measured on this machine.
//!
//! ## The model
//!
//! A read request the kernel sends meets the model in this order:
//!
//! 1. **Server cache** ([`Model::server_cache`]): when every 64 KiB block it
//!    touches was served before and is still cached (LRU), it is answered at
//!    once and nothing below applies.
//! 2. **Slots** ([`Model::max_inflight`]): at most that many reads are in
//!    service; the rest queue.
//! 3. **Cost**, when it enters service with `n` streams active (a stream is
//!    an open file handle with a read outstanding; see [`Contention`]):
//!
//!    ```text
//!    c    = 1 + factor x max(0, n - limit)                       (1 without --contention)
//!    done = max(stream cap free, total cap free, burst peak free) after charging bytes x c
//!           + c x latency sample [+ injected stall]
//!    latency sample = max(0, latency + U(-jitter, +jitter)), x tail factor for a tail fraction
//!    ```
//!
//!    Each cap is a virtual-time token bucket (GCRA, see `bucket.rs`): one
//!    per stream (a reader wanting several streams on one file opens it
//!    several times), one for the mount; with [`Model::burst`] the mount's
//!    cap has burst credit and a second bucket at the burst rate bounds how
//!    fast it is spent (`service.rs`).
//!
//! Requests wait on a timer, not a thread or a spin: any number can be in
//! service at once. Metadata requests (lookup, getattr, open, readdir,
//! readlink) are answered after [`Model::meta_latency`], on the same timer.
//!
//! ## The expected curve
//!
//! For `P` sequential readers on distinct files, once burst credit is spent:
//!
//! ```text
//! throughput(P) ~ min(P x stream_bw, total_bw) / c(P)
//! ```
//!
//! ([`Model::expected_throughput`]); [`Model::expected_throughput_for`] gives
//! it for readers with one request in flight (direct I/O: latency-, tail-
//! and slot-bound) and for many small files (metadata-bound), and
//! [`Model::expected_burst_throughput`] and [`Model::burst_duration`] the
//! burst phase. The formulas are exact for the model; the mount follows them
//! within a few percent on an idle machine (the model checks in `tests/`,
//! run with `--nocapture`, print the comparison).
//!
//! Where the sequential formula stops holding:
//! - **Requests in flight per reader.** The latency is hidden only while the
//!   kernel keeps several requests of a stream in flight. It does so through
//!   readahead: the mount raises the bdi's `read_ahead_kb` to 1024 (the `init`
//!   reply cannot, the kernel offers 128 KiB there), so a sequential reader
//!   keeps about 1-2 MiB in flight. A single stream's throughput is then
//!   `min(stream_bw, inflight_bytes / (latency + request / stream_bw))`; with
//!   a long latency (10 ms and more) and no stream cap, one reader falls
//!   short of the formula. Random or small reads (no readahead) see the
//!   latency per request: use [`Access::OneAtATime`].
//! - **Tails** are not in it: a slow request stalls its reader's readahead,
//!   and at the total cap the bandwidth it would have used is lost, so a tail
//!   lowers the plateau (see the README for measured figures).
//! - **Contention ramp.** A request is charged with the streams active when
//!   it arrives, so the first requests of `P` readers that start together see
//!   fewer than `P`: a short measurement past the limit reads above the
//!   formula, by an amount that does not grow with its length.
//! - **Request size.** 1 MiB is the largest FUSE read the kernel sends
//!   (`max_pages` 256); `max_read` is left unlimited so that is the cap.
//! - **Kernel queue.** Past `congestion_threshold` background requests the
//!   kernel stops reading ahead; `init` sets `max_background` 256 and
//!   `congestion_threshold` 192 (fuser's defaults 16/12 stall P = 8 at ~80 %).
//!   Keep `4 x P` well below 192, i.e. the formula holds up to P of about 32.
//!   `--max-background N` (`Model::max_background`) asks for N instead,
//!   with the threshold at 3/4 N: 12 is the kernel's default, which daemons
//!   such as `mfsmount` keep, to show what it costs (the formula does not).
//! - **CPU.** With no caps the mount is bound by this machine's CPU (see the
//!   README); the reader's own copying and other load on the machine come on top.
//! - **`max_inflight`** is not in the sequential formula: with `N` slots, a
//!   reader's request holds a slot for `c x (latency + request / bw)`, which
//!   caps the total at about `N x 1 MiB / that`.
//! - The backing directory's own speed adds in: put it on tmpfs (`/dev/shm`)
//!   to keep a disk out of the measurement.
//!
//! ## Page cache
//!
//! Entries and attributes are cached for 5 s and files are opened with
//! `FOPEN_KEEP_CACHE`, so a second read is served from RAM, residency checks
//! (`mincore`) see the pages, and `posix_fadvise(DONTNEED)` evicts them (the
//! next read goes through the model again, or the server cache). With
//! [`Model::no_cache`] files are opened with direct I/O: nothing is ever
//! resident, like mounts where warming cannot work.
//!
//! ## Faults
//!
//! See [`Faults`]: EIO on files matching a glob, or past a byte offset; a
//! stall of the first read of each handle; a file that reads as half its
//! `stat` size (shrunk between stat and read).
//!
//! ## What it counts
//!
//! [`Mounted::stats`] returns [`Stats`]: requests and bytes asked and served
//! (the storage-side figure to check a reader's own count against), peaks of
//! requests in flight and of active streams, server-cache hits, metadata
//! requests, and how late the timer ran (a busy machine).
//!
//! ## In tests
//!
//! [`testing::TestMount`] mounts a model over a temporary backing directory
//! and unmounts on drop, even when the test panics;
//! [`testing::require_fuse`] skips loudly where FUSE is unavailable (and
//! fails when `CI=true`). Mounting needs `/dev/fuse`; as root nothing else,
//! otherwise `fusermount3` (Debian package `fuse3`).

mod backing;
mod bucket;
mod error;
mod faults;
mod fs;
mod inodes;
mod model;
mod mount;
mod scheduler;
mod server_cache;
mod service;
mod stats;
mod sys;
pub mod testing;

pub use error::SimfsError;
pub use model::{Access, Burst, Contention, Faults, Model, Stall, Tail};
pub use mount::{Mounted, mount};
pub use stats::Stats;
pub use sys::clean_stale_mount;
