//! One warm per tree per node: later warms of the same inputs join the
//! first instead of starting their own readers.
//!
//! Why: GPU ranks each start their own `preload run`. The page cache
//! already merges concurrent reads of the same pages, but a run started
//! while another is warming has its readers skip ahead to chunks nobody is
//! reading yet, so the storage sees more requests at once than the tuned
//! `-P` (8 staggered runs: 50 in flight against one run's 33).
//!
//! How: a lock file per tree, named by a hash of the inputs' canonical
//! paths and device/inode numbers, locked with `flock(2)` (std's
//! [`File::try_lock`]). The warm that takes it leads and reads. A warm
//! that finds it taken follows: it starts no reader, and polls the lock
//! (every [`POLL`], so Ctrl-C or the end of `preload run`'s CMD stop the
//! wait) until it holds it, then reads whatever is still missing with the
//! resident chunks skipped, while holding it, so the next follower waits
//! for that pass too. Nothing is lost when the leader dies (the kernel
//! releases a dead process's `flock`) or warmed another subset (the
//! follower reads what is missing).
//!
//! Across users: lock files live in a directory only the user can enter:
//! `/run/preload` for root, else `$XDG_RUNTIME_DIR/preload`, else (or when
//! that one cannot be used) `/dev/shm/preload-UID`. The directory is created with mode 0700 and
//! checked before each use (a real directory, not a symlink, owned by this
//! user, no access for group or others); the file is opened with
//! `O_NOFOLLOW`. So no other user can create, open or hold a lock another
//! user waits on (`flock` needs only an open file), nor point it elsewhere
//! with a symlink. A directory squatted by another user (anyone can create
//! `/dev/shm/preload-1000`) fails the check: that warm reads alone and
//! says why; it is never blocked. The price: runs of different users never
//! join each other.
//!
//! Lock files are removed by their holder before it releases them; a
//! warm that locked a file already removed (it opened it before the
//! removal) sees that the path no longer names its file and tries again,
//! so two warms never both lead.

use std::fs::{DirBuilder, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::CancelToken;

/// How often a follower tries the lock.
pub const POLL: Duration = Duration::from_millis(50);

/// A tree's lock on this node, held while its holder reads.
#[derive(Debug)]
pub struct NodeLock {
    file: File,
    path: PathBuf,
}

impl Drop for NodeLock {
    fn drop(&mut self) {
        // Removed while still locked; `file` closes (and unlocks) after.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The warm that held the lock when this one asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leader {
    /// Its process id, as it wrote it into the lock file (None: not yet written).
    pub pid: Option<u32>,
}

/// How a warm entered its tree's lock.
#[derive(Debug)]
pub enum Entry {
    /// Nobody else was warming the tree: this warm leads.
    Led(NodeLock),
    /// Another warm held the lock; this one waited for it and now holds it
    /// (`lock` is None when the wait was cancelled).
    Followed {
        lock: Option<NodeLock>,
        leader: Leader,
        waited: Duration,
    },
    /// No joining possible: why (the warm reads alone).
    Alone(String),
}

/// Takes the lock of `inputs`' tree, waiting for a warm that holds it;
/// `on_wait` is told once, before the wait.
pub fn enter(inputs: &[PathBuf], cancel: &CancelToken, on_wait: &dyn Fn(&Leader)) -> Entry {
    match try_enter(inputs, cancel, on_wait) {
        Ok(entry) => entry,
        Err(e) => Entry::Alone(format!(
            "not joining other warms of this tree on this node ({e}): reading alone"
        )),
    }
}

fn try_enter(
    inputs: &[PathBuf],
    cancel: &CancelToken,
    on_wait: &dyn Fn(&Leader),
) -> io::Result<Entry> {
    let path = lock_dir()?.join(format!("{:016x}.lock", tree_key(inputs)?));
    let started = Instant::now();
    let mut leader = None;
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| with_path(e, &path))?;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if leader.is_none() {
                        let l = Leader {
                            pid: read_pid(&file),
                        };
                        on_wait(&l);
                        leader = Some(l);
                    }
                    if cancel.wait_timeout(POLL) {
                        return Ok(followed(None, leader, started));
                    }
                }
                Err(TryLockError::Error(e)) => return Err(with_path(e, &path)),
            }
        }
        if !names(&path, &file) {
            // Locked a file its holder had removed: take the new one.
            continue;
        }
        let mut lock = NodeLock { file, path };
        write_pid(&mut lock.file);
        return Ok(match leader {
            None => Entry::Led(lock),
            Some(_) => followed(Some(lock), leader, started),
        });
    }
}

fn followed(lock: Option<NodeLock>, leader: Option<Leader>, started: Instant) -> Entry {
    Entry::Followed {
        lock,
        leader: leader.unwrap_or(Leader { pid: None }),
        waited: started.elapsed(),
    }
}

/// The directory of this user's lock files, created and checked: the
/// first candidate that passes (a read-only `/run` in a container falls
/// back to `/dev/shm`), else the first one's error.
pub fn lock_dir() -> io::Result<PathBuf> {
    // SAFETY: geteuid cannot fail and touches no memory.
    let uid = unsafe { libc::geteuid() };
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty());
    let first = match (uid, runtime) {
        (0, _) => PathBuf::from("/run/preload"),
        (_, Some(run)) => PathBuf::from(run).join("preload"),
        (_, None) => PathBuf::from(format!("/dev/shm/preload-{uid}")),
    };
    let shm = PathBuf::from(format!("/dev/shm/preload-{uid}"));
    match private_dir(&first, uid) {
        Ok(()) => Ok(first),
        Err(_) if first != shm && private_dir(&shm, uid).is_ok() => Ok(shm),
        Err(e) => Err(e),
    }
}

