//! Writes a sample report to `target/report-sample/` (results and history),
//! so the charts can be looked at: `cargo test -p preload-report --test sample`.

mod common;

use std::path::PathBuf;

use preload_report::{ReportOptions, write_history_report, write_report};
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
    let opts = ReportOptions {
        title: "preload sample report".into(),
        png: true,
        svg: true,
    };
    let files = write_report(&inputs, &out.join("results"), &opts).unwrap();
    let history = write_history_report(&common::history(), &out.join("history"), &opts).unwrap();
    for f in files.charts.iter().chain(&history.charts).chain([
        &files.markdown,
        &files.html,
        &history.html,
    ]) {
        assert!(f.is_file(), "{}", f.display());
        println!("{}", f.display());
    }
}
