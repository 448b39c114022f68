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
