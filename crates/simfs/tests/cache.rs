//! The page cache works on top of the mount (and not at all with `no_cache`).

use std::fs;

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, evict, require_fuse, resident_bytes};

const LEN: u64 = 4 * (1 << 20) + 100;

#[test]
fn read_makes_resident_and_evict_drops() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    let files: Vec<_> = (0..3)
        .map(|i| create_file(&m.backing().join(format!("f{i}")), LEN, i).unwrap())
        .map(|p| m.path().join(p.file_name().unwrap()))
        .collect();
    for f in &files {
        assert_eq!(
            resident_bytes(f).unwrap(),
            0,
            "{} before reading",
            f.display()
        );
        fs::read(f).unwrap();
        assert_eq!(
            resident_bytes(f).unwrap(),
            LEN,
            "{} after a full read",
            f.display()
        );
    }

    // A second read (new open, new handle) is served from RAM: no new request.
    let before = m.mounted().stats();
    for f in &files {
        fs::read(f).unwrap();
    }
    assert_eq!(m.mounted().stats().read_requests, before.read_requests);

    for f in &files {
        evict(f).unwrap();
        assert_eq!(resident_bytes(f).unwrap(), 0, "{} after evict", f.display());
    }
    // After eviction, reads go through the model again.
    fs::read(&files[0]).unwrap();
    let after = m.mounted().stats();
    assert!(after.read_requests > before.read_requests);
    assert_eq!(after.bytes_read, 4 * LEN);
}

#[test]
fn requests_are_large() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    let f = create_file(&m.backing().join("big"), 16 << 20, 3).unwrap();
    fs::read(m.path().join(f.file_name().unwrap())).unwrap();
    let stats = m.mounted().stats();
    eprintln!(
        "read_ahead_kb {:?}, {} requests, largest {} bytes",
        m.mounted().read_ahead_kb(),
        stats.read_requests,
        stats.largest_request
    );
    assert!(stats.largest_request >= 512 << 10, "{stats:?}");
}

#[test]
fn no_cache_keeps_nothing_resident() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::new().no_cache(true)).unwrap();
    let f = create_file(&m.backing().join("f"), LEN, 9).unwrap();
    let f = m.path().join(f.file_name().unwrap());
    let backing = fs::read(m.backing().join("f")).unwrap();
    for round in 0..2 {
        assert_eq!(fs::read(&f).unwrap(), backing, "round {round}");
        // A kernel without FUSE_DIRECT_IO_ALLOW_MMAP refuses the mapping: also nothing resident.
        let resident = resident_bytes(&f).unwrap_or(0);
        assert_eq!(resident, 0, "round {round}");
    }
    assert_eq!(
        m.mounted().stats().bytes_read,
        2 * LEN,
        "both reads went to the model"
    );
}
