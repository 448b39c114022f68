//! One stream per file and reader: a reader that goes on with the next
//! chunk of its file goes on through the same open file, so the storage
//! sees one handle (one open, one read-ahead) per file, as `cat` gives it,
//! however finely the file is chunked. Judged by the metadata requests
//! simfs counts (each open is one).

mod util;

use preload_simfs::testing::{TestMount, create_file, require_fuse, streams};
use util::{json, preload_on};

const MIB: u64 = 1 << 20;

#[test]
fn a_reader_reads_its_file_through_one_open_however_many_chunks() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(streams(1, 400)).unwrap();
    for i in 0..2 {
        create_file(&m.backing().join(format!("f{i}")), 16 * MIB, i).unwrap();
    }
    // Walk, residency and the metadata every run pays, without reading.
    preload_on(&["status", "-s"], m.path()).success();
    let before = m.mounted().stats();
    // Two readers, two files, 16 chunks each: spread gives each reader a
    // file, which it reads front to back.
    let out = preload_on(
        &[
            "warm",
            "--json",
            "-P",
            "2",
            "--chunk-size",
            "1MiB",
            "--schedule",
            "spread",
        ],
        m.path(),
    )
    .success();
    let after = m.mounted().stats();
    let s = json(&out.get_output().stdout);
    assert_eq!(s["bytes"], 32 * MIB, "{s:#}");
    assert!(
        util::nearly_all(s["residency"]["resident_bytes"].as_u64().unwrap(), 32 * MIB),
        "{s:#}"
    );
    let meta = after.meta_requests - before.meta_requests;
    // 32 chunks: one open each would be 32 requests on top of the walk's.
    assert!(
        meta < 16,
        "{meta} metadata requests for 2 files in 32 chunks: the readers reopened their files"
    );
    let served = after.bytes_served - before.bytes_served;
    assert!(
        (32 * MIB..=32 * MIB * 11 / 10).contains(&served),
        "the storage served {served} B for 32 MiB"
    );
}
