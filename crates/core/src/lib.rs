//! preload-core: plan, read and verify.
//!
//! The engine behind `preload warm`, the tuner's probes and the benchmarks.
//! [`Warmer`] is the entry point: it walks the inputs ([`walk`]), splits
//! files into chunks ([`plan`]), checks memory ([`memory`], [`cgroup`]),
//! reads the chunks with a pool of workers ([`engine`], [`read`]) whose
//! number a [`Controller`] decides, and verifies residency ([`pagecache`]).
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # std::fs::write(dir.path().join("shard-00001.safetensors"), vec![1u8; 4096]).unwrap();
//! use preload_core::{ReadMethod, Warmer};
//!
//! let summary = Warmer::new([dir.path()])
//!     .parallelism(8)
//!     .method(ReadMethod::Read)
//!     .run()?;
//! println!("{} files, {:.0} MiB/s", summary.files_read, summary.throughput_mib_s);
//! assert!(summary.failed.is_empty());
//! # Ok::<(), preload_core::CoreError>(())
//! ```

pub mod backoff;
mod cancel;
pub mod cgroup;
pub mod context;
pub mod control;
pub mod engine;
mod error;
pub mod fsinfo;
pub mod join;
pub mod latency;
mod mapping;
pub mod memory;
pub mod order;
pub mod pagecache;
pub mod par;
pub mod plan;
mod promote;
pub mod rate;
pub mod read;
pub mod residency;
mod schedule;
mod summarize;
pub mod verify;
pub mod walk;
mod warmer;
mod warnings;

pub use cancel::CancelToken;
pub use control::{Controller, FixedLevel, Interval};
pub use engine::{EngineConfig, Pacing, Progress, RunStats};
pub use error::CoreError;
pub use order::Order;
pub use read::ReadMethod;
pub use warmer::{DEFAULT_PARALLELISM, Prepared, Warmer};
pub use warnings::{human_bytes, memory_warning};
