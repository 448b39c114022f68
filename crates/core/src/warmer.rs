//! The whole warm: walk, plan, check memory, read, verify residency.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use preload_schema::{
    Diagnosis, DiagnosisKind, FsInfo, MemoryCheck, Residency, SCHEMA_VERSION, WarmSummary,
    mib_per_s,
};

use crate::backoff::BackOffRule;
use crate::control::{Controller, FixedLevel};
use crate::engine::{self, EngineConfig, Pacing, Progress, RunStats};
use crate::fsinfo::{advice, filesystem_of};
use crate::memory::MemorySnapshot;
use crate::plan::{DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, Plan};
use crate::read::ReadMethod;
use crate::verify::{Verification, VmCounters, verify};
use crate::walk::{Filter, WalkOutcome, walk};
use crate::{CancelToken, CoreError};

/// Default parallelism when nothing better is known: 16.
///
/// Published knees of distributed filesystems range from 4 (a cloud block
/// volume) to 32+ (Lustre, object storage); 16 sits in the middle, keeps
/// the cost of being too high small (16 x 1 MiB buffers, 16 open files), and
/// on a local disk, whose curve is flat, costs nothing. `preload tune` and
/// `-P auto` replace this guess with a measurement.
pub const DEFAULT_PARALLELISM: usize = 16;

/// A progress callback, called from the engine's monitor thread.
pub type ProgressFn = Box<dyn Fn(&Progress) + Sync + Send>;

