//! `preload bench` through the binary, on a few MiB in a temp dir; its
//! exports at hyperfine's level (issue 16): the per-strategy summary in the
//! JSON, `--export-markdown`, `--export-csv` with one unit per quantity,
//! spread warnings, CPU and peak RSS of every run, read-latency quantiles.

mod util;

use std::path::Path;

use predicates::prelude::*;
use preload_schema::ResultFile;
use serde_json::Value;
use util::{bench, json, preload, small_model, small_model_dir, stdout_json};

#[test]
fn result_file_round_trips_with_every_strategy() {
    let (dir, data) = small_model_dir();
    let out = dir.path().join("bench.json");
    let csv = dir.path().join("runs.csv");
    bench(dir.path(), 2)
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .arg("--export-csv")
        .arg(&csv)
        .args(["--save-baseline", "nightly", "--baseline-dir"])
        .arg(dir.path().join("baselines"))
        .arg("--history")
        .arg(dir.path().join("history.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("speed-up").and(predicate::str::contains("preload-p2")));

    let ResultFile::Bench(b) = ResultFile::load(&out).unwrap() else {
        panic!("not a bench result");
    };
    assert_eq!(b.config.cold_method, "fadvise");
    assert_eq!(b.dataset.files, 4);
    let strategies = ["sequential", "xargs", "preload", "preload-p2"];
    assert_eq!(b.config.strategies, strategies);
    for s in strategies {
        let runs: Vec<_> = b.runs.iter().filter(|r| r.strategy == s).collect();
        assert_eq!(runs.len(), 2, "{s}");
        assert_eq!(
            runs.iter().map(|r| r.iteration).collect::<Vec<_>>(),
            [0, 1],
            "{s}"
        );
        for r in runs {
            assert_eq!(r.exit_status, 0, "{s}");
            assert_eq!(r.bytes, b.dataset.bytes, "{s} read everything");
            assert!(r.load_s.is_none());
            assert!(r.residency_before.fraction() < 0.05, "{s} not cold: {r:?}");
            assert!(
                r.residency_after.fraction() > 0.95,
                "{s} did not warm: {r:?}"
            );
        }
    }
    let xargs = b.runs.iter().find(|r| r.strategy == "xargs").unwrap();
    assert_eq!(xargs.level, Some(32));
    assert!(xargs.peak_rss_kib.is_some_and(|k| k > 0));
    assert_eq!(
        b.runs
            .iter()
            .find(|r| r.strategy == "preload-p2")
            .unwrap()
            .level,
        Some(2)
    );
    // Rounds are interleaved and rotate their start.
    assert_eq!(b.runs[0].strategy, "sequential");
    assert_eq!(b.runs[4].strategy, "xargs");

    // The regression flags work as in tune: the baseline is the same file.
    let saved = ResultFile::load(&dir.path().join("baselines/nightly.json")).unwrap();
    assert_eq!(saved, ResultFile::Bench(b.clone()));
    let history = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
    assert!(
        history.lines().nth(1).unwrap().contains("bench"),
        "{history}"
    );

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "strategy,level,iteration,bytes,warm_seconds,load_seconds,total_seconds,\
             throughput_mib_per_s,resident_before_bytes,resident_after_bytes,dataset_bytes,\
             exit_status,user_seconds,system_seconds,peak_rss_bytes,read_p50_seconds,\
             read_p90_seconds,read_p99_seconds"
        )
    );
    assert_eq!(lines.count(), 8);
}

