//! Mounting and unmounting: [`mount`] and the [`Mounted`] guard.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fuser::{BackgroundSession, Config, MountOption};

use crate::error::SimfsError;
use crate::faults::FaultMatcher;
use crate::fs::SimFs;
use crate::model::Model;
use crate::scheduler::Scheduler;
use crate::stats::{Counters, Stats};
use crate::sys::{self, READ_AHEAD_KB, Unmounted};

/// Threads reading requests from `/dev/fuse`; they only schedule, never wait.
const SESSION_THREADS: usize = 2;

/// How long dropping a [`Mounted`] waits for the session to wind down.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A live mount; dropping it unmounts (lazily when files are still open there).
#[derive(Debug)]
pub struct Mounted {
    path: PathBuf,
    backing: PathBuf,
    session: Option<BackgroundSession>,
    counters: Arc<Counters>,
    read_ahead_kb: Option<u32>,
}

fn dir(path: &Path) -> Result<PathBuf, SimfsError> {
    let canon = path.canonicalize().map_err(|e| SimfsError::io(path, e))?;
    if canon.is_dir() {
        Ok(canon)
    } else {
        Err(SimfsError::NotADirectory {
            path: path.to_path_buf(),
        })
    }
}

/// Mounts `backing` read-only at `mountpoint`, served through `model`.
///
/// The session runs on background threads of the calling process. Before
/// mounting, a stale FUSE mount at `mountpoint` (its server gone) is
/// detached. Returns once the mount answers, with the kernel side set up:
/// `max_background` 256 and `congestion_threshold` 192 in `init`, and the
/// bdi's `read_ahead_kb` raised to 1024 (see [`Mounted::read_ahead_kb`]).
///
/// ```no_run
/// use std::time::Duration;
/// use preload_simfs::{Model, mount};
///
/// let model = Model::new()
///     .latency(Duration::from_millis(2))
///     .stream_bw(50 << 20)
///     .total_bw(400 << 20);
/// let m = mount("/data/backing".as_ref(), "/mnt/sim".as_ref(), model)?;
/// let bytes = std::fs::read(m.path().join("weights.bin")).unwrap();
/// drop(m); // unmounts
/// # Ok::<(), preload_simfs::SimfsError>(())
/// ```
pub fn mount(backing: &Path, mountpoint: &Path, model: Model) -> Result<Mounted, SimfsError> {
    let backing = dir(backing)?;
    sys::clean_stale_mount(mountpoint)?;
    let path = dir(mountpoint)?;
    model
        .validate()
        .map_err(|reason| SimfsError::InvalidModel { reason })?;
    let faults = FaultMatcher::new(&model.faults)?;
    let sched = Scheduler::start(&model).map_err(|e| SimfsError::io(&path, e))?;
    let counters = sched.counters();
    let fs = SimFs::new(backing.clone(), &model, faults, sched);
    let mut config = Config::default();
    config.mount_options = vec![
        MountOption::FSName(format!("simfs:{}", backing.display())),
        MountOption::Subtype("simfs".into()),
        MountOption::RO,
        MountOption::NoAtime,
        MountOption::DefaultPermissions,
    ];
    config.n_threads = Some(SESSION_THREADS);
    let mount_err = |source| SimfsError::Mount {
        path: path.clone(),
        source,
    };
    let session = fuser::Session::new(fs, &path, &config).map_err(mount_err)?;
    let session = session.spawn().map_err(mount_err)?;
    let mut mounted = Mounted {
        path: path.clone(),
        backing,
        session: Some(session),
        counters,
        read_ahead_kb: None,
    };
    // The mount answers once the root can be stat'ed through it.
    std::fs::metadata(&path).map_err(|e| SimfsError::io(&path, e))?;
    mounted.read_ahead_kb = sys::set_read_ahead(&path, READ_AHEAD_KB);
    Ok(mounted)
}

impl Mounted {
    /// The mount point (canonical).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The backing directory (canonical).
    pub fn backing(&self) -> &Path {
        &self.backing
    }

    /// The kernel readahead of the mount in KiB, as read back after setting it
    /// to 1024 (`None` when sysfs could not be read; 128 when it was refused).
    pub fn read_ahead_kb(&self) -> Option<u32> {
        self.read_ahead_kb
    }

    /// Counters of the read requests served so far.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// Whether the session is still serving (false once unmounted from outside).
    pub fn is_alive(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| !s.guard.is_finished())
    }

    /// Unmounts now, reporting failure (dropping does the same, silently).
    pub fn unmount(mut self) -> Result<(), SimfsError> {
        self.unmount_inner()
    }

    fn unmount_inner(&mut self) -> Result<(), SimfsError> {
        let Some(session) = self.session.take() else {
            return Ok(());
        };
        let how = if session.guard.is_finished() {
            Unmounted::NotMounted
        } else {
            sys::unmount(&self.path)?
        };
        if how == Unmounted::Lazy {
            // Files are still open: the session serves them until they close.
            drop(session);
            return Ok(());
        }
        let deadline = Instant::now() + JOIN_TIMEOUT;
        while !session.guard.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if session.guard.is_finished() {
            let _ = session.join();
        }
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Err(e) = self.unmount_inner() {
            eprintln!("preload-simfs: {e}");
        }
    }
}
