//! Which pages of a file are on the kernel's active list: `KPF_ACTIVE` from
//! /proc/kpageflags, by frame number from /proc/self/pagemap (root only).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// `KPF_ACTIVE` of include/uapi/linux/kernel-page-flags.h.
const KPF_ACTIVE: u64 = 1 << 6;

/// Bytes of `path` (all resident) whose pages are on the active list.
/// Maps the file and faults the mapping in without I/O (the pages are
/// cached) to learn each page's frame; the mapping's own access counts only
/// when it is unmapped, after the flags are read.
pub fn active_bytes(path: &Path) -> u64 {
    let file = File::open(path).unwrap();
    let len = file.metadata().unwrap().len() as usize;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    // SAFETY: a fresh read-only shared mapping of a file this test owns,
    // unmapped below.
    let addr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            std::os::fd::AsRawFd::as_raw_fd(&file),
            0,
        )
    };
    assert_ne!(addr, libc::MAP_FAILED);
    // A load per page faults it in. Not MADV_POPULATE_READ: that counts as
    // an access (get_user_pages with FOLL_TOUCH) and activated pages read
    // once. A fault maps a cached page without counting one.
    for offset in (0..len).step_by(page) {
        // SAFETY: inside the mapping, which is readable.
        unsafe { std::ptr::read_volatile((addr as *const u8).add(offset)) };
    }
    let pagemap = File::open("/proc/self/pagemap").unwrap();
    let kpageflags = File::open("/proc/kpageflags").unwrap();
    let pages = len / page;
    let mut entries = vec![0u8; pages * 8];
    pagemap
        .read_exact_at(&mut entries, (addr as usize / page * 8) as u64)
        .unwrap();
    let mut active = 0;
    for entry in entries.chunks_exact(8) {
        let entry = u64::from_ne_bytes(entry.try_into().unwrap());
        assert!(entry >> 63 == 1, "a page of the mapping is not present");
        let pfn = entry & ((1 << 55) - 1);
        let mut flags = [0u8; 8];
        kpageflags.read_exact_at(&mut flags, pfn * 8).unwrap();
        if u64::from_ne_bytes(flags) & KPF_ACTIVE != 0 {
            active += page as u64;
        }
    }
    // SAFETY: unmaps the mapping made above.
    unsafe { libc::munmap(addr, len) };
    active
}
