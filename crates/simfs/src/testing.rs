//! Helpers for tests that need a simfs mount (this crate's and other crates').
//!
//! ```no_run
//! use preload_simfs::{Model, testing::{TestMount, require_fuse}};
//!
//! if !require_fuse() {
//!     return; // printed "SKIPPED: ..." (and panicked instead under CI=true)
//! }
//! let m = TestMount::new(Model::default()).unwrap();
//! std::fs::write(m.backing().join("a"), b"hello").unwrap();
//! assert_eq!(std::fs::read(m.path().join("a")).unwrap(), b"hello");
//! // dropping `m` unmounts, then removes both temporary directories
//! ```

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::{Model, Mounted, SimfsError, mount};

/// A simfs mount over a temporary (or given) backing directory, at a
/// temporary mount point; dropping it unmounts, even during a panic.
#[derive(Debug)]
pub struct TestMount {
    // Field order is drop order: unmount before removing the directories.
    mounted: Mounted,
    backing_dir: Option<TempDir>,
    _mount_dir: TempDir,
}

/// A temporary directory on tmpfs (`/dev/shm`) when there is one, so backing
/// reads cost no disk time; else in the usual temporary directory.
fn temp_backing() -> io::Result<TempDir> {
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("simfs-backing-");
        b
    };
    builder
        .tempdir_in("/dev/shm")
        .or_else(|_| builder.tempdir())
}

impl TestMount {
    /// Mounts `model` over a new, empty temporary backing directory (on tmpfs
    /// when available); fill it through [`TestMount::backing`].
    pub fn new(model: Model) -> Result<Self, SimfsError> {
        let dir = temp_backing().map_err(|e| SimfsError::io("/dev/shm", e))?;
        let backing = dir.path().to_path_buf();
        Self::mount_over(&backing, Some(dir), model)
    }

    /// Mounts `model` over an existing backing directory (left in place on drop).
    pub fn with_backing(backing: impl AsRef<Path>, model: Model) -> Result<Self, SimfsError> {
        Self::mount_over(backing.as_ref(), None, model)
    }

    fn mount_over(
        backing: &Path,
        backing_dir: Option<TempDir>,
        model: Model,
    ) -> Result<Self, SimfsError> {
        let mount_dir = tempfile::Builder::new()
            .prefix("simfs-mnt-")
            .tempdir()
            .map_err(|e| SimfsError::io(std::env::temp_dir(), e))?;
        let mounted = mount(backing, mount_dir.path(), model)?;
        Ok(Self {
            mounted,
            backing_dir,
            _mount_dir: mount_dir,
        })
    }

    /// The backing directory: write test files here.
    pub fn backing(&self) -> &Path {
        self.mounted.backing()
    }

    /// The mount point: read through the model here.
    pub fn path(&self) -> &Path {
        self.mounted.path()
    }

    /// The mount itself (stats, readahead).
    pub fn mounted(&self) -> &Mounted {
        &self.mounted
    }

    /// Whether the backing directory is temporary (removed on drop).
    pub fn owns_backing(&self) -> bool {
        self.backing_dir.is_some()
    }
}

/// Why FUSE cannot be used here, checked once per process.
fn fuse_unavailable() -> Option<&'static str> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON
        .get_or_init(|| {
            if !Path::new("/dev/fuse").exists() {
                return Some("/dev/fuse does not exist".into());
            }
            if let Err(e) = File::options().read(true).write(true).open("/dev/fuse") {
                return Some(format!("cannot open /dev/fuse: {e}"));
            }
            match TestMount::new(Model::default()) {
                Ok(m) => match std::fs::read_dir(m.path()) {
                    Ok(_) => None,
                    Err(e) => Some(format!("a trial mount does not answer: {e}")),
                },
                Err(e) => Some(format!("a trial mount failed: {e}")),
            }
        })
        .as_deref()
}

/// Whether FUSE mounts work here. When they do not, prints a loud
/// `SKIPPED: ... (reason)` to stderr and returns false, so the caller can
/// return early; but when the environment variable `CI` is `true`, panics
/// instead, so CI never passes by skipping.
pub fn require_fuse() -> bool {
    let Some(reason) = fuse_unavailable() else {
        return true;
    };
    let message = format!("FUSE is unavailable, simfs tests cannot run ({reason})");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; CI=true, so this is a failure: install fuse3 and provide /dev/fuse");
    }
    let _ = writeln!(io::stderr(), "SKIPPED: {message}");
    false
}

