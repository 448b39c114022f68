//! Injected faults reach the reader: EIO on the right path, stalls that end,
//! files that shrink between stat and read.

use std::fs;
use std::io::Read;
use std::time::{Duration, Instant};

use preload_simfs::testing::{TestMount, create_file, require_fuse};
use preload_simfs::{Faults, Model, Stall};

fn mount(faults: Faults) -> TestMount {
    TestMount::new(Model::new().faults(faults)).unwrap()
}

/// Reads `path` to the end or the first error: (bytes read, error).
fn read_until_error(path: &std::path::Path) -> (u64, Option<std::io::Error>) {
    let mut f = fs::File::open(path).unwrap();
    let mut buf = vec![0; 256 << 10];
    let mut total = 0;
    loop {
        match f.read(&mut buf) {
            Ok(0) => return (total, None),
            Ok(n) => total += n as u64,
            Err(e) => return (total, Some(e)),
        }
    }
}

#[test]
fn eio_glob_fails_only_matching_paths() {
    if !require_fuse() {
        return;
    }
    let m = mount(Faults {
        eio_glob: Some("*.bad".into()),
        ..Faults::default()
    });
    create_file(&m.backing().join("d/x.bad"), 100_000, 1).unwrap();
    create_file(&m.backing().join("d/x.good"), 100_000, 2).unwrap();
    let (n, err) = read_until_error(&m.path().join("d/x.bad"));
    let err = err.expect("reading x.bad must fail");
    assert_eq!(err.raw_os_error(), Some(libc::EIO), "{err}");
    assert_eq!(n, 0);
    // stat and listing still work on the failing file.
    assert_eq!(
        fs::metadata(m.path().join("d/x.bad")).unwrap().len(),
        100_000
    );
    assert_eq!(fs::read(m.path().join("d/x.good")).unwrap().len(), 100_000);
}

#[test]
fn eio_after_bytes_fails_past_the_offset() {
    if !require_fuse() {
        return;
    }
    let m = mount(Faults {
        eio_after_bytes: Some(1 << 20),
        ..Faults::default()
    });
    create_file(&m.backing().join("long"), 4 << 20, 1).unwrap();
    create_file(&m.backing().join("short"), 1 << 20, 2).unwrap();
    let (n, err) = read_until_error(&m.path().join("long"));
    let err = err.expect("reading past 1 MiB must fail");
    assert_eq!(err.raw_os_error(), Some(libc::EIO), "{err}");
    assert!(n <= 1 << 20, "read {n} bytes before the error");
    assert_eq!(read_until_error(&m.path().join("short")).0, 1 << 20);
}

#[test]
fn stall_delays_but_ends() {
    if !require_fuse() {
        return;
    }
    let stall = Duration::from_millis(400);
    let m = mount(Faults {
        stall: Some(Stall {
            glob: "slow*".into(),
            duration: stall,
        }),
        ..Faults::default()
    });
    create_file(&m.backing().join("slow.bin"), 64 << 10, 1).unwrap();
    let start = Instant::now();
    let bytes = fs::read(m.path().join("slow.bin")).unwrap();
    let took = start.elapsed();
    assert_eq!(bytes.len(), 64 << 10);
    assert!(took >= stall, "stall of {stall:?} took only {took:?}");
    assert!(
        took < Duration::from_secs(30),
        "stall did not end: {took:?}"
    );
}

#[test]
fn shrinking_file_reads_short() {
    if !require_fuse() {
        return;
    }
    let m = mount(Faults {
        shrink_glob: Some("shrink*".into()),
        ..Faults::default()
    });
    let len = 300_001;
    create_file(&m.backing().join("shrink.bin"), len, 1).unwrap();
    let path = m.path().join("shrink.bin");
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        len,
        "stat sees the full size"
    );
    let (n, err) = read_until_error(&path);
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        n,
        len / 2,
        "the read meets end of file at half the stat size"
    );
    let backing = fs::read(m.backing().join("shrink.bin")).unwrap();
    let mut got = vec![0; (len / 2) as usize];
    fs::File::open(&path).unwrap().read_exact(&mut got).unwrap();
    assert_eq!(got, backing[..got.len()]);
}