/// Reads files into the page cache in parallel.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # std::fs::write(dir.path().join("model.safetensors"), vec![0u8; 1 << 20]).unwrap();
/// use preload_core::Warmer;
///
/// let summary = Warmer::new([dir.path()]).parallelism(16).run().unwrap();
/// assert_eq!(summary.files_read, 1);
/// assert_eq!(summary.bytes, 1 << 20);
/// ```
pub struct Warmer {
    inputs: Vec<PathBuf>,
    include: Vec<String>,
    exclude: Vec<String>,
    chunk_size: u64,
    engine: EngineConfig,
    pacing: Pacing,
    controller: Box<dyn Controller>,
    max_bytes: Option<u64>,
    cancel: CancelToken,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Warmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warmer")
            .field("inputs", &self.inputs)
            .field("chunk_size", &self.chunk_size)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// The files to read, found and checked, before any byte is read.
#[derive(Debug)]
pub struct Prepared {
    /// Files and chunks.
    pub plan: Plan,
    /// What was skipped or could not be examined during the walk.
    pub walk: WalkOutcome,
    /// Planned bytes against available memory.
    pub memory: MemoryCheck,
    /// The filesystem of each input (distinct mounts).
    pub filesystems: Vec<FsInfo>,
}

impl Warmer {
    /// A warmer over files and directories (read recursively).
    pub fn new<P: AsRef<Path>>(inputs: impl IntoIterator<Item = P>) -> Self {
        Warmer {
            inputs: inputs.into_iter().map(|p| p.as_ref().to_owned()).collect(),
            include: Vec::new(),
            exclude: Vec::new(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            engine: EngineConfig::default(),
            pacing: Pacing::default(),
            controller: Box::new(FixedLevel(DEFAULT_PARALLELISM)),
            max_bytes: None,
            cancel: CancelToken::new(),
            progress: None,
        }
    }

    /// A fixed number of concurrent readers.
    pub fn parallelism(self, n: usize) -> Self {
        self.controller(Box::new(FixedLevel(n)))
    }

    /// A controller that sets the parallelism while reading (`-P auto`).
    pub fn controller(mut self, controller: Box<dyn Controller>) -> Self {
        self.controller = controller;
        self
    }

    /// The read method.
    pub fn method(mut self, method: ReadMethod) -> Self {
        self.engine.method = method;
        self
    }

    /// Bytes per work unit, at least [`MIN_CHUNK_SIZE`](crate::plan::MIN_CHUNK_SIZE)
    /// ([`Warmer::prepare`] refuses less).
    pub fn chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// Bytes per read call (each worker's buffer).
    pub fn buffer_size(mut self, bytes: usize) -> Self {
        self.engine.buffer_size = bytes;
        self
    }

    /// Most bytes per second all readers together may read (None: no cap).
    pub fn max_rate(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.pacing.max_rate = bytes_per_sec;
        self
    }

    /// Halve the readers when throughput collapses while they hold
    /// (see [`crate::backoff`]).
    pub fn backoff(mut self, on: bool) -> Self {
        self.pacing.backoff = on.then(BackOffRule::default);
        self
    }

    /// Only files matching one of these globs (relative to their input).
    pub fn include(mut self, globs: Vec<String>) -> Self {
        self.include = globs;
        self
    }

    /// Never files matching one of these globs.
    pub fn exclude(mut self, globs: Vec<String>) -> Self {
        self.exclude = globs;
        self
    }

    /// Refuse to read more than this many bytes.
    pub fn max_bytes(mut self, limit: Option<u64>) -> Self {
        self.max_bytes = limit;
        self
    }

    /// A token to stop the run early (e.g. from a Ctrl-C handler).
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Called every tick from the monitor thread with the progress so far.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Sync + Send + 'static) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Walks the inputs, plans the chunks and checks memory; reads nothing.
    pub fn prepare(&self) -> Result<Prepared, CoreError> {
        if self.engine.buffer_size == 0 {
            return Err(CoreError::Config("buffer size must be positive".into()));
        }
        if self.chunk_size < MIN_CHUNK_SIZE {
            return Err(CoreError::Config(format!(
                "chunk size {} is below the minimum of {} ({MIN_CHUNK_SIZE} bytes)",
                self.chunk_size,
                human_bytes(MIN_CHUNK_SIZE)
            )));
        }
        let filter = Filter::new(&self.include, &self.exclude)?;
        let mut walked = walk(&self.inputs, &filter)?;
        let files = std::mem::take(&mut walked.files);
        let plan = Plan::new(files, self.chunk_size);
        let planned = plan.bytes();
        if let Some(limit) = self.max_bytes.filter(|&l| planned > l) {
            return Err(CoreError::TooLarge { planned, limit });
        }
        // One lookup per device, not per input: --files-from may list
        // thousands of paths on one mount.
        let mut filesystems: Vec<FsInfo> = Vec::new();
        let mut devices = std::collections::HashSet::new();
        for input in &self.inputs {
            let dev = std::fs::metadata(input).map(|m| m.dev()).ok();
            if dev.is_some_and(|d| !devices.insert(d)) {
                continue;
            }
            let fs = filesystem_of(input);
            if !filesystems
                .iter()
                .any(|f| f.device == fs.device && f.mount_point == fs.mount_point)
            {
                filesystems.push(fs);
            }
        }
        Ok(Prepared {
            memory: MemorySnapshot::read().assess(planned),
            plan,
            walk: walked,
            filesystems,
        })
    }

    /// Reads a prepared plan and verifies what stayed resident.
    pub fn read(&mut self, prepared: Prepared) -> WarmSummary {
        let counters = VmCounters::read();
        let stats = engine::run_paced(
            &prepared.plan,
            &self.engine,
            &self.pacing,
            self.controller.as_mut(),
            &self.cancel,
            self.progress
                .as_deref()
                .map(|f| f as &(dyn Fn(&Progress) + Sync)),
        );
        let mut summary = summarize(prepared, &stats, self.engine.method, counters);
        summary.pacing = pacing_summary(&self.pacing, &stats);
        // Said first: it explains a slower warm than the user expected.
        let said = summary.pacing.backoffs.iter().map(backoff_warning);
        summary.warnings.splice(0..0, said);
        summary
    }

    /// [`Warmer::prepare`] then [`Warmer::read`].
    pub fn run(mut self) -> Result<WarmSummary, CoreError> {
        let prepared = self.prepare()?;
        Ok(self.read(prepared))
    }
}

fn summarize(
    prepared: Prepared,
    stats: &RunStats,
    method: ReadMethod,
    counters: Option<VmCounters>,
) -> WarmSummary {
    let Prepared {
        plan,
        walk,
        memory,
        filesystems,
    } = prepared;
    let verified = if stats.cancelled {
        // Interrupted: exit now rather than measure; nothing is claimed.
        let total = plan.files.iter().map(|f| f.size).sum();
        Verification {
            residency: Residency {
                total_bytes: total,
                unknown_bytes: total,
                ..Residency::default()
            },
            diagnoses: Vec::new(),
        }
    } else {
        verify(&plan.files, &stats.failures, counters)
    };
    let mut warnings = Vec::new();
    warnings.extend(memory_warning(&memory));
    warnings.extend(
        verified
            .diagnoses
            .iter()
            .map(|d| diagnosis_warning(d, stats.bytes, &filesystems)),
    );
    if !stats.cancelled && verified.residency.unknown_bytes > 0 {
        warnings.push(format!(
            "the residency of {} could not be measured by this user on this mount \
             (the mount refuses mmap): it is reported as unknown, not as resident",
            human_bytes(verified.residency.unknown_bytes)
        ));
    }
    for fs in &filesystems {
        warnings.extend(advice(fs));
    }
    let pages_retained = !verified
        .diagnoses
        .iter()
        .any(|d| d.kind == DiagnosisKind::NotKept);
    WarmSummary {
        kind: "warm".into(),
        schema_version: SCHEMA_VERSION,
        method: method.as_str().into(),
        parallelism_source: "fixed".into(),
        parallelism: stats.final_level,
        files: plan.files.len() as u64,
        files_read: stats.files_read,
        bytes: stats.bytes,
        planned_bytes: plan.bytes(),
        elapsed_s: stats.elapsed.as_secs_f64(),
        throughput_mib_s: mib_per_s(stats.bytes, stats.elapsed.as_secs_f64()),
        skipped: walk.skipped,
        failed: walk
            .failed
            .into_iter()
            .chain(stats.failures.iter().cloned())
            .collect(),
        residency: verified.residency,
        pages_retained,
        memory,
        interrupted: stats.cancelled,
        filesystems,
        warnings,
        diagnoses: verified.diagnoses,
        pacing: preload_schema::Pacing::default(),
    }
}

fn pacing_summary(pacing: &Pacing, stats: &RunStats) -> preload_schema::Pacing {
    preload_schema::Pacing {
        max_rate_bytes_s: pacing.max_rate,
        fleet_rate_bytes_s: pacing.max_rate,
        fleet_size: pacing.max_rate.map(|_| 1),
        fleet_size_from: None,
        backoff: pacing.backoff.is_some(),
        backoffs: stats
            .backoffs
            .iter()
            .map(|e| preload_schema::BackOff {
                at_s: e.at.as_secs_f64(),
                from: e.from,
                to: e.to,
                peak_mib_s: e.peak_mib_s,
                collapsed_mib_s: e.now_mib_s,
            })
            .collect(),
    }
}

fn backoff_warning(b: &preload_schema::BackOff) -> String {
    format!(
        "backed off from -P {} to -P {} at {:.1} s: throughput collapsed to {:.1} MiB/s          from {:.1} MiB/s while -P held (the storage is throttling or other clients started);          a fleet should share a budget with --max-rate TOTAL/fleet",
        b.from, b.to, b.at_s, b.collapsed_mib_s, b.peak_mib_s
    )
}

/// The warning that tells the user about one diagnosis and what to do.
fn diagnosis_warning(d: &Diagnosis, read: u64, filesystems: &[FsInfo]) -> String {
    let what = format!(
        "{} read from {} file{} ({:.2}% of what was read) is not in the page cache",
        human_bytes(d.bytes),
        d.files,
        if d.files == 1 { "" } else { "s" },
        100.0 * d.bytes as f64 / read.max(1) as f64
    );
    match d.kind {
        DiagnosisKind::NotKept => {
            let fs: Vec<String> = filesystems
                .iter()
                .map(|f| format!("{} on {}", f.fs_type, f.mount_point))
                .collect();
            format!(
                "pages were not retained: {what}. Proof: {}. Warming cannot speed up a loader \
                 on this mount ({}); remount with caching enabled (e.g. sshfs -o kernel_cache, \
                 a FUSE mount without direct I/O)",
                d.evidence,
                fs.join(", ")
            )
        }
        DiagnosisKind::MemoryPressure => format!(
            "evicted under memory pressure: {what}. Evidence: {}. Warm a subset with --include \
             or give the machine (or container) more memory",
            d.evidence
        ),
        DiagnosisKind::CacheDropped => format!(
            "the page cache was dropped during the run: {what}. Evidence: {}. Warm again",
            d.evidence
        ),
        DiagnosisKind::EvictedByOther => format!(
            "evicted by another process: {what}. Evidence: {}. Warm again once it is done",
            d.evidence
        ),
        DiagnosisKind::ChangedWhileRead => {
            format!("files changed while read: {what}. Evidence: {}", d.evidence)
        }
    }
}

/// The warning for planned bytes that do not fit in the page cache, if any.
/// It names the cgroup limit that decided, so the user knows which knob to
/// turn (the container's limit, not the host's RAM).
pub fn memory_warning(memory: &MemoryCheck) -> Option<String> {
    (!memory.fits).then(|| {
        let limit = match (&memory.cgroup_limit_bytes, &memory.cgroup_path) {
            (Some(limit), Some(path)) => format!(
                ", under the {} limit of cgroup {path} (v{} {}, {} in use)",
                human_bytes(*limit),
                memory.cgroup_version.unwrap_or(0),
                memory.cgroup_limit_file.as_deref().unwrap_or("limit"),
                human_bytes(memory.cgroup_used_bytes.unwrap_or(0)),
            ),
            _ => String::new(),
        };
        format!(
            "the files ({}) are larger than the memory available for the page cache ({}{limit}): \
             the first files read will be evicted before a loader gets to them; warm a subset \
             with --include or give the machine (or container) more memory",
            human_bytes(memory.planned_bytes),
            human_bytes(memory.available_bytes)
        )
    })
}

/// Bytes in binary units with one decimal (`1.5 GiB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_uses_binary_units() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn the_memory_warning_names_the_cgroup_limit() {
        let m = MemoryCheck {
            planned_bytes: 1 << 30,
            available_bytes: 199 << 20,
            cgroup_limit_bytes: Some(200 << 20),
            cgroup_path: Some("/a/outer".into()),
            cgroup_version: Some(1),
            cgroup_limit_file: Some("memory.limit_in_bytes".into()),
            cgroup_used_bytes: Some(1 << 20),
            fits: false,
        };
        let w = memory_warning(&m).unwrap();
        assert!(
            w.contains(
                "(199.0 MiB, under the 200.0 MiB limit of cgroup /a/outer \
                 (v1 memory.limit_in_bytes, 1.0 MiB in use))"
            ),
            "{w}"
        );
        let host = MemoryCheck {
            cgroup_limit_bytes: None,
            cgroup_path: None,
            ..m.clone()
        };
        assert!(memory_warning(&host).unwrap().contains("(199.0 MiB):"));
        assert_eq!(memory_warning(&MemoryCheck { fits: true, ..m }), None);
    }

    #[test]
    fn a_chunk_size_below_the_minimum_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"x").unwrap();
        let err = Warmer::new([dir.path()])
            .chunk_size(MIN_CHUNK_SIZE - 1)
            .prepare()
            .unwrap_err();
        assert!(
            matches!(&err, CoreError::Config(m) if m.contains("minimum of 1.0 MiB")),
            "{err}"
        );
        let ok = Warmer::new([dir.path()])
            .chunk_size(MIN_CHUNK_SIZE)
            .prepare();
        assert!(ok.is_ok());
    }

    #[test]
    fn max_bytes_refuses_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), vec![0u8; 100]).unwrap();
        let err = Warmer::new([dir.path()])
            .max_bytes(Some(99))
            .run()
            .unwrap_err();
        assert!(matches!(
            err,
            CoreError::TooLarge {
                planned: 100,
                limit: 99
            }
        ));
    }
}
