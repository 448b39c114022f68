//! The result of `preload tune` (`--json`, `--export-csv`).

use serde::{Deserialize, Serialize};

use crate::{Dataset, RunContext};

/// Everything one tune measured and decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneResult {
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// Machine and filesystem.
    pub context: RunContext,
    /// The tree the sample was drawn from.
    pub dataset: Dataset,
    /// Read method the probes used.
    pub method: String,
    /// Every probe of the curve (the knee's samples) in the order it ran.
    pub probes: Vec<Probe>,
    /// The probes after the curve, in the order they ran: the default
    /// check, the other read methods, the chunk sizes and schedules. Not
    /// points of the curve (their figures are in the recommendation), but
    /// their bytes are in the budget: `bytes_spent` is what this list and
    /// `probes` read together. Absent in older files (empty).
    #[serde(default)]
    pub comparison_probes: Vec<Probe>,
    /// One line per parallelism level, over all its probes, sorted by level.
    pub levels: Vec<LevelSummary>,
    /// The decision.
    pub recommendation: Recommendation,
    /// Diagnostics that did not decide but help explain the curve.
    pub diagnostics: Diagnostics,
    /// What the tune was allowed and what it spent.
    pub budget: Budget,
    /// True when the data ran out and shards were re-read after eviction
    /// (server-side caches may make such results optimistic).
    pub reused_data: bool,
    /// True when the tune was stopped by a signal before it finished: the
    /// curve is partial and the recommendation is not one to act on.
    /// `compare` and `--baseline` refuse such a result unless
    /// `--allow-interrupted` is given. Absent in older files (false).
    #[serde(default)]
    pub interrupted: bool,
    /// Warnings shown to the user.
    pub warnings: Vec<String>,
}

/// Why a probe ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbePhase {
    /// The geometric sweep 1, 2, 4, ...
    Sweep,
    /// Re-measurement in descending order on fresh shards.
    Descend,
    /// Bisection between the knee and the level below it.
    Bisect,
    /// After the curve: a pick below warm's default level against it.
    Check,
    /// After the curve: another read method at the knee.
    Method,
    /// After the curve: another chunk size or schedule.
    Shape,
}

/// One probe: the engine at one parallelism level on its own cold shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// Parallelism (concurrent readers).
    pub level: usize,
    /// Why it ran.
    pub phase: ProbePhase,
    /// Bytes read.
    pub bytes: u64,
    /// Wall time, seconds.
    pub elapsed_s: f64,
    /// Resident fraction of the shard before the probe (0 = verified cold).
    pub resident_before: f64,
    /// Throughput buckets taken while every reader was busy, after ramp-up.
    pub buckets: Vec<Bucket>,
    /// Throughput over the steady part (bytes of the buckets / their time), MiB/s.
    pub steady_mib_s: f64,
    /// Per-read latency.
    pub latency: LatencySummary,
    /// Bytes the storage served for this probe, as far as the page cache
    /// shows it: what was counted plus what readahead fetched past the
    /// units and past the stop, as resident when it stopped (0 when it
    /// could not be measured; what landed later is in the budget's
    /// `bytes_served_late`).
    #[serde(default)]
    pub served_bytes: u64,
    /// Read calls each reader completed inside the measured window: under 2
    /// and the window's edges, not the storage, decide the figure.
    #[serde(default)]
    pub reads_per_reader: f64,
}

/// Bytes read in one time bucket of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// Bucket start since the probe began, seconds.
    pub start_s: f64,
    /// Bucket length, seconds.
    pub length_s: f64,
    /// Bytes completed in the bucket.
    pub bytes: u64,
    /// `bytes / length_s`, MiB/s.
    pub mib_s: f64,
}

/// Latency of individual read calls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct LatencySummary {
    /// Read calls measured.
    pub reads: u64,
    /// Mean, milliseconds.
    pub mean_ms: f64,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
}