/// Creates `dir` (mode 0700) unless it exists, then checks it.
fn private_dir(dir: &Path, uid: u32) -> io::Result<()> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(with_path(e, dir)),
    }
    check_private(dir, uid)
}

/// A directory only `uid` can enter: not a symlink, owned by `uid`, no
/// permission bits for group or others.
pub fn check_private(dir: &Path, uid: u32) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| with_path(e, dir))?;
    let problem = if !meta.is_dir() {
        Some("is not a directory".to_string())
    } else if meta.uid() != uid {
        Some(format!("belongs to uid {}, not to this user", meta.uid()))
    } else if meta.mode() & 0o077 != 0 {
        Some(format!(
            "is open to other users (mode {:o})",
            meta.mode() & 0o777
        ))
    } else {
        None
    };
    match problem {
        Some(p) => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} {p}", dir.display()),
        )),
        None => Ok(()),
    }
}

/// A hash of the inputs' canonical paths and device/inode numbers, in
/// sorted order: the same tree named by other paths (a symlink, `..`) gets
/// the same key, a tree replaced at the same path (new inode) another one.
/// FNV-1a, so every build of preload (the CLI, the Python package) agrees.
pub fn tree_key(inputs: &[PathBuf]) -> io::Result<u64> {
    let mut ids = Vec::with_capacity(inputs.len());
    for input in inputs {
        let canonical = input.canonicalize().map_err(|e| with_path(e, input))?;
        let meta = std::fs::metadata(&canonical).map_err(|e| with_path(e, input))?;
        ids.push((canonical, meta.dev(), meta.ino()));
    }
    ids.sort();
    ids.dedup();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (path, dev, ino) in &ids {
        eat(path.as_os_str().as_encoded_bytes());
        eat(&[0]);
        eat(&dev.to_le_bytes());
        eat(&ino.to_le_bytes());
    }
    Ok(hash)
}

/// Whether `path` still names `file` (its holder may have removed it).
fn names(path: &Path, file: &File) -> bool {
    match (std::fs::symlink_metadata(path), file.metadata()) {
        (Ok(p), Ok(f)) => p.dev() == f.dev() && p.ino() == f.ino(),
        _ => false,
    }
}

/// The holder's pid, so a follower can say whom it waits for.
fn write_pid(file: &mut File) {
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = writeln!(file, "{}", std::process::id());
}

fn read_pid(mut file: &File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &Leader) {
        panic!("nobody holds the lock");
    }

    #[test]
    fn the_key_names_the_tree_not_the_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        let spelled = dir.path().join("b/../a");
        assert_eq!(
            tree_key(std::slice::from_ref(&a)).unwrap(),
            tree_key(&[spelled]).unwrap()
        );
        assert_ne!(
            tree_key(std::slice::from_ref(&a)).unwrap(),
            tree_key(&[dir.path().join("b")]).unwrap()
        );
        assert_eq!(
            tree_key(&[a.clone(), dir.path().join("b")]).unwrap(),
            tree_key(&[dir.path().join("b"), a]).unwrap()
        );
    }

    #[test]
    fn a_second_warm_waits_for_the_first_and_then_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = [dir.path().to_owned()];
        let Entry::Led(first) = enter(&inputs, &CancelToken::new(), &never) else {
            panic!("the first warm leads");
        };
        let release = std::thread::spawn(move || {
            std::thread::sleep(POLL * 3);
            drop(first);
        });
        let told = std::sync::Mutex::new(None);
        let entry = enter(&inputs, &CancelToken::new(), &|l| {
            *told.lock().unwrap() = Some(*l);
        });
        release.join().unwrap();
        let Entry::Followed { lock, leader, .. } = entry else {
            panic!("the second warm follows: {entry:?}");
        };
        assert!(lock.is_some(), "it holds the lock once the leader let go");
        assert_eq!(leader.pid, Some(std::process::id()));
        assert_eq!(*told.lock().unwrap(), Some(leader));
    }

    #[test]
    fn a_cancelled_wait_returns_without_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = [dir.path().to_owned()];
        let _first = enter(&inputs, &CancelToken::new(), &never);
        let cancel = CancelToken::new();
        cancel.cancel();
        let entry = enter(&inputs, &cancel, &|_| {});
        assert!(
            matches!(entry, Entry::Followed { lock: None, .. }),
            "{entry:?}"
        );
    }

    #[test]
    fn a_directory_of_another_user_or_open_to_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("private");
        DirBuilder::new().mode(0o700).create(&private).unwrap();
        // SAFETY: geteuid cannot fail.
        let me = unsafe { libc::geteuid() };
        check_private(&private, me).unwrap();
        let err = check_private(&private, me + 1).unwrap_err();
        assert!(err.to_string().contains("not to this user"), "{err}");
        let open = dir.path().join("open");
        DirBuilder::new().mode(0o777).create(&open).unwrap();
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
        let err = check_private(&open, me).unwrap_err();
        assert!(err.to_string().contains("open to other users"), "{err}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&private, &link).unwrap();
        let err = check_private(&link, me).unwrap_err();
        assert!(err.to_string().contains("not a directory"), "{err}");
    }
}
