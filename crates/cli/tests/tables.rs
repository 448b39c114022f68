//! The terminal tables of `status`, `evict` and `tune` come from one table
//! model: a header row, numbers right-aligned, columns two spaces apart.

mod util;

use util::{create_size, preload};

fn stdout(args: &[&str]) -> String {
    let out = preload().args(args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn status_and_evict_print_a_table_with_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("bb"));
    create_size(&a, 8192);
    create_size(&b, 8192);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let evict = stdout(&["evict", a, b]);
    let lines: Vec<&str> = evict.lines().collect();
    assert_eq!(lines[0], "Before  After  File", "{evict}");
    assert!(lines[1].ends_with(&format!("  {a}")), "{evict}");
    assert!(lines[2].ends_with(&format!("  {b}")), "{evict}");
    // The numbers end in one column, under the header's end.
    let after_end = "Before  After".len();
    assert!(lines[1][..after_end].ends_with('%'), "{evict}");

    let status = stdout(&["status", a, b]);
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(lines[0], "Resident  File", "{status}");
    assert!(lines[1].starts_with("    0.0%  "), "{status}");
    assert!(lines[3].starts_with("total: "), "{status}");
}