#[test]
fn then_times_the_loader_and_adds_load_only() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    // The loader prints: its output must not spoil the JSON on stdout.
    let out = bench(dir.path(), 2)
        .arg(dir.path())
        .args(["--then", "echo loading; true", "--json"])
        .assert()
        .success()
        .stderr(predicate::str::contains("loading"))
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["kind"], "bench");
    assert_eq!(v["config"]["then"], "echo loading; true");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 6 * 2);
    for r in runs {
        let load = r["load_s"].as_f64().expect("load_s filled");
        let total = r["total_s"].as_f64().unwrap();
        let warm = r["warm_s"].as_f64().unwrap();
        // run overlaps the two; the others add them.
        let expected = if r["strategy"] == "run" {
            warm.max(load)
        } else {
            warm + load
        };
        assert!((total - expected).abs() < 1e-9, "{r}");
    }
    let load_only: Vec<_> = runs
        .iter()
        .filter(|r| r["strategy"] == "load-only")
        .collect();
    assert_eq!(load_only.len(), 2);
    assert!(
        load_only
            .iter()
            .all(|r| r["bytes"] == 0 && r["peak_rss_kib"].as_u64().is_some())
    );
}

#[test]
fn a_failing_loader_is_recorded_and_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    let out = bench(dir.path(), 1)
        .arg(dir.path())
        .args(["--then", "exit 3", "--json"])
        .assert()
        .success()
        .stderr(predicate::str::contains("runs failed (exit status 3)"))
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert!(
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["exit_status"] == 3)
    );
}

#[test]
fn an_empty_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    bench(dir.path(), 2)
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no regular files"));
}

