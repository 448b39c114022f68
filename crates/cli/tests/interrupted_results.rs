//! Interrupted runs are recorded as such (issue 10, item 7): a bench stopped
//! by SIGINT used to write its result file as if complete (the cut run as an
//! ordinary one), and an interrupted tune printed "recommended -P 2
//! (confidence 1.00)".

mod util;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use preload_schema::ResultFile;
use preload_simfs::testing::{TestMount, create_file, require_fuse, streams};
use util::{bench, preload, small_model_dir};

#[test]
fn an_interrupted_bench_file_is_marked_and_refused_by_compare() {
    let (dir, data) = small_model_dir();
    let out = dir.path().join("bench.json");
    let counter = dir.path().join("loads");
    // The loader counts its calls and, on the 13th, sends SIGINT to preload
    // (its parent): 6 strategies (sequential, xargs, preload, preload-p2,
    // load-only, run), so two full rounds are done and the third is cut. A signal
    // at a known point, not after a guessed sleep.
    let then = format!(
        "n=$(( $(cat '{c}' 2>/dev/null || echo 0) + 1 )); echo $n > '{c}'; \
         if [ $n -eq 13 ]; then kill -INT $PPID; fi",
        c = counter.display()
    );
    let status = bench(dir.path(), 3)
        .arg(&data)
        .arg("--then")
        .arg(&then)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert_eq!(status.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("(marked interrupted)"), "{stderr}");
    let ResultFile::Bench(b) = ResultFile::load(&out).unwrap() else {
        panic!("not a bench result");
    };
    assert!(b.interrupted);
    // Two full rounds; the cut run is left out (or, when the signal landed
    // just after it finished, kept as the complete run it was).
    assert!((12..=13).contains(&b.runs.len()), "{} runs", b.runs.len());
    assert!(b.runs.iter().all(|r| r.exit_status == 0), "{:?}", b.runs);

    preload()
        .arg("compare")
        .args([&out, &out])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("interrupted")
                .and(predicate::str::contains("--allow-interrupted")),
        );
    preload()
        .args(["compare", "--allow-interrupted"])
        .args([&out, &out])
        .assert()
        .code(0);
    // As a baseline: refused before any measuring.
    preload()
        .args(["bench", "--runs", "1", "--baseline"])
        .arg(&out)
        .arg(&data)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("the baseline run was interrupted")
                .and(predicate::str::contains("benchmarking").not()),
        );
}

#[test]
fn an_interrupted_tune_gives_no_recommendation_and_saves_no_profile() {
    if !require_fuse() {
        return;
    }
    // 8 MiB/s per stream over 256 MiB: a 60 s tune has far to go when the
    // signal comes after its second probe.
    let mnt = TestMount::new(streams(2, 8)).unwrap();
    for i in 0..4 {
        create_file(&mnt.backing().join(format!("shard-{i}")), 64 << 20, i).unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("preload"))
        .env("PRELOAD_CACHE_DIR", cache.path())
        .args(["tune", "--time-budget", "60s", "--probe-time", "500ms"])
        .arg(mnt.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Signal after the second probe line: a curve exists, the tune is far
    // from done.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut probes = 0;
    while probes < 2 {
        let mut line = String::new();
        assert_ne!(stderr.read_line(&mut line).unwrap(), 0, "{seen}");
        probes += usize::from(line.contains("probe -P"));
        seen.push_str(&line);
    }
    let (status, _) = util::signal_and_wait(&mut child, libc::SIGINT, Duration::from_secs(30));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    seen.push_str(&rest);
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    eprintln!("{seen}{stdout}");
    assert_eq!(status.code(), Some(130));
    assert!(
        stdout.starts_with("filesystem: ")
            && stdout.contains("interrupted: no recommendation; the curve so far:"),
        "{stdout}"
    );
    assert!(!stdout.contains("recommended -P"), "{stdout}");
    assert!(
        !stdout.contains(" <"),
        "a level is marked as the knee: {stdout}"
    );
    assert!(!seen.contains("saved -P"), "{seen}");
    assert!(!cache.path().join("profiles.json").exists());
}