/// All probes at one level, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    /// Parallelism.
    pub level: usize,
    /// Probes at this level.
    pub probes: usize,
    /// Median of the bucket throughputs, MiB/s.
    pub median_mib_s: f64,
    /// Smallest bucket throughput, MiB/s.
    pub min_mib_s: f64,
    /// Largest bucket throughput, MiB/s.
    pub max_mib_s: f64,
    /// Coefficient of variation of the bucket throughputs.
    pub cv: f64,
    /// Median per-read latency, milliseconds.
    pub latency_p50_ms: f64,
}

/// The recommended parallelism and how sure the tune is of it.
///
/// `Default` is the empty recommendation the knee rule starts from (the
/// tuner adds caveats, methods and shapes later); its `read_method` is
/// empty, so a builder names the method it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Recommendation {
    /// Recommended `-P`.
    pub parallelism: usize,
    /// False when throughput still rose at the largest level measured: the
    /// knee is then "at least `parallelism`".
    pub saturated: bool,
    /// Fraction of bootstrap resamples that chose the same knee, 0..=1.
    pub confidence: f64,
    /// Every knee the bootstrap resamples chose, sorted, distinct.
    pub knee_set: Vec<usize>,
    /// Relative tolerance used: within it of the best counts as "as good".
    pub tolerance: f64,
    /// Level with the highest median throughput.
    pub best_level: usize,
    /// Its median throughput, MiB/s.
    pub best_mib_s: f64,
    /// Median throughput at the recommended level, MiB/s (with
    /// `too_small`, at the largest level measured up to it: the default
    /// level itself may not have been measured).
    pub recommended_mib_s: f64,
    /// Median throughput at level 1, MiB/s (when measured).
    pub single_stream_mib_s: Option<f64>,
    /// One-line verdict as printed.
    pub verdict: String,
    /// Why the evidence is thinner than it looks (too few reads per reader,
    /// re-read data, probes that disagree, a curve that never flattened,
    /// a budget that ended the plan), each lowering `confidence`.
    #[serde(default)]
    pub caveats: Vec<String>,
    /// Whether the result is good enough to be saved as the filesystem's
    /// profile (saturated, measured on enough data, confidence >= 0.7).
    #[serde(default)]
    pub profile_worthy: bool,
    /// True when the tree was too small to measure a knee: `parallelism` is
    /// then `warm`'s default, not a measured knee.
    #[serde(default)]
    pub too_small: bool,
    /// Each read method measured at the knee on fresh data (the tuned one
    /// from its probes, the others by one probe each), when the budget
    /// allowed.
    #[serde(default)]
    pub methods: Vec<MethodMeasure>,
    /// The method `warm` should use here: another method only when it beat
    /// the tuned one by more than the tolerance.
    #[serde(default = "default_method")]
    pub read_method: String,
    /// Each chunk size (work unit) measured at the knee with `read_method`
    /// (the tuned unit from its probes, the others by one probe each),
    /// when the budget allowed.
    #[serde(default)]
    pub chunks: Vec<ChunkMeasure>,
    /// The chunk size `warm` should use here, bytes; None when chunk sizes
    /// were not compared (warm keeps its default).
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// Which chunk a free reader should take here: `front` or `spread`;
    /// None when schedules were not compared (warm uses its default).
    #[serde(default)]
    pub schedule: Option<String>,
    /// The pick measured against warm's default level in alternating
    /// windows, when it is below that level and would be saved; None when
    /// no such check ran.
    #[serde(default)]
    pub default_check: Option<DefaultCheck>,
}

/// The recommended level against warm's default level, measured in
/// windows that alternate between the two (pick, default, default, pick),
/// so that storage whose rate drifts during a tune tilts neither side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultCheck {
    /// The recommended level.
    pub level: usize,
    /// Warm's level without a profile.
    pub default_level: usize,
    /// Steady throughput of each window at `level`, MiB/s, in order.
    pub level_mib_s: Vec<f64>,
    /// Steady throughput of each window at `default_level`, MiB/s.
    pub default_mib_s: Vec<f64>,
    /// False when the default level read more than the tolerance faster:
    /// the pick is then not saved.
    pub holds: bool,
}

fn default_method() -> String {
    "read".into()
}

