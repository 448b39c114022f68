//! The result schema of preload: every measurement that leaves the program.
//!
//! `preload warm --json`, `preload tune --json`, `preload bench -o` and the
//! files `preload report` and `preload compare` read are all types from this
//! crate, so the commands agree on field names by construction. Result files
//! carry a `kind` tag and a [`SCHEMA_VERSION`]; [`ResultFile::load`] refuses a
//! file of another version with an error naming the file.
//!
//! Units are in the field names: `_bytes`, `_s` (seconds), `_ms`, `_mib_s`
//! (MiB/s, 1 MiB = 2^20 bytes).

mod bench;
mod cache;
mod context;
mod file;
mod fleet;
mod history;
pub mod name;
mod run;
#[cfg(feature = "testing")]
pub mod testing;
mod tune;
mod warm;
mod warning;

pub use bench::{BenchConfig, BenchResult, BenchRun, CsvBenchRow, ReadLatency, StrategyStats};
pub use cache::{EvictReport, FileEviction, FileResidency, StatusReport};
pub use context::{Dataset, FsInfo, FuseQueue, RunContext};
pub use file::{ResultFile, SchemaError};
pub use fleet::{BackOff, Pacing};
pub use history::HistoryRow;
pub use run::RunReport;
pub use tune::{
    Bucket, Budget, ChunkMeasure, CsvBucketRow, DefaultCheck, Diagnostics, LatencySummary,
    LevelSummary, LittleCheck, MethodMeasure, Probe, ProbePhase, Recommendation, TuneResult,
    UslFit,
};
pub use warm::{
    Diagnosis, DiagnosisKind, Failure, Joined, MemoryCheck, ParallelismSource, Residency, Skip,
    WarmSummary,
};
pub use warning::{Warning, WarningKind};

/// Version of the result-file schema. Bump on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Bytes in one MiB; every `_mib_s` field uses it.
pub const MIB: f64 = 1024.0 * 1024.0;

/// Throughput in MiB/s of `bytes` read in `seconds` (0 when no time passed).
pub fn mib_per_s(bytes: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        bytes as f64 / MIB / seconds
    } else {
        0.0
    }
}
