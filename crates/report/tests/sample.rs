//! Writes a sample report to `target/report-sample/` (results and history),
//! so the charts can be looked at: `cargo test -p preload-report --test sample`.

mod common;

use std::path::PathBuf;

use preload_report::{ReportConfig, write_history_report, write_report};
use preload_schema::ResultFile;

#[test]
fn write_sample_report() {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let out = target.parent().unwrap_or(&target).join("report-sample");
    let mut simfs = common::tune("fuse.simfs", "/mnt/simfs", 60.0);
    simfs.recommendation.saturated = false;
    simfs.recommendation.parallelism = 16;
    simfs.recommendation.recommended_mib_s = simfs.levels[4].median_mib_s;
    let inputs = [
        common::input(
            "local disk (ext4 /data)",
            "tune-local.json",
            ResultFile::Tune(common::tune("ext4", "/data", 300.0)),
        ),
        common::input(
            "simfs /mnt/simfs",
            "tune-simfs.json",
            ResultFile::Tune(simfs),
        ),
        common::input(
            "MooseFS /mnt/mfs",
            "tune-mfs.json",
            ResultFile::Tune(common::tune("fuse.mfs", "/mnt/mfs", 90.0)),
        ),
        common::input(
            "bench on MooseFS",
            "bench-mfs.json",
            ResultFile::Bench(common::bench()),
        ),
    ];
    let opts = ReportConfig {
        title: "preload sample report".into(),
        png: true,
        svg: true,
        redact: false,
    };
    let files = write_report(&inputs, &out.join("results"), &opts).unwrap();
    let history = write_history_report(&common::history(), &out.join("history"), &opts).unwrap();

    // Edge cases: a bench without a loader, a tune with bisection levels up
    // to 64, a history of two setups.
    let mut plain = common::bench();
    plain.config.then = None;
    for r in &mut plain.runs {
        r.load_s = None;
        r.total_s = r.warm_s;
    }
    let mut wide = common::tune("nfs4", "/net/share", 40.0);
    for (level, f) in [(12usize, 1.02), (32, 0.9), (64, 0.7)] {
        let mut l = wide.levels[3].clone();
        l.level = level;
        l.median_mib_s *= f;
        l.min_mib_s *= f * 0.9;
        l.max_mib_s *= f * 1.1;
        wide.levels.push(l);
    }
    wide.levels.sort_by_key(|l| l.level);
    wide.diagnostics.usl = None;
    let edge = [
        common::input(
            "bench without --then",
            "bench-plain.json",
            ResultFile::Bench(plain),
        ),
        common::input("nfs4 /net/share", "tune-nfs.json", ResultFile::Tune(wide)),
    ];
    let edge_files = write_report(&edge, &out.join("edge"), &opts).unwrap();
    let mut rows = common::history();
    rows.extend(common::history().into_iter().map(|mut r| {
        r.host = "other-runner".into();
        r.fs_type = "ext4".into();
        r.knee = Some(4);
        r.knee_mib_s = r.knee_mib_s.map(|v| v * 0.4);
        r.verdict = "WITHIN NOISE".into();
        r
    }));
    let edge_history = write_history_report(&rows, &out.join("edge-history"), &opts).unwrap();
    for f in files
        .charts
        .iter()
        .chain(&history.charts)
        .chain(&edge_files.charts)
        .chain(&edge_history.charts)
        .chain([&files.markdown, &files.html, &history.html])
    {
        assert!(f.is_file(), "{}", f.display());
        println!("{}", f.display());
    }
}