/// Throughput of one read method at the knee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodMeasure {
    /// `read`, `willneed` or `mmap`.
    pub method: String,
    /// Steady throughput, MiB/s.
    pub mib_s: f64,
}

/// Throughput of one chunk size (work unit) and schedule, at the knee or
/// at a level above it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkMeasure {
    /// Bytes per work unit.
    pub chunk_size: u64,
    /// Steady throughput, MiB/s.
    pub mib_s: f64,
    /// `front` (readers at the front of the file-ordered units, several
    /// in one file) or `spread` (one reader per file first); None for the
    /// curve's own units and in results written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Readers of the probe; None (or 0) at the knee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
}

/// Diagnostics that explain the curve; none of them decides the knee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Diagnostics {
    /// Universal Scalability Law fit, when enough levels were measured.
    pub usl: Option<UslFit>,
    /// Kneedle's knee on the measured curve, when it found one.
    pub kneedle: Option<usize>,
    /// Little's law check per level.
    pub littles_law: Vec<LittleCheck>,
}

/// Universal Scalability Law fit X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UslFit {
    /// Single-reader throughput, MiB/s.
    pub lambda: f64,
    /// Contention coefficient.
    pub sigma: f64,
    /// Coherency (crosstalk) coefficient.
    pub kappa: f64,
    /// Level of peak throughput, sqrt((1 - sigma) / kappa); None when kappa = 0
    /// (no retrograde: throughput never falls).
    pub peak_level: Option<f64>,
    /// Coefficient of determination of the fit.
    pub r_squared: f64,
}

/// Little's law: concurrency = throughput x latency. A level whose implied
/// concurrency is far below the level means readers were waiting elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LittleCheck {
    /// Parallelism.
    pub level: usize,
    /// Reads per second x mean read latency.
    pub implied_concurrency: f64,
}

/// What the tune was allowed and what it spent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Time budget, seconds.
    pub time_limit_s: f64,
    /// Byte budget.
    pub byte_limit: u64,
    /// Time spent, seconds.
    pub time_spent_s: f64,
    /// Bytes read.
    pub bytes_spent: u64,
    /// Bytes the storage served (counted reads plus readahead past them),
    /// as far as the page cache shows it.
    #[serde(default)]
    pub bytes_served: u64,
    /// Of `bytes_served`: what the probes' readahead brought in after they
    /// stopped (found one probe later, and after the last one), so not in
    /// any probe's `served_bytes`. Absent in older files (0).
    #[serde(default)]
    pub bytes_served_late: u64,
}

/// One row of `preload tune --export-csv`: a bucket of a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvBucketRow {
    /// Index of the probe in the tune.
    pub probe: usize,
    /// Parallelism.
    pub level: usize,
    /// Probe phase.
    pub phase: ProbePhase,
    /// Bucket start, seconds since the probe began.
    pub start_s: f64,
    /// Bucket length, seconds.
    pub length_s: f64,
    /// Bytes in the bucket.
    pub bytes: u64,
    /// Throughput, MiB/s.
    pub mib_s: f64,
}

impl TuneResult {
    /// The rows of `--export-csv`: every bucket of every probe, the
    /// curve's and then the comparisons' (numbered on from the curve's).
    pub fn csv_rows(&self) -> Vec<CsvBucketRow> {
        self.probes
            .iter()
            .chain(&self.comparison_probes)
            .enumerate()
            .flat_map(|(i, p)| {
                p.buckets.iter().map(move |b| CsvBucketRow {
                    probe: i,
                    level: p.level,
                    phase: p.phase,
                    start_s: b.start_s,
                    length_s: b.length_s,
                    bytes: b.bytes,
                    mib_s: b.mib_s,
                })
            })
            .collect()
    }

    /// All bucket throughputs at `level`, over every probe at that level.
    pub fn samples_at(&self, level: usize) -> Vec<f64> {
        self.probes
            .iter()
            .filter(|p| p.level == level)
            .flat_map(|p| p.buckets.iter().map(|b| b.mib_s))
            .collect()
    }
}
