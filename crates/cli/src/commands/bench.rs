//! `preload bench PATH`: cold-start comparison of warming strategies.

use std::fmt::Write;
use std::fs::File;

use anyhow::{Context, Result};
use preload_bench::{BenchSettings, run_bench_with};
use preload_core::CancelToken;
use preload_report::summary::{Spread, summarize_bench};
use preload_schema::name::{escaped, escaped_bytes};
use preload_schema::{BenchResult, CsvBenchRow, ResultFile};

use crate::args::BenchArgs;
use crate::commands::regress;
use crate::exit::Exit;
use crate::output;

pub fn run(args: &BenchArgs, cancel: &CancelToken) -> Result<Exit> {
    let mut cfg = BenchSettings::new(&args.path);
    cfg.runs = args.runs;
    cfg.warmup = args.warmup;
    cfg.levels = args.levels.clone();
    cfg.then = args.then.clone();
    cfg.time_limit = args.time_limit;
    cfg.drop_caches = !args.no_drop_caches;
    if cfg.drop_caches && drop_caches_permitted() {
        // Said before doing it: this empties every other program's cache too.
        output::warn(
            "every run starts by emptying the whole machine's page cache \
             (/proc/sys/vm/drop_caches); --no-drop-caches evicts only PATH's files",
        );
    }
    let regression = regress::Plan::resolve(&args.regression)?;
    // Files first, so a bad path fails before minutes of measuring.
    let result_file = args
        .output
        .as_ref()
        .map(|p| {
            File::create(p)
                .with_context(|| format!("creating {}", escaped(p)))
                .map(|f| (p, f))
        })
        .transpose()?;
    let mut csv = output::csv_file(args.export_csv.as_deref())?;

    let quiet = args.json;
    if !quiet {
        eprintln!(
            "benchmarking {} ({} runs{} per strategy, each from a cold cache)",
            escaped(&args.path),
            cfg.runs,
            if cfg.warmup > 0 {
                format!(" + {} warm-up", cfg.warmup)
            } else {
                String::new()
            },
        );
    }
    let result = run_bench_with(&cfg, cancel, &mut |r, warmup| {
        if !quiet {
            let label = if warmup {
                "warm".to_owned()
            } else {
                format!("#{}", r.iteration + 1)
            };
            eprintln!(
                "  {:<5} {:<14} {:>8.2} s {:>15}{}  cold {:>3.0}% -> {:>3.0}%{}",
                label,
                r.strategy,
                r.total_s,
                if r.bytes > 0 {
                    format!("{:.1} MiB/s", r.mib_s)
                } else {
                    String::new()
                },
                r.load_s
                    .map(|l| format!(" (load {l:.2} s)"))
                    .unwrap_or_default(),
                r.residency_before.fraction() * 100.0,
                r.residency_after.fraction() * 100.0,
                if r.exit_status != 0 {
                    format!("  exit {}", r.exit_status)
                } else {
                    String::new()
                },
            );
        }
    })
    .with_context(|| format!("benchmarking {}", escaped(&args.path)))?;
    for w in &result.warnings {
        output::warn(w);
    }
    let file = ResultFile::Bench(result.clone());
    if let Some((path, mut f)) = result_file {
        std::io::Write::write_all(&mut f, format!("{}\n", file.to_json()).as_bytes())
            .with_context(|| format!("writing {}", escaped(path)))?;
        if !quiet {
            eprintln!(
                "wrote {}{}",
                escaped(path),
                if result.interrupted {
                    " (marked interrupted)"
                } else {
                    ""
                }
            );
        }
    }
    if let Some(w) = csv.as_mut() {
        for run in &result.runs {
            w.serialize(CsvBenchRow::from(run))?;
        }
        w.flush()?;
    }
    if args.json {
        output::stdout(&format!("{}\n", file.to_json()))?;
    } else {
        output::stdout(&table(&result))?;
    }
    let exit = regress::finish(&regression, &file)?;
    Ok(if cancel.is_cancelled() {
        Exit::Interrupted
    } else {
        exit
    })
}

/// Whether this process may write `/proc/sys/vm/drop_caches` (root, not in
/// a read-only /proc), i.e. whether the bench would empty the whole cache.
fn drop_caches_permitted() -> bool {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/sys/vm/drop_caches")
        .is_ok()
}

/// The human table: median total time, its spread, throughput and the
/// speed-up over `sequential`, one line per strategy.
pub fn table(r: &BenchResult) -> String {
    let mut out = String::new();
    let fs = &r.context.filesystem;
    let _ = writeln!(
        out,
        "{} on {} ({}): {}, {}; caches emptied by {}",
        escaped_bytes(r.dataset.path.as_bytes()),
        escaped_bytes(fs.mount_point.as_bytes()),
        fs.fs_type,
        preload_report::count(r.dataset.files, "file"),
        preload_core::human_bytes(r.dataset.bytes),
        r.config.cold_method
    );
    let summaries = summarize_bench(r);
    let seq = preload_report::summary::baseline_median(r, &summaries);
    let with_load = r.config.then.is_some();
    let _ = write!(
        out,
        "{:<14} {:>5} {:>5} {:>10} {:>17}",
        "strategy", "-P", "runs", "median s", "min - max s"
    );
    if with_load {
        let _ = write!(out, " {:>8} {:>8}", "warm s", "load s");
    }
    let _ = writeln!(out, " {:>10} {:>9}", "MiB/s", "speed-up");
    let baseline_note = format!(
        "speed-up: median time of {} / median time of the strategy",
        preload_report::summary::baseline_strategy(r)
    );
    let median = |s: Option<Spread>| s.map_or("-".to_owned(), |s| format!("{:.2}", s.median));
    for s in &summaries {
        let total = s.total_s;
        let speedup = match (seq, total) {
            (Some(seq), Some(t)) if t.median > 0.0 => format!("{:.2}x", seq / t.median),
            _ => "-".to_owned(),
        };
        let runs = if s.failed_runs > 0 {
            format!("{}!", s.ok_runs)
        } else {
            s.ok_runs.to_string()
        };
        let _ = write!(
            out,
            "{:<14} {:>5} {:>5} {:>10} {:>17}",
            s.strategy,
            s.level.map_or("-".to_owned(), |l| l.to_string()),
            runs,
            median(total),
            total.map_or("-".to_owned(), |t| format!("{:.2} - {:.2}", t.min, t.max)),
        );
        if with_load {
            let _ = write!(out, " {:>8} {:>8}", median(s.warm_s), median(s.load_s));
        }
        let mib_s = if s.strategy == "load-only" {
            "-".to_owned()
        } else {
            s.mib_s
                .map_or("-".to_owned(), |m| format!("{:.1}", m.median))
        };
        let _ = writeln!(out, " {:>10} {:>9}", mib_s, speedup);
    }
    let _ = writeln!(out, "{baseline_note}");
    if summaries.iter().any(|s| s.failed_runs > 0) {
        let _ = writeln!(
            out,
            "! some runs failed and are left out (see the warnings)"
        );
    }
    if r.interrupted {
        let _ = writeln!(
            out,
            "! interrupted: only the runs finished before the signal, not a complete measurement"
        );
    }
    out
}
