//! The few system calls around a mount: unmounting, stale mounts, readahead, statfs.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::SimfsError;

/// The readahead the kernel is asked for after mounting, in KiB: one maximal
/// FUSE request (the kernel offers only 128 KiB in `init`).
pub(crate) const READ_AHEAD_KB: u32 = 1024;

fn cpath(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

/// `statvfs(2)` of `path`.
pub(crate) fn statvfs(path: &Path) -> io::Result<libc::statvfs> {
    let c = cpath(path)?;
    // SAFETY: an all-zero statvfs is a valid value of this plain C struct.
    let mut out: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated string and `out` a valid, writable statvfs.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut out) };
    if rc == 0 {
        Ok(out)
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `umount2(path, flags)`.
fn umount2(path: &Path, flags: libc::c_int) -> io::Result<()> {
    let c = cpath(path)?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call.
    let rc = unsafe { libc::umount2(c.as_ptr(), flags) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `fusermount3 -u [-z] path`, for when we are not root.
fn fusermount_unmount(path: &Path, lazy: bool) -> Result<(), String> {
    let mut cmd = Command::new("fusermount3");
    cmd.arg("-u");
    if lazy {
        cmd.arg("-z");
    }
    match cmd.arg("--").arg(path).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
        Err(e) => Err(format!("fusermount3: {e}")),
    }
}

/// How an unmount went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unmounted {
    /// Unmounted; the session ends now.
    Clean,
    /// Busy (files still open): detached lazily; the session ends when they close.
    Lazy,
    /// Nothing was mounted there any more.
    NotMounted,
}

/// Unmounts `path`: a plain unmount, lazily when it is busy, through
/// `fusermount3` when we lack the privilege.
pub(crate) fn unmount(path: &Path) -> Result<Unmounted, SimfsError> {
    let fail = |reason: String| SimfsError::Unmount {
        path: path.to_path_buf(),
        reason,
    };
    match umount2(path, 0) {
        Ok(()) => Ok(Unmounted::Clean),
        Err(e) => match e.raw_os_error() {
            Some(libc::EINVAL) | Some(libc::ENOENT) => Ok(Unmounted::NotMounted),
            Some(libc::EBUSY) => match umount2(path, libc::MNT_DETACH) {
                Ok(()) => Ok(Unmounted::Lazy),
                Err(e) => Err(fail(e.to_string())),
            },
            Some(libc::EPERM) => match fusermount_unmount(path, false) {
                Ok(()) => Ok(Unmounted::Clean),
                Err(_) => fusermount_unmount(path, true)
                    .map(|()| Unmounted::Lazy)
                    .map_err(fail),
            },
            _ => Err(fail(e.to_string())),
        },
    }
}

/// If `path` is the mount point of a FUSE mount whose server is gone
/// (`statfs` fails with ENOTCONN, "transport endpoint is not connected"),
/// detaches it and returns true.
///
/// `statfs` rather than `stat`: the kernel answers `stat` from cached
/// attributes for a few seconds after the server died, `statfs` always asks.
pub fn clean_stale_mount(path: &Path) -> Result<bool, SimfsError> {
    let stale = |r: io::Result<()>| r.is_err_and(|e| e.raw_os_error() == Some(libc::ENOTCONN));
    if stale(statvfs(path).map(drop)) || stale(std::fs::metadata(path).map(drop)) {
        {
            let detached = umount2(path, libc::MNT_DETACH)
                .map_err(|e| e.to_string())
                .or_else(|_| fusermount_unmount(path, true));
            detached.map_err(|reason| SimfsError::Unmount {
                path: path.to_path_buf(),
                reason: format!("stale mount (transport endpoint is not connected): {reason}"),
            })?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// The sysfs file of the readahead of the filesystem mounted at `mountpoint`.
fn read_ahead_file(mountpoint: &Path) -> io::Result<PathBuf> {
    let dev = std::fs::metadata(mountpoint)?.dev();
    Ok(PathBuf::from(format!(
        "/sys/class/bdi/{}:{}/read_ahead_kb",
        libc::major(dev),
        libc::minor(dev)
    )))
}

/// Sets the readahead of the mount at `mountpoint` to `kb` and returns the
/// value in effect afterwards (`None` when it cannot even be read).
pub(crate) fn set_read_ahead(mountpoint: &Path, kb: u32) -> Option<u32> {
    let file = read_ahead_file(mountpoint).ok()?;
    let _ = std::fs::write(&file, format!("{kb}\n"));
    std::fs::read_to_string(&file).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statvfs_of_root_has_blocks() {
        let s = statvfs(Path::new("/")).unwrap();
        assert!(s.f_bsize > 0);
    }

    #[test]
    fn a_plain_directory_is_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!clean_stale_mount(dir.path()).unwrap());
    }

    #[test]
    fn unmounting_a_plain_directory_says_not_mounted() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unmount(dir.path()).unwrap(), Unmounted::NotMounted);
    }
}
