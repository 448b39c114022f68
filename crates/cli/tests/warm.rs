//! `preload warm` through the binary, on awkward trees.

mod util;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::time::Duration;

use predicates::prelude::*;
use util::{
    create_size, drop_pages, json, mincore_resident, nearly_all, preload, preload_on, run_json,
    stdout_json,
};

#[test]
fn the_whole_tree_becomes_resident() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    let sizes = [0u64, 1, 4095, 4097, 3 << 20, 40 << 20];
    let mut files = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        let p = root
            .join(if i % 2 == 0 { "a" } else { "a/b" })
            .join(format!("shard-{i}"));
        create_size(&p, *size);
        drop_pages(&p);
        files.push(p);
    }
    let before: u64 = files.iter().map(|p| mincore_resident(p)).sum();
    assert!(
        before < 1 << 20,
        "not cold before the test: {before} bytes resident"
    );

    let s = run_json(&["warm", "--json", "--chunk-size", "8MiB", "-P", "4"], root);
    assert_eq!(s["files"], 6);
    assert_eq!(s["files_read"], 6);
    assert_eq!(s["bytes"], sizes.iter().sum::<u64>());
    assert_eq!(s["pages_retained"], true);
    assert_eq!(s["interrupted"], false);

    for (p, size) in files.iter().zip(sizes) {
        let resident = mincore_resident(p);
        assert!(
            nearly_all(resident, size),
            "{}: {resident} B resident",
            p.display()
        );
    }
    let status = preload_on(&["status", "--json"], root).success();
    let st = json(&status.get_output().stdout);
    let (resident, total) = (
        st["total"]["resident_bytes"].as_u64().unwrap(),
        st["total"]["total_bytes"].as_u64().unwrap(),
    );
    assert!(nearly_all(resident, total), "{st:#}");
}

#[test]
fn special_files_are_skipped_and_nothing_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("real"), b"weights").unwrap();
    let fifo = std::ffi::CString::new(root.join("fifo").as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let _sock = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    symlink(root.join("missing"), root.join("dangling")).unwrap();
    symlink(root, root.join("loop")).unwrap();
    symlink("/dev/zero", root.join("zero")).unwrap();
    std::fs::create_dir(root.join("empty")).unwrap();

    let s = stdout_json(
        preload()
            .args(["warm", "--json"])
            .arg(root)
            .timeout(Duration::from_secs(30)),
    );
    assert_eq!(s["files_read"], 1);
    let mut reasons: Vec<String> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["reason"].as_str().unwrap().to_owned())
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "char-device",
            "dangling-symlink",
            "fifo",
            "socket",
            "symlink-loop"
        ]
    );
}

#[test]
fn odd_names_survive_args_and_nul_separated_lists() {
    let dir = tempfile::tempdir().unwrap();
    let names: [&[u8]; 4] = [
        b"with space",
        b"quote's \"q\"",
        b"new\nline",
        b"latin1-\xe9\xff",
    ];
    for n in names {
        std::fs::write(dir.path().join(OsStr::from_bytes(n)), b"data").unwrap();
    }
    let s = run_json(&["warm", "--json"], dir.path());
    assert_eq!(s["files_read"], 4);

    let mut list = Vec::new();
    for n in names {
        list.extend_from_slice(dir.path().join(OsStr::from_bytes(n)).as_os_str().as_bytes());
        list.push(0);
    }
    let s = stdout_json(
        preload()
            .args(["warm", "--json", "--files-from", "-", "-0"])
            .write_stdin(list),
    );
    assert_eq!(s["files_read"], 4);
    assert!(s["failed"].as_array().unwrap().is_empty());
}