/// Issue 16: as root the bench empties the whole machine's page cache; it
/// says so, with the opt-out, before anything is done. The bad `-o` stops
/// it before the first drop, so this test never empties the cache.
#[test]
fn the_whole_cache_drop_is_announced_before_it_happens() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    let may_drop = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/sys/vm/drop_caches")
        .is_ok();
    if !may_drop {
        eprintln!("SKIPPED: not permitted to write drop_caches here (not root)");
        return;
    }
    let out = preload()
        .env("PRELOAD_CACHE_DIR", dir.path().join("cache"))
        .args(["bench", "--runs", "1"])
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("no/such/dir/bench.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning = stderr
        .find("emptying the whole machine's page cache")
        .expect("announced");
    assert!(stderr[warning..].contains("--no-drop-caches"), "{stderr}");
    assert!(warning < stderr.find("no/such/dir").unwrap(), "{stderr}");
    // With the opt-out nothing is announced.
    bench(dir.path(), 1)
        .arg(dir.path())
        .arg("-o")
        .arg(dir.path().join("no/such/dir/bench.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("whole machine").not());
}

#[test]
fn no_drop_caches_and_chunk_size_show_in_short_help() {
    preload()
        .args(["bench", "-h"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--no-drop-caches"));
    preload()
        .args(["warm", "-h"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--chunk-size"));
}

/// Issue 16: with `--then`, "sequential" is "read everything, then load"
/// (the data read twice), so speed-ups against it flattered every strategy.
/// The baseline is the loader alone; table, report and chart say so.
#[test]
fn then_speedups_are_against_the_loader_alone() {
    let (dir, data) = small_model_dir();
    let result = dir.path().join("bench.json");
    let out = bench(dir.path(), 1)
        .arg(&data)
        .args(["--then", "cat * >/dev/null", "-o"])
        .arg(&result)
        .current_dir(&data)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    assert!(table.contains("median time of load-only"), "{table}");
    let load_only = table
        .lines()
        .find(|l| l.starts_with("load-only"))
        .expect("load-only row");
    assert!(load_only.trim_end().ends_with("1.00x"), "{load_only}");
    let report = dir.path().join("report");
    preload()
        .arg("report")
        .arg(&result)
        .arg("-o")
        .arg(&report)
        .assert()
        .success();
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("Speed-up vs load-only"), "{md}");
    assert!(!md.contains("Speed-up vs sequential"), "{md}");
    let svg = std::fs::read_dir(&report)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy().contains("coldstart") && p.extension().is_some_and(|e| e == "svg")
        })
        .expect("a cold-start chart");
    let svg = std::fs::read_to_string(svg).unwrap();
    assert!(
        svg.contains("than load-only, the loader alone"),
        "chart not labelled"
    );
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn json_summary_matches_the_runs_and_every_run_has_cpu_rss_and_latency() {
    let (dir, data) = small_model_dir();
    let v = stdout_json(bench(dir.path(), 3).arg(&data).arg("--json"));
    let runs = v["runs"].as_array().unwrap();
    let summary = v["summary"].as_array().expect("a summary next to the runs");
    let names: Vec<&str> = summary
        .iter()
        .map(|s| s["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sequential", "xargs", "preload", "preload-p2"]);
    for s in summary {
        let name = s["strategy"].as_str().unwrap();
        let of: Vec<&Value> = runs.iter().filter(|r| r["strategy"] == name).collect();
        let totals: Vec<f64> = of.iter().map(|r| f(&r["total_s"])).collect();
        let times: Vec<f64> = s["times"].as_array().unwrap().iter().map(f).collect();
        assert_eq!(
            times, totals,
            "{name}: times are the runs' totals, in order"
        );
        assert_eq!(s["exit_codes"].as_array().unwrap().len(), 3);
        let mean = totals.iter().sum::<f64>() / 3.0;
        assert!((f(&s["mean_s"]) - mean).abs() < 1e-9, "{s}");
        let mut sorted = totals.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(f(&s["median_s"]), sorted[1], "{name}");
        assert_eq!(f(&s["min_s"]), sorted[0], "{name}");
        assert_eq!(f(&s["max_s"]), sorted[2], "{name}");
        assert!(f(&s["stddev_s"]) >= 0.0);
        assert!(f(&s["user_mean_s"]) >= 0.0 && f(&s["system_mean_s"]) >= 0.0);
        assert!(f(&s["user_mean_s"]) + f(&s["system_mean_s"]) > 0.0, "{s}");
    }
    for r in runs {
        let name = r["strategy"].as_str().unwrap();
        // CPU and peak RSS for every strategy, plausible: reading 3 MiB
        // takes less CPU than the run's wall time allows on 2 cores x 10,
        // and no strategy needs a GiB.
        let cpu = f(&r["user_s"]) + f(&r["system_s"]);
        assert!(cpu >= 0.0 && cpu < 20.0 * f(&r["total_s"]) + 1.0, "{r}");
        let rss = r["peak_rss_kib"]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: no RSS"));
        assert!((256..1 << 20).contains(&rss), "{name}: {rss} KiB");
        if name.starts_with("preload") || name == "sequential" {
            let l = &r["read_latency"];
            assert!(l["reads"].as_u64().unwrap() > 0, "{r}");
            let q = [&l["p50_ms"], &l["p90_ms"], &l["p99_ms"], &l["p999_ms"]].map(f);
            assert!(
                q[0] >= 0.0 && q.windows(2).all(|w| w[0] <= w[1]),
                "{name}: {q:?}"
            );
        } else {
            assert!(r["read_latency"].is_null(), "{r}");
        }
    }
    // The preload strategies run as `preload warm` children: their peak is
    // their own, not the bench process's (whose heap holds every run so far).
    let p2: Vec<u64> = runs
        .iter()
        .filter(|r| r["strategy"] == "preload-p2")
        .map(|r| r["peak_rss_kib"].as_u64().unwrap())
        .collect();
    assert!(p2.iter().all(|&k| k < 256 * 1024), "{p2:?}");
}

#[test]
fn markdown_export_is_the_per_strategy_table() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    let md = dir.path().join("bench.md");
    let text = bench(dir.path(), 1)
        .arg(dir.path())
        .arg("--export-markdown")
        .arg(&md)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    let md = std::fs::read_to_string(&md).unwrap();
    let lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        lines[0].starts_with("| Strategy | P | Runs | Mean ± σ s |"),
        "{md}"
    );
    assert!(lines[0].contains("Peak RSS") && lines[0].contains("Read p50/p90/p99 ms"));
    assert!(lines[1].starts_with("| --- | ---: |"), "{md}");
    assert_eq!(lines.len(), 2 + 4, "{md}");
    assert!(lines[2].starts_with("| sequential |") && lines[2].ends_with("| 1.00x |"));
    // The terminal shows the same rows.
    for s in ["sequential", "xargs", "preload ", "preload-p2"] {
        assert!(text.lines().any(|l| l.starts_with(s)), "{s}: {text}");
    }
    // `-` writes it on stdout instead of the text table.
    bench(dir.path(), 1)
        .arg(dir.path())
        .args(["--export-markdown", "-"])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("## preload bench")
                .and(predicate::str::contains("| Strategy |")),
        );
}

#[test]
fn a_bad_output_or_export_path_fails_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    for flag in ["-o", "--export-markdown", "--export-csv"] {
        bench(dir.path(), 1)
            .arg(dir.path())
            .arg(flag)
            .arg(dir.path().join("no/such/dir/x"))
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains("no/such/dir")
                    .and(predicate::str::contains("benchmarking").not()),
            );
    }
}

