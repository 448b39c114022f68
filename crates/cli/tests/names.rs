//! Names with control characters and bytes that are not UTF-8 (issue 10,
//! item 11): on the terminal they are escaped, one line per file; in JSON
//! `path_bytes` keeps their exact bytes.

mod util;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use util::{json, preload, run_json};

/// (raw name, as shown on the terminal).
const NAMES: [(&[u8], &str); 5] = [
    (b"plain.bin", "plain.bin"),
    (b"new\nline", "new\\nline"),
    (b"esc\x1b[31mred", "esc\\x1B[31mred"),
    (b"car\rreturn", "car\\rreturn"),
    (b"latin1-\xe9\xff", "latin1-\\xE9\\xFF"),
];

fn make_tree(dir: &Path) {
    for (raw, _) in NAMES {
        std::fs::write(dir.join(OsStr::from_bytes(raw)), b"data").unwrap();
    }
}

/// The exact bytes a JSON entry names: `path_bytes` when present, else `path`.
fn entry_bytes(entry: &serde_json::Value) -> Vec<u8> {
    match entry.get("path_bytes") {
        Some(b) => STANDARD.decode(b.as_str().unwrap()).unwrap(),
        None => entry["path"].as_str().unwrap().as_bytes().to_vec(),
    }
}

#[test]
fn status_prints_one_escaped_line_per_file() {
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    let out = preload()
        .arg("status")
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("terminal output is UTF-8");
    assert!(!text.contains(['\x1b', '\r']), "{text:?}");
    let lines: Vec<&str> = text.lines().collect();
    // The table's header, a line per file, the total.
    assert_eq!(lines.len(), NAMES.len() + 2, "{text}");
    for (_, shown) in NAMES {
        let want = format!("{}/{shown}", dir.path().display());
        assert!(
            lines.iter().any(|l| l.ends_with(&format!("  {want}"))),
            "no line for {want:?} in {text}"
        );
    }
}

#[test]
fn json_path_bytes_map_back_to_the_exact_names() {
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    // A FIFO with a name that is not UTF-8: a Skip.
    let fifo = dir.path().join(OsStr::from_bytes(b"fifo-\xff"));
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: c is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let want: Vec<Vec<u8>> = NAMES
        .iter()
        .map(|(raw, _)| {
            dir.path()
                .join(OsStr::from_bytes(raw))
                .as_os_str()
                .as_bytes()
                .to_vec()
        })
        .collect();
    for cmd in ["status", "evict"] {
        let s = run_json(&[cmd, "--json"], dir.path());
        let files = s["files"].as_array().unwrap();
        let mut got: Vec<Vec<u8>> = files.iter().map(entry_bytes).collect();
        got.sort();
        let mut sorted = want.clone();
        sorted.sort();
        assert_eq!(got, sorted, "{cmd}");
        // path_bytes only where the name is not UTF-8.
        let with_bytes: Vec<&serde_json::Value> = files
            .iter()
            .filter(|f| f.get("path_bytes").is_some())
            .collect();
        assert_eq!(with_bytes.len(), 1, "{cmd}: {files:?}");
        let skipped = &s["skipped"][0];
        assert_eq!(skipped["reason"], "fifo");
        assert_eq!(entry_bytes(skipped), fifo.as_os_str().as_bytes());
    }
    let s = run_json(&["warm", "--json"], dir.path());
    assert_eq!(entry_bytes(&s["skipped"][0]), fifo.as_os_str().as_bytes());
}

#[test]
fn a_failure_line_is_escaped_and_its_json_keeps_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let raw: &[u8] = b"sec\nret-\xff";
    let secret = dir.path().join(OsStr::from_bytes(raw));
    std::fs::write(&secret, b"no").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"));
        cmd.args(args).arg(dir.path());
        if util::is_root() {
            // Root reads anything: run as nobody so the kernel refuses.
            use std::os::unix::process::CommandExt;
            cmd.uid(65534).gid(65534);
        }
        cmd.output().unwrap()
    };
    let out = run(&["warm"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let want = format!(
        "  {}/sec\\nret-\\xFF: Permission denied",
        dir.path().display()
    );
    assert!(
        text.lines().any(|l| l.starts_with(&want)),
        "no {want:?} in {text}"
    );
    let out = run(&["warm", "--json"]);
    let s = json(&out.stdout);
    assert_eq!(entry_bytes(&s["failed"][0]), secret.as_os_str().as_bytes());
    // status: the failure goes to stderr, escaped, on one line.
    let out = run(&["status"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/sec\\nret-\\xFF: "), "{err}");
}