/// The model most tests mount: `latency_ms` per request and `stream_mib`
/// MiB/s per stream (a network file system's per-connection limit).
pub fn streams(latency_ms: u64, stream_mib: u64) -> Model {
    Model::new()
        .latency(std::time::Duration::from_millis(latency_ms))
        .stream_bw(stream_mib << 20)
}

/// [`streams`] with a cap of `total_mib` MiB/s on the whole mount: the knee
/// is at `total_mib / stream_mib` readers.
pub fn capped(latency_ms: u64, stream_mib: u64, total_mib: u64) -> Model {
    streams(latency_ms, stream_mib).total_bw(total_mib << 20)
}

/// Drops `path` from the page cache with `posix_fadvise(DONTNEED)`.
pub fn evict(path: &Path) -> io::Result<()> {
    let f = File::open(path)?;
    // SAFETY: fadvise only reads its integer arguments; the fd is open for the call.
    let rc = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// Bytes of `path` resident in the page cache (`mmap` + `mincore`, whole pages).
pub fn resident_bytes(path: &Path) -> io::Result<u64> {
    let f = File::open(path)?;
    let len = usize::try_from(f.metadata()?.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large to map"))?;
    if len == 0 {
        return Ok(0);
    }
    // SAFETY: sysconf has no memory-safety preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    // SAFETY: a fresh shared read-only mapping of an open file; checked for failure below.
    let addr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            f.as_raw_fd(),
            0,
        )
    };
    if addr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    let mut vec = vec![0u8; len.div_ceil(page)];
    // SAFETY: `addr..addr+len` is the mapping made above; `vec` has one byte per page.
    let rc = unsafe { libc::mincore(addr, len, vec.as_mut_ptr()) };
    let err = io::Error::last_os_error();
    // SAFETY: unmaps exactly the mapping made above, which nothing else refers to.
    unsafe { libc::munmap(addr, len) };
    if rc != 0 {
        return Err(err);
    }
    let pages = vec.iter().filter(|&&b| b & 1 == 1).count() as u64;
    Ok((pages * page as u64).min(len as u64))
}

/// Creates `path` with `len` bytes of deterministic pseudo-random content
/// (`seed` picks the sequence; every 4 KiB page differs from every other),
/// creating parent directories as needed. Returns `path`.
pub fn create_file(path: &Path, len: u64, seed: u64) -> io::Result<PathBuf> {
    const BLOCK: usize = 64 * 1024;
    const PAGE: usize = 4096;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // One block of splitmix64 output, then each page stamped with its index.
    let mut block = vec![0u8; BLOCK];
    let mut state = seed ^ 0xD1B5_4A32_D192_ED03;
    for word in block.chunks_exact_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        word.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let mut out = File::create(path)?;
    let mut page_index = 0u64;
    let mut left = len;
    while left > 0 {
        for page in block.chunks_exact_mut(PAGE) {
            page[..8].copy_from_slice(&(page_index ^ seed.rotate_left(32)).to_le_bytes());
            page_index += 1;
        }
        let n = usize::try_from(left).map_or(BLOCK, |l| l.min(BLOCK));
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<TestMount>();
        send_sync::<crate::Mounted>();
    }

    #[test]
    fn create_file_is_deterministic_and_exact() {
        let dir = tempfile::tempdir().unwrap();
        let a = create_file(&dir.path().join("x/a"), 4097, 7).unwrap();
        let b = create_file(&dir.path().join("b"), 4097, 7).unwrap();
        let c = create_file(&dir.path().join("c"), 4097, 8).unwrap();
        let (a, b, c) = (
            std::fs::read(a).unwrap(),
            std::fs::read(b).unwrap(),
            std::fs::read(c).unwrap(),
        );
        assert_eq!(a.len(), 4097);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn residency_of_a_local_file_follows_evict() {
        let dir = tempfile::tempdir().unwrap();
        let p = create_file(&dir.path().join("f"), 1 << 20, 1).unwrap();
        assert_eq!(resident_bytes(&dir.path().join("empty")).ok(), None);
        std::fs::read(&p).unwrap();
        // Eviction of a clean local file may be partial on tmpfs (it never
        // evicts), so only check the call succeeds and the count is bounded.
        evict(&p).unwrap();
        assert!(resident_bytes(&p).unwrap() <= 1 << 20);
    }
}
