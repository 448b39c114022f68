//! The whole warm: walk, plan, check memory, read, verify residency.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use preload_schema::{
    FsInfo, Joined, MemoryCheck, ParallelismSource, WarmSummary, Warning, WarningKind,
};

use crate::backoff::BackOffRule;
use crate::control::{Controller, FixedLevel};
use crate::engine::{self, EngineConfig, Pacing, Progress, Scheduling};
use crate::fsinfo::filesystem_of;
use crate::join::{self, Entry, Leader};
use crate::memory::MemorySnapshot;
use crate::order::{Order, sort_files};
use crate::plan::{DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, Plan};
use crate::read::ReadMethod;
use crate::summarize::{backoff_warning, pacing_summary, summarize};
use crate::verify::VmCounters;
use crate::walk::{Filter, WalkOutcome, walk_until};
use crate::warnings::human_bytes;
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

/// Told when a warm waits for another warm of the same tree ([`join`]).
pub type JoinFn = Box<dyn Fn(&Leader) + Sync + Send>;

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
    order: Order,
    engine: EngineConfig,
    pacing: Pacing,
    controller: Box<dyn Controller>,
    source: ParallelismSource,
    max_bytes: Option<u64>,
    cancel: CancelToken,
    progress: Option<ProgressFn>,
    join: Option<JoinFn>,
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
            order: Order::default(),
            engine: EngineConfig {
                skip_resident: true,
                promote: true,
                ..EngineConfig::default()
            },
            pacing: Pacing::default(),
            controller: Box::new(FixedLevel(DEFAULT_PARALLELISM)),
            source: ParallelismSource::Fixed,
            max_bytes: None,
            cancel: CancelToken::new(),
            progress: None,
            join: None,
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

    /// How the controller's level was chosen, as the summary reports it
    /// (default: fixed).
    pub fn parallelism_source(mut self, source: ParallelismSource) -> Self {
        self.source = source;
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

    /// Keep a file open across a reader's chunks of it while no other
    /// reader shares it ([`EngineConfig::keep_open`]).
    pub fn keep_open(mut self, keep_open: bool) -> Self {
        self.engine.keep_open = keep_open;
        self
    }

    /// Which chunk a free reader takes (default:
    /// [`Scheduling::AroundStalls`], the front of the plan; `preload run`
    /// keeps it, since the loader reads the front first).
    pub fn scheduling(mut self, scheduling: Scheduling) -> Self {
        self.engine.scheduling = scheduling;
        self
    }

    /// The order files are read in (default: [`Order::Loader`]).
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Skip chunks already resident (default: on; see
    /// [`EngineConfig::skip_resident`]).
    pub fn skip_resident(mut self, skip: bool) -> Self {
        self.engine.skip_resident = skip;
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

    /// Join other warms of the same inputs on this node (see [`join`]):
    /// while one is reading, wait for it, then read only what is still
    /// missing. `on_wait` is told when this warm waits. Off by default.
    pub fn join_node(mut self, on_wait: impl Fn(&Leader) + Sync + Send + 'static) -> Self {
        self.join = Some(Box::new(on_wait));
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
        let mut walked = walk_until(&self.inputs, &filter, &self.cancel)?;
        let files = std::mem::take(&mut walked.files);
        let plan = Plan::with_even_tail(
            sort_files(files, self.order),
            self.chunk_size,
            self.tail_readers(),
        );
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

    /// Readers the plan's tail is evened out for: the level of a fixed
    /// `-P`; for `-P auto` its start, or the default level if that is more
    /// (it climbs from there, and a tail split for too many readers only
    /// costs a few more chunks).
    fn tail_readers(&self) -> usize {
        let c = &self.controller;
        if c.initial_level() == c.max_level() {
            c.max_level()
        } else {
            c.initial_level().max(DEFAULT_PARALLELISM)
        }
    }

    /// Reads a prepared plan and verifies what stayed resident.
    pub fn read(&mut self, prepared: Prepared) -> WarmSummary {
        // Held until the summary is made: a follower then finds it all resident.
        let entry =
            (self.join.as_deref()).map(|tell| join::enter(&self.inputs, &self.cancel, tell));
        let mut engine = self.engine;
        // A follower reads what its leader left; resident chunks never again.
        engine.skip_resident |= matches!(entry, Some(Entry::Followed { .. }));
        let counters = VmCounters::read();
        let stats = engine::run_paced(
            &prepared.plan,
            &engine,
            &self.pacing,
            self.controller.as_mut(),
            &self.cancel,
            self.progress
                .as_deref()
                .map(|f| f as &(dyn Fn(&Progress) + Sync)),
        );
        let mut summary = summarize(
            prepared,
            &stats,
            self.engine.method,
            self.order,
            self.source,
            counters,
        );
        summary.pacing = pacing_summary(&self.pacing, &stats);
        summary.chunk_size = self.chunk_size;
        summary.schedule = self.engine.scheduling.as_str().into();
        // Said first: it explains a slower warm than the user expected.
        let said = summary.pacing.backoffs.iter().map(backoff_warning);
        summary.warnings.splice(0..0, said);
        match entry {
            Some(Entry::Followed { leader, waited, .. }) => {
                summary.joined = Some(Joined {
                    leader_pid: leader.pid,
                    waited_s: waited.as_secs_f64(),
                });
            }
            Some(Entry::Alone(why)) => {
                summary
                    .warnings
                    .push(Warning::new(WarningKind::NotJoined, why));
            }
            Some(Entry::Led(_)) | None => {}
        }
        summary
    }

    /// [`Warmer::prepare`] then [`Warmer::read`].
    pub fn run(mut self) -> Result<WarmSummary, CoreError> {
        let prepared = self.prepare()?;
        Ok(self.read(prepared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_plan_follows_the_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("model.safetensors.index.json"),
            r#"{"weight_map": {"a": "b.safetensors", "b": "a.safetensors"}}"#,
        )
        .unwrap();
        std::fs::write(root.join("a.safetensors"), vec![0u8; 3 << 20]).unwrap();
        std::fs::write(root.join("b.safetensors"), vec![0u8; 2 << 20]).unwrap();
        std::fs::write(root.join("config.json"), b"{}").unwrap();
        let names = |order| {
            let plan = Warmer::new([root])
                .order(order)
                .chunk_size(MIN_CHUNK_SIZE)
                .prepare()
                .unwrap()
                .plan;
            plan.chunks
                .iter()
                .map(|c| plan.files[c.file].path.file_name().unwrap().to_owned())
                .map(|n| n.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        let loader = names(Order::Loader);
        assert_eq!(
            loader,
            [
                "config.json",
                "model.safetensors.index.json",
                "b.safetensors",
                "b.safetensors",
                "a.safetensors",
                "a.safetensors",
                "a.safetensors"
            ]
        );
        assert_eq!(names(Order::Path)[0], "a.safetensors");
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
