//! `preload report` through the binary: files written, bad inputs named.

mod util;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use preload_schema::testing::recommendation;
use preload_schema::{
    Budget, Diagnostics, HistoryRow, LevelSummary, ResultFile, SCHEMA_VERSION, TuneResult,
};
use util::preload;

/// A tune on `fs_type` whose throughput rises to a plateau at P=8.
fn tune(fs_type: &str, scale: f64) -> TuneResult {
    let levels: Vec<LevelSummary> = [1usize, 2, 4, 8, 16]
        .into_iter()
        .map(|level| {
            let x = (level as f64).min(8.0);
            let median = scale * x * (1.0 - 0.04 * (x - 1.0));
            LevelSummary {
                level,
                probes: 1,
                median_mib_s: median,
                min_mib_s: median * 0.95,
                max_mib_s: median * 1.05,
                cv: 0.03,
                latency_p50_ms: 1.0,
            }
        })
        .collect();
    TuneResult {
        schema_version: SCHEMA_VERSION,
        context: util::context(fs_type, &format!("/mnt/{fs_type}")),
        dataset: util::dataset(),
        method: "read".into(),
        probes: Vec::new(),
        comparison_probes: Vec::new(),
        recommendation: recommendation(
            8,
            vec![8],
            (8, levels[3].median_mib_s),
            levels[3].median_mib_s,
            Some(levels[0].median_mib_s),
        ),
        levels,
        diagnostics: Diagnostics {
            usl: None,
            kneedle: None,
            littles_law: Vec::new(),
        },
        budget: Budget {
            time_limit_s: 30.0,
            byte_limit: 1 << 30,
            time_spent_s: 20.0,
            bytes_spent: 1 << 29,
            bytes_served: 1 << 29,
            bytes_served_late: 0,
        },
        reused_data: false,
        interrupted: false,
        warnings: Vec::new(),
    }
}

fn write(dir: &Path, name: &str, r: TuneResult) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, ResultFile::Tune(r).to_json()).unwrap();
    p
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n"))
}

#[test]
fn two_tunes_make_html_and_png_charts() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "local.json", tune("ext4", 300.0));
    let b = write(dir.path(), "nfs.json", tune("nfs4", 60.0));
    let out = dir.path().join("out");
    let assert = preload()
        .arg("report")
        .args([&a, &b])
        .arg("-o")
        .arg(&out)
        .args(["--title", "two filesystems"])
        .assert()
        .success()
        .stderr(predicate::str::contains("ext4").and(predicate::str::contains("nfs4")));
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let html = PathBuf::from(stdout.trim());
    assert_eq!(html, out.join("report.html"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("two filesystems"));
    let pngs: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    // One chart per tune and the comparison of both.
    assert_eq!(pngs.len(), 3, "{pngs:?}");
    assert!(pngs.iter().all(|p| is_png(p)), "{pngs:?}");
    assert!(out.join("report.md").is_file());
}

#[test]
fn a_corrupt_or_old_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.json", tune("ext4", 300.0));
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "not json at all").unwrap();
    let out = dir.path().join("out");
    preload()
        .arg("report")
        .args([&good, &bad])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.json"));
    assert!(!out.join("report.html").exists());

    let old = dir.path().join("old.json");
    let text = ResultFile::Tune(tune("ext4", 300.0)).to_json().replace(
        &format!("\"schema_version\": {SCHEMA_VERSION}"),
        "\"schema_version\": 999",
    );
    std::fs::write(&old, text).unwrap();
    preload()
        .arg("report")
        .arg(&old)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("old.json").and(predicate::str::contains("999")));
}

#[test]
fn a_history_file_gets_its_own_report() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.csv");
    let mut w = csv::Writer::from_path(&history).unwrap();
    for (day, mib_s, verdict) in [
        (1, 800.0, "NO BASELINE"),
        (2, 790.0, "WITHIN NOISE"),
        (3, 400.0, "REGRESSED"),
    ] {
        w.serialize(HistoryRow {
            date: format!("2025-06-0{day}T02:00:00Z"),
            host: "testhost".into(),
            fs_type: "nfs4".into(),
            kind: "tune".into(),
            dataset: "/data/model".into(),
            knee: Some(8),
            knee_mib_s: Some(mib_s),
            single_mib_s: Some(mib_s / 6.0),
            verdict: verdict.into(),
        })
        .unwrap();
    }
    w.flush().unwrap();
    let out = dir.path().join("out");
    preload()
        .arg("report")
        .arg("--history")
        .arg(&history)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("report.html"));
    assert!(is_png(&out.join("history.png")));
}