#[test]
fn csv_has_one_unit_per_quantity_named_in_the_column() {
    let (dir, data) = small_model_dir();
    let csv = dir.path().join("runs.csv");
    bench(dir.path(), 1)
        .arg(&data)
        .arg("--export-csv")
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "strategy",
            "level",
            "iteration",
            "bytes",
            "warm_seconds",
            "load_seconds",
            "total_seconds",
            "throughput_mib_per_s",
            "resident_before_bytes",
            "resident_after_bytes",
            "dataset_bytes",
            "exit_status",
            "user_seconds",
            "system_seconds",
            "peak_rss_bytes",
            "read_p50_seconds",
            "read_p90_seconds",
            "read_p99_seconds",
        ]
    );
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4);
    for r in &rows {
        // Residency in bytes (integers), as in the JSON; not fractions.
        let after: u64 = r[col("resident_after_bytes")].parse().expect("bytes");
        assert_eq!(r[col("dataset_bytes")], ((3u64 << 20) + 2).to_string());
        assert!(after > 3 * (1 << 20) * 95 / 100, "{r:?}");
        let rss: u64 = r[col("peak_rss_bytes")].parse().expect("bytes");
        assert_eq!(rss % 1024, 0);
        let total: f64 = r[col("total_seconds")].parse().unwrap();
        assert!(total > 0.0);
    }
}

/// A loader that is slow the first time only (it leaves a marker): the
/// strategy that runs first gets hyperfine's slow-first-run warning, with
/// the advice.
#[test]
fn a_slow_first_run_is_warned_about_with_advice() {
    let (dir, data) = small_model_dir();
    let marker = dir.path().join("loaded-once");
    let loader = format!(
        "test -e '{0}' || {{ sleep 2; touch '{0}'; }}",
        marker.display()
    );
    bench(dir.path(), 4)
        .arg(&data)
        .args(["--then", &loader])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("sequential: the first run was much slower than the rest")
                .and(predicate::str::contains("--runs"))
                .and(predicate::str::contains("--no-drop-caches")),
        );
}

#[test]
fn output_dash_puts_the_result_file_on_stdout_and_the_table_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    small_model(dir.path());
    let out = bench(dir.path(), 1)
        .arg(dir.path())
        .args(["-o", "-"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let ResultFile::Bench(b) = ResultFile::parse(&stdout, Path::new("-")).unwrap() else {
        panic!("not a bench result: {stdout}");
    };
    assert!(!b.runs.is_empty());
    assert!(
        stderr.lines().any(|l| l.starts_with("sequential")),
        "{stderr}"
    );
    // Two things cannot share stdout.
    bench(dir.path(), 1)
        .arg(dir.path())
        .args(["-o", "-", "--export-markdown", "-"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give the table a FILE"));
}
