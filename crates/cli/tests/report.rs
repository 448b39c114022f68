//! `preload report` through the binary: files written, bad inputs named.

mod util;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use preload_schema::{
    Budget, Dataset, Diagnostics, FsInfo, HistoryRow, LevelSummary, Recommendation, ResultFile,
    RunContext, SCHEMA_VERSION, TuneResult,
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
        context: RunContext {
            host: "testhost".into(),
            kernel: "6.1.0".into(),
            cpus: 8,
            memory_bytes: 16 << 30,
            preload_version: "0.1.0".into(),
            date: "2025-06-01T10:00:00Z".into(),
            filesystem: FsInfo {
                fs_type: fs_type.into(),
                mount_point: format!("/mnt/{fs_type}"),
                ..FsInfo::default()
            },
        },
        dataset: Dataset {
            path: "/data/model".into(),
            files: 4,
            bytes: 1 << 30,
        },
        method: "read".into(),
        probes: Vec::new(),
        recommendation: Recommendation {
            parallelism: 8,
            saturated: true,
            confidence: 0.9,
            knee_set: vec![8],
            tolerance: 0.05,
            best_level: 8,
            best_mib_s: levels[3].median_mib_s,
            recommended_mib_s: levels[3].median_mib_s,
            single_stream_mib_s: Some(levels[0].median_mib_s),
            verdict: "use -P 8".into(),
            caveats: Vec::new(),
            profile_worthy: true,
            methods: Vec::new(),
            read_method: "read".into(),
            chunks: Vec::new(),
            chunk_size: None,
        },
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