/// Every file name in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn report(args: &[&std::ffi::OsStr], out: &Path) -> std::process::Output {
    preload()
        .arg("report")
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn labels_name_the_charts_whatever_the_order_of_the_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "local.json", tune("ext4", 300.0));
    let b = write(dir.path(), "nfs.json", tune("nfs4", 60.0));
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let label = |s: &'static str| std::ffi::OsStr::new(s);
    let out = report(
        &[
            a.as_os_str(),
            label("--label"),
            label("local disk"),
            b.as_os_str(),
            label("--label"),
            label("NFS"),
        ],
        &one,
    );
    assert!(out.status.success(), "{out:?}");
    let out = report(
        &[
            b.as_os_str(),
            label("--label"),
            label("NFS"),
            a.as_os_str(),
            label("--label"),
            label("local disk"),
        ],
        &two,
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(names(&one), names(&two));
    assert!(
        names(&one).contains(&"throughput-local-disk.png".to_owned()),
        "{:?}",
        names(&one)
    );
    assert_eq!(
        std::fs::read_to_string(one.join("report.md")).unwrap(),
        std::fs::read_to_string(two.join("report.md")).unwrap()
    );
    let svg = std::fs::read_to_string(one.join("throughput-compare.svg")).unwrap();
    assert!(svg.contains("local disk (knee P=8"), "{svg}");

    // More labels than results is a mistake, said before anything is written.
    let out = report(
        &[
            a.as_os_str(),
            label("--label"),
            label("x"),
            label("--label"),
            label("y"),
        ],
        &dir.path().join("three"),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("2 labels given for 1 result file"),
        "{stderr}"
    );
}

#[test]
fn default_names_and_report_paths_are_never_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "local.json", tune("ext4", 300.0));
    let out_dir = dir.path().join("out");
    let out = report(&[a.as_os_str(), std::ffi::OsStr::new("--redact")], &out_dir);
    assert!(out.status.success(), "{out:?}");
    // The short name: filesystem type and data set name.
    assert!(
        names(&out_dir).contains(&"throughput-ext4-model.svg".to_owned()),
        "{:?}",
        names(&out_dir)
    );
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    let tmp = dir.path().to_str().unwrap();
    for page in [&md, &html] {
        assert!(!page.contains(tmp), "an absolute path in the report");
        assert!(!page.contains("testhost"), "the host name despite --redact");
    }
    assert!(md.contains("**Result file:** ../local.json"), "{md}");
    let svg = std::fs::read_to_string(out_dir.join("throughput-ext4-model.svg")).unwrap();
    assert!(
        svg.contains("Throughput vs parallelism: ext4 model"),
        "{svg}"
    );
}

#[test]
fn long_labels_are_shortened_in_the_middle_to_fit_the_title() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", tune("ext4", 300.0));
    let long =
        "a very long label that names the cluster, the rack, the mount and the model version 7";
    let out_dir = dir.path().join("out");
    let out = report(
        &[a.as_os_str(), "--label".as_ref(), long.as_ref()],
        &out_dir,
    );
    assert!(out.status.success(), "{out:?}");
    let svg = names(&out_dir)
        .into_iter()
        .find(|n| n.starts_with("throughput-") && n.ends_with(".svg"))
        .unwrap();
    let text = std::fs::read_to_string(out_dir.join(svg)).unwrap();
    assert!(!text.contains(long), "the whole label in the title");
    assert!(text.contains("Throughput vs parallelism: a very"), "{text}");
    assert!(
        text.contains("\u{2026}") && text.contains("version 7"),
        "{text}"
    );
}

#[test]
fn a_two_point_curve_says_it_is_too_short_instead_of_a_band() {
    let dir = tempfile::tempdir().unwrap();
    let mut short = tune("ext4", 300.0);
    short.levels.truncate(2);
    short.recommendation.parallelism = 1;
    let a = write(dir.path(), "short.json", short);
    let out_dir = dir.path().join("out");
    let out = report(&[a.as_os_str()], &out_dir);
    assert!(out.status.success(), "{out:?}");
    let svg = std::fs::read_to_string(out_dir.join("throughput-ext4-model.svg")).unwrap();
    assert!(
        svg.contains("too few points for a curve or confidence band (2 measured)"),
        "{svg}"
    );
    assert!(!svg.contains("min-max of throughput samples"), "{svg}");
    assert!(!svg.contains("confidence 90 %"), "{svg}");
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(
        md.contains("Only 2 levels were measured: too few points"),
        "{md}"
    );
}
