//! `preload bench PATH`: cold-start comparison of warming strategies.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};
use preload_bench::{HarnessConfig, run_bench_with};
use preload_core::CancelToken;
use preload_schema::name::escaped;
use preload_schema::{CsvBenchRow, ResultFile};

use crate::args::BenchArgs;
use crate::commands::regress;
use crate::exit::Exit;
use crate::output;
use crate::output::result_file::ResultFile as OutFile;

pub fn run(args: &BenchArgs, cancel: &CancelToken) -> Result<Exit> {
    let mut cfg = HarnessConfig::new(&args.path);
    cfg.runs = args.runs;
    cfg.warmup = args.warmup;
    cfg.levels = args.levels.clone();
    cfg.then = args.then.clone();
    cfg.time_limit = args.time_limit;
    cfg.drop_caches = !args.no_drop_caches;
    // The preload strategies run as `preload warm` children of this very
    // binary, so their CPU and peak RSS are measured as xargs's are.
    cfg.warm_exe = std::env::current_exe().ok();
    if cfg.drop_caches && drop_caches_permitted() {
        // Said before doing it: this empties every other program's cache too.
        output::warn(
            "every run starts by emptying the whole machine's page cache \
             (/proc/sys/vm/drop_caches); --no-drop-caches evicts only PATH's files",
        );
    }
    let regression = regress::Plan::resolve(&args.regression)?;
    // Files first, so a bad path fails before minutes of measuring.
    let mut result_file = OutFile::create(args.output.as_deref())?;
    let json_on_stdout = result_file.as_ref().is_some_and(OutFile::is_stdout);
    let mut csv = output::csv_file(args.export_csv.as_deref())?;
    let markdown_on_stdout = args.export_markdown.as_deref().is_some_and(is_stdout);
    if (args.json || json_on_stdout) && markdown_on_stdout {
        anyhow::bail!(
            "the result JSON and --export-markdown - would both print on stdout; give the table a FILE"
        );
    }
    let markdown = args
        .export_markdown
        .as_deref()
        .map(MarkdownOut::create)
        .transpose()?;

    let quiet = args.json;
    if !quiet {
        diag!(
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
            diag!(
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
    if let Some(f) = result_file.as_mut()
        && let Some(said) = f.write(&file.to_json())?
        && !quiet
    {
        let mark = if result.interrupted {
            " (marked interrupted)"
        } else {
            ""
        };
        diag!("{said}{mark}");
    }
    if let Some(w) = csv.as_mut() {
        for run in &result.runs {
            w.serialize(CsvBenchRow::from(run))?;
        }
        w.flush()?;
    }
    if let Some(md) = markdown {
        md.write(&output::bench_table::markdown(&result))?;
    }
    if json_on_stdout {
        // `-o -`: stdout carries the result file; the table is for the eyes.
        if !quiet {
            diag_part!("{}", output::bench_table::text(&result));
        }
    } else if args.json {
        output::stdout(&format!("{}\n", file.to_json()))?;
    } else if !markdown_on_stdout {
        output::stdout(&output::bench_table::text(&result))?;
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

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Where `--export-markdown` goes: a file created up front (so a bad path
/// fails before the work), or stdout for `-`.
enum MarkdownOut<'a> {
    Stdout,
    File(&'a Path, File),
}

impl<'a> MarkdownOut<'a> {
    fn create(path: &'a Path) -> Result<MarkdownOut<'a>> {
        if is_stdout(path) {
            return Ok(MarkdownOut::Stdout);
        }
        let f = File::create(path).with_context(|| format!("creating {}", escaped(path)))?;
        Ok(MarkdownOut::File(path, f))
    }

    fn write(self, text: &str) -> Result<()> {
        match self {
            MarkdownOut::Stdout => output::stdout(text),
            MarkdownOut::File(path, mut f) => std::io::Write::write_all(&mut f, text.as_bytes())
                .with_context(|| format!("writing {}", escaped(path))),
        }
    }
}