#[test]
fn an_unreadable_file_fails_alone_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(dir.path().join("ok"), b"fine").unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, b"no").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();

    let mut cmd = preload();
    cmd.args(["warm", "--json"]).arg(dir.path());
    if util::is_root() {
        // Root reads anything: run as nobody so the kernel refuses.
        use std::os::unix::process::CommandExt;
        let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"));
        std_cmd
            .args(["warm", "--json"])
            .arg(dir.path())
            .uid(65534)
            .gid(65534);
        cmd = assert_cmd::Command::from_std(std_cmd);
    }
    let out = cmd.assert().code(1).get_output().clone();
    let s = json(&out.stdout);
    assert_eq!(s["files_read"], 1);
    let failed = s["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["path"].as_str().unwrap().ends_with("secret"));
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("ermission denied"),
        "{failed:?}"
    );
    // Its residency is unknown, and its failure already says why.
    assert_eq!(s["residency"]["unknown_bytes"], 2, "{s:#}");
    assert!(
        !s["warnings"].to_string().contains("could not be measured"),
        "{}",
        s["warnings"]
    );
}

#[test]
fn a_nonexistent_path_is_a_one_line_error_with_exit_2() {
    preload()
        .args(["warm", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::eq(
            "preload: /definitely/not/here: no such file or directory\n",
        ));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    preload_on(&["warm", "-P", "zero"], dir.path()).code(2);
    preload_on(&["warm", "--method", "direct"], dir.path())
        .code(2)
        .stderr(predicate::str::contains(
            "[possible values: read, willneed, mmap]",
        ));
    preload()
        .args(["warm"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no PATH"));
    preload_on(&["warm", "--include", "a["], dir.path())
        .code(2)
        .stderr(predicate::str::contains("invalid glob"));
}

#[test]
fn max_bytes_refuses_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    create_size(&dir.path().join("big"), 10 << 20);
    preload_on(&["warm", "--max-bytes", "1MiB"], dir.path())
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to read 10.0 MiB: more than the limit of 1.0 MiB",
        ));
}

#[test]
fn include_and_exclude_select_files() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["a.safetensors", "b.bin", "sub/c.safetensors"] {
        let p = dir.path().join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }
    let s = run_json(
        &[
            "warm",
            "--json",
            "--include",
            "*.safetensors",
            "--exclude",
            "sub/*",
        ],
        dir.path(),
    );
    assert_eq!(s["files_read"], 1);
}

/// `--keep-open` reads every byte whether readers have files to
/// themselves (-P 1, 2) or share them (-P 4 on two files: parts).
#[test]
fn keep_open_warms_files_read_alone_and_shared() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [9u64 << 20, (3 << 20) + 5];
    let files: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, size)| {
            let p = dir.path().join(format!("shard-{i}"));
            create_size(&p, *size);
            p
        })
        .collect();
    for level in ["1", "2", "4"] {
        for p in &files {
            drop_pages(p);
        }
        let args = ["warm", "--json", "--keep-open", "--chunk-size", "1MiB"];
        let s = run_json(&[&args[..], &["-P", level]].concat(), dir.path());
        assert_eq!(s["files_read"], 2, "-P {level}: {s:#}");
        assert_eq!(s["bytes"], sizes.iter().sum::<u64>());
        for (p, size) in files.iter().zip(sizes) {
            let resident = mincore_resident(p);
            assert!(nearly_all(resident, size), "-P {level}: {resident} B");
        }
    }
}

#[test]
fn every_method_warms() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    create_size(&p, 5 << 20);
    for method in ["read", "willneed", "mmap"] {
        drop_pages(&p);
        preload_on(&["warm", "--quiet", "--method", method], dir.path()).success();
        // willneed is asynchronous: give the kernel a moment to finish.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !nearly_all(mincore_resident(&p), 5 << 20) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let resident = mincore_resident(&p);
        assert!(
            nearly_all(resident, 5 << 20),
            "method {method}: {resident} B"
        );
    }
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2000 {
        std::fs::write(dir.path().join(format!("f{i:04}")), b"").unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("preload");
    let script = format!(
        "'{}' status '{}' | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        bin.display(),
        dir.path().display()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn evict_reports_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    create_size(&p, 2 << 20);
    let _ = std::fs::read(&p).unwrap();
    let s = run_json(&["evict", "--json"], dir.path());
    assert_eq!(s["before"]["resident_bytes"], 2 << 20);
    assert_eq!(s["after"]["resident_bytes"], 0);
    assert_eq!(mincore_resident(&p), 0);
}
