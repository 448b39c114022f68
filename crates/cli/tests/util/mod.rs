//! Shared helpers for the binary's integration tests.
#![allow(dead_code)]

pub mod kpageflags;

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use assert_cmd::Command;

/// The `preload` binary under test.
pub fn preload() -> Command {
    Command::cargo_bin("preload").expect("binary built")
}

/// Runs `preload ARGS PATH`, for its exit code and output.
pub fn preload_on(args: &[&str], path: impl AsRef<std::ffi::OsStr>) -> assert_cmd::assert::Assert {
    preload().args(args).arg(path).assert()
}

/// Runs `preload ARGS PATH`, which must succeed, and parses its JSON output.
pub fn run_json(args: &[&str], path: impl AsRef<std::ffi::OsStr>) -> serde_json::Value {
    stdout_json(preload().args(args).arg(path))
}

/// Runs `cmd`, which must succeed, and parses its JSON output.
pub fn stdout_json(cmd: &mut Command) -> serde_json::Value {
    json(&cmd.assert().success().get_output().stdout)
}

/// The JSON output of a process that ended and must have succeeded; its
/// stderr goes in the failure message.
pub fn success_json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

/// Starts `preload ARGS PATH` with its stdout and stderr piped, for a test
/// that acts while it runs (a signal, a change to the files).
pub fn spawn_piped(args: &[&str], path: impl AsRef<std::ffi::OsStr>) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"))
        .args(args)
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Three 1 MiB shards of distinct bytes and a small config file, written
/// into `dir`: a model small enough for a bench of every strategy.
pub fn small_model(dir: &Path) {
    for i in 1..=3u8 {
        let data: Vec<u8> = (0..1u32 << 20).map(|b| (b as u8) ^ i).collect();
        std::fs::write(
            dir.join(format!("model-0000{i}-of-00003.safetensors")),
            data,
        )
        .unwrap();
    }
    std::fs::write(dir.join("config.json"), b"{}").unwrap();
}

/// A temporary directory holding [`small_model`] in its `model`
/// subdirectory, so result files and the profile store can go beside it.
pub fn small_model_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("model");
    std::fs::create_dir(&data).unwrap();
    small_model(&data);
    (dir, data)
}

/// `preload bench` with a private profile store in `dir/cache` and
/// per-file eviction (no `drop_caches` of the shared machine's whole cache).
pub fn bench(dir: &Path, runs: usize) -> Command {
    let mut cmd = preload();
    cmd.env("PRELOAD_CACHE_DIR", dir.join("cache")).args([
        "bench",
        "--runs",
        &runs.to_string(),
        "--levels",
        "2",
        "--no-drop-caches",
    ]);
    cmd
}

/// The context of a made-up result: a test host, filesystem `fs_type`
/// mounted at `mount_point`.
pub fn context(fs_type: &str, mount_point: &str) -> preload_schema::RunContext {
    preload_schema::RunContext {
        host: "testhost".into(),
        kernel: "6.1.0".into(),
        cpus: 8,
        memory_bytes: 16 << 30,
        preload_version: "0.1.0".into(),
        date: "2025-06-01T10:00:00Z".into(),
        filesystem: preload_schema::FsInfo {
            fs_type: fs_type.into(),
            mount_point: mount_point.into(),
            ..preload_schema::FsInfo::default()
        },
    }
}

/// The data set of a made-up result: 4 files, 1 GiB under /data/model.
pub fn dataset() -> preload_schema::Dataset {
    preload_schema::Dataset {
        path: "/data/model".into(),
        files: 4,
        bytes: 1 << 30,
    }
}

/// Waits until `ready` holds, checking every 10 ms: a test waits for the
/// state it needs (a warm has begun reading, a walk has begun), never for a
/// fixed time. Panics naming `what` after two minutes, a deadline only a
/// hung run reaches.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !ready() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Sends `signal` to `child` and waits for it to exit, failing after
/// `limit`: its exit status and the time from the signal to the exit.
/// Polls every 2 ms, so the time is that close.
pub fn signal_and_wait(
    child: &mut std::process::Child,
    signal: libc::c_int,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, std::time::Duration) {
    let sent = std::time::Instant::now();
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(child.id() as i32, signal) };
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, sent.elapsed());
        }
        assert!(
            sent.elapsed() < limit,
            "preload did not exit within {limit:?} of signal {signal}"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// A temporary directory (on tmpfs where there is one, so no disk adds to
/// what a test measures) holding `count` shards of `size` bytes named like a
/// model's (`model-00000-of-00008.safetensors`).
pub fn shards_in_shm(prefix: &str, count: u64, size: u64) -> tempfile::TempDir {
    let data = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap();
    for i in 0..count {
        let name = format!("model-{i:05}-of-{count:05}.safetensors");
        preload_simfs::testing::create_file(&data.path().join(name), size, i).unwrap();
    }
    data
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

/// Resident bytes of a file by mincore(2): simfs's test helper, written
/// independently of preload's own residency code so the tests check it
/// rather than trust it.
pub fn mincore_resident(path: &Path) -> u64 {
    preload_simfs::testing::resident_bytes(path).unwrap()
}

/// Drops a file's pages (fdatasync, then simfs's POSIX_FADV_DONTNEED),
/// independently of preload.
pub fn drop_pages(path: &Path) {
    File::open(path).unwrap().sync_data().unwrap();
    preload_simfs::testing::evict(path).unwrap();
}

/// Whether `resident` is all of `expected` but for the few pages the
/// host's memory reclaim may take from any file at any moment: CI saw 1 to
/// 47 pages of files warmed a second before go (99.9% where 100% was
/// asserted). At most 1% or 256 KiB may be missing; a warm that did not
/// happen leaves far more.
pub fn nearly_all(resident: u64, expected: u64) -> bool {
    resident <= expected && expected - resident <= (expected / 100).max(256 << 10)
}

/// Bytes of `path` that memory reclaim evicted (cachestat(2)'s
/// `nr_evicted`: pages whose shadow entries reclaim left; fadvise and
/// drop_caches leave none), independently of preload; 0 where the kernel
/// lacks cachestat. This host pages out cold memory by itself (a DAMON
/// `pageout` scheme), page cache included, so a file read early in a long
/// warm may lose pages before the test looks.
pub fn reclaimed(path: &Path) -> u64 {
    #[repr(C)]
    struct Range {
        off: u64,
        len: u64,
    }
    #[repr(C)]
    #[derive(Default)]
    struct Stat {
        cache: u64,
        dirty: u64,
        writeback: u64,
        evicted: u64,
        recently_evicted: u64,
    }
    // The generic syscall number, the same on x86_64 and aarch64.
    const SYS_CACHESTAT: libc::c_long = 451;
    let f = File::open(path).unwrap();
    let range = Range { off: 0, len: 0 };
    let mut st = Stat::default();
    // SAFETY: both pointers refer to live, correctly laid out structs.
    let rc = unsafe {
        libc::syscall(
            SYS_CACHESTAT,
            f.as_raw_fd(),
            &range as *const Range,
            &mut st as *mut Stat,
            0u32,
        )
    };
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    if rc == 0 { st.evicted * page } else { 0 }
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
