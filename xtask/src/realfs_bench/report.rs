//! The tables of `cargo xtask realfs-bench`: one line per run while it
//! runs, then medians per strategy as Markdown, and everything as JSON.

use std::fmt::Write;
use std::path::Path;

use anyhow::Result;
use preload_stats::median;

use super::{FsResult, Run};

const MIB: f64 = (1u64 << 20) as f64;

/// The progress line of one run.
pub fn run_line(r: &Run) -> String {
    format!(
        "  round {} {:<32} {:>7.2} s{}  cpu {:.1}+{:.1} s  cold {:.1}%/{:.1}%  resident after {:.1}%{}",
        r.round,
        r.strategy,
        r.seconds,
        r.reading_s
            .map(|s| format!(" (reading {s:.2} s)"))
            .unwrap_or_default(),
        r.reader_cpu_s,
        r.storage_cpu_s,
        r.cold_client * 100.0,
        r.cold_server * 100.0,
        r.resident_after * 100.0,
        r.used
            .as_ref()
            .map(|(m, p, c, s)| format!("  ({m}, -P {p}, chunk {} MiB, {s})", c >> 20))
            .unwrap_or_default()
    )
}

/// Median seconds of a strategy's runs.
fn median_s(runs: &[&Run]) -> f64 {
    median(&runs.iter().map(|r| r.seconds).collect::<Vec<_>>())
}

/// `realfs-bench.json` and `realfs-bench.md` in `out`.
pub fn write(out: &Path, results: &[FsResult], runs: usize) -> Result<()> {
    let machine = machine();
    let json = serde_json::json!({ "machine": machine, "runs_per_strategy": runs, "filesystems": results });
    std::fs::write(
        out.join("realfs-bench.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    std::fs::write(
        out.join("realfs-bench.md"),
        markdown(results, runs, &machine),
    )?;
    Ok(())
}

fn markdown(results: &[FsResult], runs: usize, machine: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# After `preload tune`: default warm vs the seed one-liner and a (method, -P, chunk) grid\n"
    );
    let _ = writeln!(
        md,
        "Machine: {machine}. Medians of {runs} cold runs per strategy, interleaved (each round \
         starts one strategy later). Cold = `preload evict` on the tree and on the servers' \
         backing files, checked with `preload status` before each run; time = wall time of the \
         process; \"resident\" = `preload status` of the tree after the run (lowest of the runs); \
         CPU = median user + system seconds of the reading command and of the storage daemons \
         (servers and FUSE client) during the run. \
         Made by `cargo xtask realfs-bench`.\n"
    );
    for fs in results {
        let _ = writeln!(md, "## {}\n", fs.fs);
        let _ = writeln!(
            md,
            "{} bytes in `{}`{}.\n",
            fs.bytes,
            fs.dir,
            if fs.backing.is_empty() {
                String::new()
            } else {
                format!("; backing files evicted too: {}", fs.backing.join(", "))
            }
        );
        if let Some(t) = &fs.tune {
            let rec = &t["recommendation"];
            let _ = writeln!(
                md,
                "Tune: -P {}, method {}, chunk size {}, schedule {}, confidence {:.2}, saved as the \
                 profile: {}. Chunk sizes and schedules measured (bytes, MiB/s, schedule, \
                 level): {}; methods: {}.\n",
                rec["parallelism"],
                rec["read_method"],
                rec["chunk_size"]
                    .as_u64()
                    .map_or("not compared".into(), |c| format!("{} MiB", c >> 20)),
                rec["schedule"].as_str().unwrap_or("not compared"),
                rec["confidence"].as_f64().unwrap_or_default(),
                rec["profile_worthy"],
                rec["chunks"],
                rec["methods"]
            );
        }
        let by: Vec<(String, Vec<&Run>)> = fs
            .strategies
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    fs.runs.iter().filter(|r| r.strategy == s.name).collect(),
                )
            })
            .filter(|(_, r): &(String, Vec<&Run>)| !r.is_empty())
            .collect();
        let Some(one_liner) = by.first().map(|(_, r)| median_s(r)) else {
            continue;
        };
        let best = by
            .iter()
            .map(|(_, r)| median_s(r))
            .fold(f64::INFINITY, f64::min);
        let _ = writeln!(
            md,
            "| strategy | used (method, -P, chunk, schedule) | median s | min-max s | MiB/s | resident after | one-liner s / this | best s / this | reader CPU s | storage CPU s |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for (name, rs) in &by {
            let m = median_s(rs);
            let min = rs.iter().map(|r| r.seconds).fold(f64::INFINITY, f64::min);
            let max = rs.iter().map(|r| r.seconds).fold(0.0, f64::max);
            let resident = rs.iter().map(|r| r.resident_after).fold(1.0, f64::min);
            let used = rs[0].used.as_ref().map_or("-".into(), |(me, p, c, s)| {
                format!("{me}, {p}, {} MiB, {s}", c >> 20)
            });
            let cpu = |f: fn(&Run) -> f64| median(&rs.iter().map(|r| f(r)).collect::<Vec<_>>());
            let _ = writeln!(
                md,
                "| {name} | {used} | {m:.2} | {min:.2}-{max:.2} | {:.0} | {:.1}% | {:.2} | {:.2} | {:.1} | {:.1} |",
                fs.bytes as f64 / MIB / m,
                resident * 100.0,
                one_liner / m,
                best / m,
                cpu(|r| r.reader_cpu_s),
                cpu(|r| r.storage_cpu_s)
            );
        }
        if let Some((_, tuned)) = by.iter().find(|(n, _)| n.starts_with("warm (tuned")) {
            let t = median_s(tuned);
            let _ = writeln!(
                md,
                "\nDefault warm after tune: {:.2} s vs one-liner {:.2} s ({}), best {:.2} s \
                 ({:.0}% slower than the best: {}).\n",
                t,
                one_liner,
                if t <= one_liner {
                    "at least as fast: met"
                } else {
                    "slower: NOT met"
                },
                best,
                (t / best - 1.0) * 100.0,
                if t <= best * 1.1 {
                    "within 10%: met"
                } else {
                    "NOT within 10%"
                }
            );
        }
    }
    md
}

/// Host name, cores, kernel and load average, for the report's header.
fn machine() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load: String = read("/proc/loadavg")
        .split(' ')
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "`{}`, {cores} cores, Linux {}, load average {load} when written",
        read("/proc/sys/kernel/hostname"),
        read("/proc/sys/kernel/osrelease"),
    )
}
