//! One stalled file must not stall the whole warm (issue 10, item 10).

mod util;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use preload_simfs::testing::{TestMount, create_file, require_fuse};
use preload_simfs::{Faults, Model, Stall};

const STALL: Duration = Duration::from_secs(5);

/// Regression: with `--chunk-size 4MiB`, a 64 MiB file whose reads stall 5 s
/// used to take every reader (its chunks are consecutive at the front of the
/// plan), so nothing else progressed until the stall ended. Now a file whose
/// first read has not answered gets no second reader while other files have
/// work: the other files are read completely while the stall goes on.
///
/// Evidence independent of preload's own figures: page residency of each
/// file (mincore), polled while the warm runs. The clock is the stall
/// itself: every other file is fully cached before 5 s from the warm's
/// start have passed, so before the stalled file's first request could
/// have been answered. (The stalled file's first page was the clock once;
/// in one CI run it was cached after 35 ms: the stall falls on whichever
/// request of a handle reaches simfs first, and the kernel's readahead
/// request can overtake the read of page 0.)
#[test]
fn a_stalled_file_does_not_hold_back_the_others() {
    if !require_fuse() {
        return;
    }
    // simfs stalls the first read of every open handle of the file, and a
    // reader opens the file once per chunk: each of its 16 chunks stalls.
    let mnt = TestMount::new(Model::new().faults(Faults {
        stall: Some(Stall {
            glob: "a-stalled.bin".into(),
            duration: STALL,
        }),
        ..Faults::default()
    }))
    .unwrap();
    // Walk order is by name: the stalled file's chunks come first.
    create_file(&mnt.backing().join("a-stalled.bin"), 64 << 20, 99).unwrap();
    let others: Vec<(PathBuf, u64)> = (0..7)
        .map(|i| {
            let name = format!("b-{i}.bin");
            create_file(&mnt.backing().join(&name), 16 << 20, i).unwrap();
            (mnt.path().join(name), 16 << 20)
        })
        .collect();
    let stalled = mnt.path().join("a-stalled.bin");

    let started = Instant::now();
    let mut child = util::spawn_piped(
        &["warm", "--json", "-P", "8", "--chunk-size", "4MiB"],
        mnt.path(),
    );
    let (mut others_done, mut stalled_answered) = (None, None);
    while others_done.is_none() {
        if others
            .iter()
            .all(|(p, size)| util::mincore_resident(p) == *size)
        {
            others_done = Some(started.elapsed());
        }
        if stalled_answered.is_none() && first_page_resident(&stalled) {
            stalled_answered = Some(started.elapsed());
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "other files fully cached after {others_done:?}; stalled file's first page after \
         {stalled_answered:?} (stall {STALL:?})"
    );
    let out = child.wait_with_output().unwrap();
    let total = started.elapsed();
    eprintln!("whole warm: {total:?}");
    assert!(
        others_done.is_some_and(|t| t < STALL),
        "the other files were not read while the stalled file waited: others done \
         {others_done:?}, stalled file's first page {stalled_answered:?}"
    );

    // And in the end everything is read.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = util::json(&out.stdout);
    assert_eq!(s["files_read"], 8);
    assert_eq!(s["bytes"].as_u64(), Some((64 << 20) + 7 * (16 << 20)));
    // Pages the host's reclaim took after they were read count as read
    // (cachestat says so, not preload); a page never read does not.
    let resident = util::mincore_resident(&stalled);
    let reclaimed = util::reclaimed(&stalled);
    assert!(
        util::nearly_all((resident + reclaimed).min(64 << 20), 64 << 20),
        "{resident} B resident, {reclaimed} B evicted by reclaim"
    );
}

/// Whether the first page of `path` is in the page cache (mincore).
fn first_page_resident(path: &std::path::Path) -> bool {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path).unwrap();
    // SAFETY: a fresh one-page read-only mapping of an open file, unmapped below.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ,
            libc::MAP_SHARED,
            f.as_raw_fd(),
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    let mut vec = [0u8; 1];
    // SAFETY: one byte for the one page of the mapping.
    let rc = unsafe { libc::mincore(base, 4096, vec.as_mut_ptr()) };
    // SAFETY: the mapping made above.
    unsafe { libc::munmap(base, 4096) };
    assert_eq!(rc, 0);
    vec[0] & 1 == 1
}
