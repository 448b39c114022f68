//! # preload-simfs: storage whose knee is known in advance
//!
//! A FUSE filesystem that serves a backing directory read-only through a
//! storage model: a per-request latency, a bandwidth cap per stream and one
//! for the whole mount, an optional cap on requests in service, and injected
//! faults. Local disks have a flat throughput curve, so nothing on them shows
//! why parallel warming matters; on this mount the curve, and its knee, are
//! set by the command line. Tests, benchmarks, the tuner's acceptance and the
//! demo all run on it.
//!
//! ```text
//! preload-simfs BACKING MOUNTPOINT --latency 2ms --stream-bw 50MiB/s --total-bw 400MiB/s
//! ```
//!
//! ## The model
//!
//! Every read request the kernel sends is charged its size on two token
//! buckets (virtual-time GCRA, see `bucket.rs`): one per *stream*, i.e. per
//! open file handle (a reader wanting several streams on one file opens it
//! several times), and one for the whole mount. The reply is sent at
//!
//! ```text
//! done = max(stream bucket free, total bucket free) + latency + U(-jitter, +jitter) [+ stall]
//! ```
//!
//! Requests wait on a timer, not a thread or a spin: any number can be in
//! service at once (or at most `max_inflight`; the rest queue for a slot).
//!
//! ## The expected curve
//!
//! For `P` sequential readers on distinct files:
//!
//! ```text
//! throughput(P) ~ min(P x stream_bw, total_bw)
//! ```
//!
//! ([`Model::expected_throughput`]). Measured on a 2-core machine with
//! latency 2 ms, stream 50 MiB/s, total 400 MiB/s, 16 files of 32 MiB on
//! tmpfs, cold, one thread per file: 48.9, 97.9, 195.4, 387.5, 398.8 MiB/s at
//! P = 1, 2, 4, 8, 16 (ratio to the formula 0.97-1.00; the model-check test,
//! `cargo test -p preload-simfs --test model -- --nocapture`, prints the
//! current numbers). The release binary served 394 MiB/s with about a third
//! of one core, and uses no CPU while idle.
//!
//! Its limits:
//! - **Requests in flight per reader.** The latency is hidden only while the
//!   kernel keeps several requests of a stream in flight. It does so through
//!   readahead: the mount raises the bdi's `read_ahead_kb` to 1024 (the `init`
//!   reply cannot, the kernel offers 128 KiB there), so a sequential reader
//!   keeps about 1-2 MiB in flight. A single stream's throughput is then
//!   `min(stream_bw, inflight_bytes / (latency + request / stream_bw))`; with
//!   a long latency (10 ms and more) and no stream cap, one reader falls
//!   short of the formula. Random or small reads (no readahead) see the
//!   latency per request: `request_size / latency` per reader.
//! - **Request size.** 1 MiB is the largest FUSE read the kernel sends
//!   (`max_pages` 256); `max_read` is left unlimited so that is the cap.
//! - **Kernel queue.** Past `congestion_threshold` background requests the
//!   kernel stops reading ahead; `init` sets `max_background` 256 and
//!   `congestion_threshold` 192 (fuser's defaults 16/12 stall P = 8 at ~80 %).
//!   Keep `4 x P` well below 192, i.e. the formula holds up to P of about 32.
//! - **CPU.** With no caps the mount peaks at about 1.3-1.6 GiB/s on 2 cores
//!   (both busy); caps up to about 1 GiB/s are realistic there. The reader's
//!   own copying and other load on the machine come on top.
//! - **`max_inflight`** is not in the formula: with `N` slots, a reader's
//!   request holds a slot for `latency + request / bw`, which caps the total
//!   at about `N x 1 MiB / (latency + 1 MiB / stream_bw)`.
//! - The backing directory's own speed adds in: put it on tmpfs (`/dev/shm`)
//!   to keep a disk out of the measurement.
//!
//! ## Page cache
//!
//! Entries and attributes are cached for 5 s and files are opened with
//! `FOPEN_KEEP_CACHE`, so a second read is served from RAM, residency checks
//! (`mincore`) see the pages, and `posix_fadvise(DONTNEED)` evicts them (the
//! next read goes through the model again). With [`Model::no_cache`] files
//! are opened with direct I/O: nothing is ever resident, like mounts where
//! warming cannot work.
//!
//! ## Faults
//!
//! See [`Faults`]: EIO on files matching a glob, or past a byte offset; a
//! stall of the first read of each handle; a file that reads as half its
//! `stat` size (shrunk between stat and read).
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
