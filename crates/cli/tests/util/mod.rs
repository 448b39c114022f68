//! Shared helpers for the binary's integration tests.
#![allow(dead_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use assert_cmd::Command;

/// The `preload` binary under test.
pub fn preload() -> Command {
    Command::cargo_bin("preload").expect("binary built")
}

/// Creates a file of `size` bytes: the first 64 KiB random-ish data, the rest
/// sparse, so big files cost no disk.
pub fn create_size(path: &Path, size: u64) {
    let f = File::create(path).unwrap();
    let head: Vec<u8> = (0..size.min(64 * 1024))
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    std::io::Write::write_all(&mut &f, &head).unwrap();
    f.set_len(size).unwrap();
    f.sync_all().unwrap();
}

/// Resident bytes of a file by mincore(2), written independently of
/// preload's own residency code so the tests check it rather than trust it.
pub fn mincore_resident(path: &Path) -> u64 {
    let f = File::open(path).unwrap();
    let len = f.metadata().unwrap().len() as usize;
    if len == 0 {
        return 0;
    }
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: a fresh read-only mapping of an open file, unmapped below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            f.as_raw_fd(),
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    let mut vec = vec![0u8; len.div_ceil(page)];
    // SAFETY: vec has one byte per page of the mapping.
    let rc = unsafe { libc::mincore(base, len, vec.as_mut_ptr()) };
    // SAFETY: the mapping made above.
    unsafe { libc::munmap(base, len) };
    assert_eq!(rc, 0);
    let pages = vec.iter().filter(|&&b| b & 1 == 1).count();
    (pages * page).min(len) as u64
}

/// Drops a file's pages (fdatasync + POSIX_FADV_DONTNEED), independently of preload.
pub fn drop_pages(path: &Path) {
    let f = File::open(path).unwrap();
    f.sync_data().unwrap();
    // SAFETY: plain fadvise on an open fd.
    unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}

/// True when running as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Parses stdout as JSON.
pub fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// A memory cgroup (v1, the controller this kind of machine mounts) made
/// under the test process's own, removed on drop.
pub struct MemoryCgroup {
    dir: std::path::PathBuf,
}

impl MemoryCgroup {
    /// A child cgroup with `limit` bytes of memory; None, said loudly, where
    /// no writable v1 memory hierarchy exists (not root, or v2 only).
    pub fn create(name: &str, limit: u64) -> Option<MemoryCgroup> {
        let own = std::fs::read_to_string("/proc/self/cgroup")
            .ok()?
            .lines()
            .find_map(|l| {
                let mut parts = l.splitn(3, ':');
                let (_, ctrl, path) = (parts.next()?, parts.next()?, parts.next()?);
                ctrl.split(',')
                    .any(|c| c == "memory")
                    .then(|| path.trim_start_matches('/').to_owned())
            });
        let root = Path::new("/sys/fs/cgroup/memory");
        let Some(own) = own.filter(|_| is_root() && root.is_dir()) else {
            eprintln!("SKIPPED: no writable cgroup v1 memory hierarchy here");
            return None;
        };
        let dir = root
            .join(own)
            .join(format!("{name}-{}", std::process::id()));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("memory.limit_in_bytes"), limit.to_string()).unwrap();
        Some(MemoryCgroup { dir })
    }

    /// Runs `cmd` inside the cgroup (it joins before exec).
    pub fn run(&self, cmd: &mut std::process::Command) -> std::process::Output {
        use std::os::unix::process::CommandExt;
        let procs = std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join("cgroup.procs"))
            .unwrap();
        let fd = procs.as_raw_fd();
        // SAFETY: only async-signal-safe work between fork and exec: one
        // write(2) to a descriptor opened before the fork ("0" = this process).
        unsafe {
            cmd.pre_exec(move || {
                if libc::write(fd, b"0\n".as_ptr().cast(), 2) == 2 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let out = cmd.output().unwrap();
        drop(procs);
        out
    }
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        // The child has exited; its charged page cache may keep the cgroup
        // busy for a moment after.
        let _ = std::fs::write(self.dir.join("memory.force_empty"), b"0\n");
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        eprintln!("warning: could not remove cgroup {}", self.dir.display());
    }
}
