//! Files read through the mount are the backing files, byte for byte; the tree
//! (listing, stat, symlinks) looks the same; writes are refused with EROFS.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use preload_simfs::Model;
use preload_simfs::testing::{TestMount, create_file, require_fuse};

/// FNV-1a, enough to compare contents without holding two copies around.
fn checksum(path: &Path) -> (usize, u64) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (bytes.len(), hash)
}

const SIZES: [u64; 9] = [
    0,
    1,
    100,
    4095,
    4096,
    4097,
    65_537,
    (1 << 20) + 13,
    5 * (1 << 20) + 1,
];

#[test]
fn files_read_back_byte_for_byte() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    for (i, size) in SIZES.iter().enumerate() {
        create_file(&m.backing().join(format!("sub/f{size}")), *size, i as u64).unwrap();
    }
    for size in SIZES {
        let name = format!("sub/f{size}");
        let through = checksum(&m.path().join(&name));
        assert_eq!(through.0 as u64, size, "{name}: length");
        assert_eq!(
            through,
            checksum(&m.backing().join(&name)),
            "{name}: content"
        );
    }
}

#[test]
fn files_read_back_under_a_model_too() {
    if !require_fuse() {
        return;
    }
    let model = Model::new()
        .latency(std::time::Duration::from_millis(1))
        .stream_bw(200 << 20)
        .max_inflight(4);
    let m = TestMount::new(model).unwrap();
    let name = "big";
    create_file(&m.backing().join(name), 3 * (1 << 20) + 7, 42).unwrap();
    assert_eq!(
        checksum(&m.path().join(name)),
        checksum(&m.backing().join(name))
    );
    let stats = m.mounted().stats();
    assert!(stats.read_requests > 0);
    assert_eq!(
        stats.bytes_read,
        3 * (1 << 20) + 7,
        "each byte fetched once"
    );
}

#[test]
fn listing_stat_and_symlinks_behave() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    let b = m.backing();
    create_file(&b.join("dir/a.bin"), 10_000, 1).unwrap();
    create_file(&b.join("dir/nested/b.bin"), 20, 2).unwrap();
    std::os::unix::fs::symlink("a.bin", b.join("dir/link")).unwrap();
    std::os::unix::fs::symlink("nested", b.join("dir/dirlink")).unwrap();
    std::os::unix::fs::symlink("missing", b.join("dir/dangling")).unwrap();

    let mut names: Vec<_> = fs::read_dir(m.path().join("dir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["a.bin", "dangling", "dirlink", "link", "nested"]);

    let through = fs::metadata(m.path().join("dir/a.bin")).unwrap();
    let backing = fs::metadata(b.join("dir/a.bin")).unwrap();
    assert_eq!(through.len(), 10_000);
    assert_eq!(through.mode(), backing.mode());
    assert_eq!(through.mtime(), backing.mtime());
    assert!(fs::metadata(m.path().join("dir/nested")).unwrap().is_dir());

    let link = m.path().join("dir/link");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("a.bin"));
    assert_eq!(
        fs::read(&link).unwrap(),
        fs::read(b.join("dir/a.bin")).unwrap()
    );
    assert_eq!(
        fs::read(m.path().join("dir/dirlink/b.bin")).unwrap(),
        fs::read(b.join("dir/nested/b.bin")).unwrap()
    );
    let dangling = fs::metadata(m.path().join("dir/dangling")).unwrap_err();
    assert_eq!(dangling.kind(), ErrorKind::NotFound);
    let missing = fs::metadata(m.path().join("nope")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn writes_are_refused_with_erofs() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    create_file(&m.backing().join("f"), 100, 1).unwrap();
    let erofs = |r: std::io::Result<()>, what: &str| {
        let e = r.expect_err(what);
        assert_eq!(e.raw_os_error(), Some(libc::EROFS), "{what}: {e}");
    };
    erofs(fs::write(m.path().join("f"), b"x"), "overwrite");
    erofs(fs::write(m.path().join("new"), b"x"), "create");
    erofs(
        fs::OpenOptions::new()
            .append(true)
            .open(m.path().join("f"))
            .map(drop),
        "append",
    );
    erofs(fs::create_dir(m.path().join("d")), "mkdir");
    erofs(fs::remove_file(m.path().join("f")), "unlink");
    erofs(fs::rename(m.path().join("f"), m.path().join("g")), "rename");
    assert_eq!(fs::read(m.backing().join("f")).unwrap().len(), 100);
}

#[test]
fn dropping_the_mount_unmounts_even_with_a_file_open() {
    if !require_fuse() {
        return;
    }
    let m = TestMount::new(Model::default()).unwrap();
    create_file(&m.backing().join("f"), 100, 1).unwrap();
    let path = m.path().to_path_buf();
    let open = fs::File::open(path.join("f")).unwrap();
    drop(m);
    drop(open);
    assert!(
        !path.join("f").exists(),
        "still mounted at {}",
        path.display()
    );
}

#[test]
fn a_panicking_test_still_unmounts() {
    if !require_fuse() {
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let m = TestMount::new(Model::default()).unwrap();
        tx.send(m.path().to_path_buf()).unwrap();
        panic!("deliberate panic with a mount alive");
    })
    .join();
    assert!(result.is_err());
    let path = rx.recv().unwrap();
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !mounts.contains(path.to_str().unwrap()),
        "{} still mounted",
        path.display()
    );
}
