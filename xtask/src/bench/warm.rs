//! `cargo xtask bench warm`: cold-cache comparison of `preload warm` (each
//! read method) against `find | xargs -P 32 cat` and `vmtouch -t`, and the
//! chunk-size comparison (`--chunk-sizes`).
//!
//! Runs are interleaved: run index r runs every strategy once, starting at a
//! position that rotates with r, so drift (other load, thermal, background
//! writeback) spreads over all strategies instead of biasing one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use preload_bench::child::{ChildStdout, run_measured};

use super::cache::{self, COLD_FRACTION, ColdMethod, Preload};
use super::report::{Csv, Row, median, table};
use crate::gendata::{self, target_dir};

/// Options of `bench warm`.
#[derive(Debug, Clone)]
pub struct WarmOpts {
    /// Runs per strategy and layout.
    pub runs: u32,
    /// Bench-data spec names.
    pub layouts: Vec<String>,
    /// CSV of raw rows.
    pub out: PathBuf,
    /// `-P` for preload; `None`: preload's own default (or saved profile).
    pub parallelism: Option<String>,
    /// Chunk-size mode: compare these sizes for the read method only.
    pub chunk_sizes: Vec<String>,
    /// Also measure peak RSS of `preload warm -P 64` on few-large.
    pub rss_check: bool,
}

/// One way to warm a directory.
#[derive(Debug, Clone)]
enum Strategy {
    /// `find DIR -type f | xargs -P 32 -I{} cat {} >/dev/null`.
    Xargs,
    /// `vmtouch -t DIR`.
    Vmtouch,
    /// `preload warm DIR --quiet --json --method M [--chunk-size C] [-P N]`.
    Preload {
        method: String,
        chunk: Option<String>,
        parallelism: Option<String>,
    },
}

impl Strategy {
    fn strategy(&self) -> &'static str {
        match self {
            Strategy::Xargs => "xargs",
            Strategy::Vmtouch => "vmtouch",
            Strategy::Preload { .. } => "preload",
        }
    }

    /// The CSV `method` column: the read method, with the variant that differs.
    fn method(&self) -> String {
        match self {
            Strategy::Xargs => "-P32 cat".into(),
            Strategy::Vmtouch => "-t".into(),
            Strategy::Preload {
                method,
                chunk,
                parallelism,
            } => {
                let mut m = method.clone();
                if let Some(c) = chunk {
                    m.push_str(&format!("-chunk{c}"));
                }
                if let Some(p) = parallelism {
                    m.push_str(&format!("-P{p}"));
                }
                m
            }
        }
    }

    fn command(&self, preload: &Preload, dir: &Path) -> Command {
        match self {
            Strategy::Xargs => {
                let mut c = Command::new("sh");
                c.args([
                    "-c",
                    "find \"$1\" -type f | xargs -P 32 -I{} cat {} >/dev/null",
                    "sh",
                ])
                .arg(dir);
                c
            }
            Strategy::Vmtouch => {
                let mut c = Command::new("vmtouch");
                c.arg("-qt").arg(dir);
                c
            }
            Strategy::Preload {
                method,
                chunk,
                parallelism,
            } => {
                let mut c = preload.cmd(["warm".as_ref(), dir.as_os_str()]);
                c.args(["--quiet", "--json", "--method", method]);
                if let Some(cs) = chunk {
                    c.args(["--chunk-size", cs]);
                }
                if let Some(p) = parallelism {
                    c.args(["-P", p]);
                }
                c
            }
        }
    }
}

/// True when `prog` is on PATH.
fn installed(prog: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
}

/// Total size of the regular files under `dir`.
fn dir_bytes(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let e = e?;
        let ft = e.file_type()?;
        if ft.is_dir() {
            total += dir_bytes(&e.path())?;
        } else if ft.is_file() {
            total += e.metadata()?.len();
        }
    }
    Ok(total)
}

/// Runs `bench warm`.
pub fn run(opts: &WarmOpts) -> Result<()> {
    if !cache::can_drop_caches() {
        bail!(
            "bench warm needs root: each run starts from `echo 3 > /proc/sys/vm/drop_caches`; \
             run it as root (e.g. `sudo -E cargo xtask bench warm`)"
        );
    }
    eprintln!("bench: building the release preload binary");
    let preload = Preload::build()?.private_copy(&target_dir().join("bench"))?;
    let strategies = strategies(opts);
    let mut csv = Csv::create(&opts.out)?;
    let mut dirs = Vec::new();
    for layout in &opts.layouts {
        let dir = gendata::ensure(&gendata::spec_path(layout), &gendata::default_out())?;
        dirs.push((layout.clone(), dir));
    }
    // Ratios against xargs, or in chunk mode against the default chunk size.
    let (baseline, label) = if opts.chunk_sizes.is_empty() {
        (Strategy::Xargs, "xargs".to_string())
    } else {
        let i = opts
            .chunk_sizes
            .iter()
            .position(|c| c == "32MiB")
            .unwrap_or(0);
        (strategies[i].clone(), opts.chunk_sizes[i].clone())
    };
    let baseline = format!("{} {}", baseline.strategy(), baseline.method());
    for (layout, dir) in &dirs {
        let rows = measure_layout(&preload, layout, dir, &strategies, opts.runs, &mut csv)?;
        let t = format!(
            "{}\n{}",
            header(layout, dir, &rows, opts.runs)?,
            table(&rows, &baseline, &label)
        );
        println!("{t}");
    }
    let few_large = dirs.iter().find(|(l, _)| l == "few-large");
    if let (true, Some((layout, dir))) = (opts.rss_check, few_large) {
        rss_check(&preload, layout, dir, &mut csv)?;
    }
    println!(
        "time: wall clock of the child. vs {label}: median time of {label} / median time of\n\
         the strategy (> 1 = faster than {label}).\n\
         RSS: median of ru_maxrss from wait4, the peak of the largest single process of the\n\
         child's tree (not the sum of xargs' 32 cats); mapped page-cache pages count in it\n\
         (vmtouch, mmap). resident: page-cache residency right after the run, by vmtouch.\n"
    );
    eprintln!("bench: raw rows in {}", opts.out.display());
    Ok(())
}

fn strategies(opts: &WarmOpts) -> Vec<Strategy> {
    let preload = |method: &str, chunk: Option<&String>| Strategy::Preload {
        method: method.into(),
        chunk: chunk.cloned(),
        parallelism: opts.parallelism.clone(),
    };
    if !opts.chunk_sizes.is_empty() {
        return opts
            .chunk_sizes
            .iter()
            .map(|c| preload("read", Some(c)))
            .collect();
    }
    let mut s = vec![Strategy::Xargs];
    if installed("vmtouch") {
        s.push(Strategy::Vmtouch);
    } else {
        eprintln!("bench: vmtouch is not installed, skipped (apt-get install -y vmtouch)");
    }
    for m in ["read", "willneed", "mmap"] {
        s.push(preload(m, None));
    }
    s
}

fn header(layout: &str, dir: &Path, rows: &[Row], runs: u32) -> Result<String> {
    let bytes = rows.first().map_or(0, |r| r.bytes);
    let files = count_files(dir)?;
    Ok(format!(
        "{layout}: {files} files, {} ({}), {runs} runs per strategy, cold before each run ({})",
        gendata::human_bytes(bytes),
        dir.display(),
        ColdMethod::DropCaches.describe()
    ))
}

fn count_files(dir: &Path) -> Result<u64> {
    let mut n = 0;
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            n += count_files(&e.path())?;
        } else {
            n += 1;
        }
    }
    Ok(n)
}

fn measure_layout(
    preload: &Preload,
    layout: &str,
    dir: &Path,
    strategies: &[Strategy],
    runs: u32,
    csv: &mut Csv,
) -> Result<Vec<Row>> {
    let bytes = dir_bytes(dir)?;
    let mut rows = Vec::new();
    let n = strategies.len();
    for run in 0..runs {
        for k in 0..n {
            let s = &strategies[(k + run as usize) % n];
            let row = measure_one(preload, layout, dir, s, run, bytes)?;
            eprintln!(
                "bench: {layout} run {}/{runs} {:<28} {:>6.2} s {:>6.0} MiB/s  rss {:>6.1} MiB  resident {:>5.1}%",
                run + 1,
                row.name(),
                row.seconds,
                row.mib_s(),
                row.peak_rss_kib as f64 / 1024.0,
                100.0 * row.resident_after
            );
            csv.write(&row)?;
            rows.push(row);
        }
    }
    Ok(rows)
}

fn measure_one(
    preload: &Preload,
    layout: &str,
    dir: &Path,
    s: &Strategy,
    run: u32,
    bytes: u64,
) -> Result<Row> {
    let before = cache::make_cold(preload, dir, ColdMethod::DropCaches)?;
    if before >= COLD_FRACTION {
        eprintln!(
            "bench: warning: {} still {:.1}% resident after two drops; run marked",
            dir.display(),
            100.0 * before
        );
    }
    let is_preload = matches!(s, Strategy::Preload { .. });
    let stdout = if is_preload {
        ChildStdout::Capture
    } else {
        ChildStdout::Null
    };
    let mut cmd = s.command(preload, dir);
    let m = run_measured(&mut cmd, stdout)
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if is_preload {
        // Every file must be read; a warning exit (e.g. pages not retained
        // because something else dropped the cache meanwhile) is recorded.
        check_summary(&String::from_utf8_lossy(&m.stdout), dir)?;
        if m.exit_status != 0 {
            eprintln!(
                "bench: preload exited with status {}; run recorded, see resident",
                m.exit_status
            );
        }
    } else if m.exit_status != 0 {
        bail!(
            "{} failed on {} (exit status {})",
            s.strategy(),
            dir.display(),
            m.exit_status
        );
    }
    Ok(Row {
        layout: layout.into(),
        strategy: s.strategy().into(),
        method: s.method(),
        run,
        seconds: m.elapsed_s,
        bytes,
        peak_rss_kib: m.peak_rss_kib,
        cpu_s: m.user_s + m.system_s,
        resident_after: resident_at_exit(preload, dir)?,
        resident_before: before,
    })
}

/// Residency right after the strategy exited, by an instrument preload's
/// figures do not come from: `vmtouch` (mincore, up-to-date pages only) when
/// installed, else `preload status`.
fn resident_at_exit(preload: &Preload, dir: &Path) -> Result<f64> {
    if !installed("vmtouch") {
        return preload.resident_fraction(dir);
    }
    let out = Command::new("vmtouch")
        .arg("-f")
        .arg(dir)
        .output()
        .context("cannot run vmtouch")?;
    let text = String::from_utf8_lossy(&out.stdout);
    vmtouch_fraction(&text).with_context(|| format!("unexpected vmtouch output: {text}"))
}

/// `Resident Pages: 65536/131072  256M/512M  50%` -> 0.5.
fn vmtouch_fraction(text: &str) -> Option<f64> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Resident Pages:"))?;
    let pages = line.split_whitespace().nth(2)?;
    let (resident, total) = pages.split_once('/')?;
    let (resident, total): (f64, f64) = (resident.parse().ok()?, total.parse().ok()?);
    Some(if total == 0.0 { 1.0 } else { resident / total })
}

/// Checks a `preload warm --json` summary: every file read, nothing failed.
fn check_summary(stdout: &str, dir: &Path) -> Result<()> {
    let v: serde_json::Value =
        serde_json::from_str(stdout).context("preload warm printed invalid JSON")?;
    let files = v["files"].as_u64().unwrap_or(0);
    let read = v["files_read"].as_u64().unwrap_or(0);
    if files == 0 || read != files || v["failed"].as_array().is_some_and(|f| !f.is_empty()) {
        bail!(
            "preload warm {}: read {read} of {files} files: {stdout}",
            dir.display()
        );
    }
    Ok(())
}

/// Peak RSS of `preload warm -P 64` (target: under 64 MiB), three cold runs.
fn rss_check(preload: &Preload, layout: &str, dir: &Path, csv: &mut Csv) -> Result<()> {
    let bytes = dir_bytes(dir)?;
    let s = Strategy::Preload {
        method: "read".into(),
        chunk: None,
        parallelism: Some("64".into()),
    };
    let mut rss = Vec::new();
    for run in 0..3 {
        let row = measure_one(preload, layout, dir, &s, run, bytes)?;
        csv.write(&row)?;
        rss.push(row.peak_rss_kib as f64 / 1024.0);
    }
    let worst = rss.iter().copied().fold(0.0, f64::max);
    println!(
        "peak RSS of `preload warm -P 64` on {layout}: median {:.1} MiB, max {worst:.1} MiB over 3 cold runs \
         (target < 64 MiB: {})\n",
        median(&rss),
        if worst < 64.0 { "met" } else { "NOT met" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arguments `strategy`'s command gets on `dir` (with the binary
    /// named `preload`), as text: what the tests of the command lines compare.
    fn args_on(strategy: &Strategy, dir: &str) -> Vec<String> {
        let preload = Preload {
            bin: "preload".into(),
        };
        strategy
            .command(&preload, Path::new(dir))
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn vmtouch_output_gives_the_resident_fraction() {
        let text = "           Files: 4\n  Resident Pages: 65536/131072  256M/512M  50%\n";
        assert_eq!(vmtouch_fraction(text), Some(0.5));
        assert_eq!(vmtouch_fraction("nothing"), None);
    }

    #[test]
    fn chunk_mode_runs_only_preload_read_at_each_size() {
        let opts = WarmOpts {
            runs: 1,
            layouts: vec![],
            out: "x.csv".into(),
            parallelism: Some("8".into()),
            chunk_sizes: vec!["8MiB".into(), "32MiB".into()],
            rss_check: false,
        };
        let s = strategies(&opts);
        let methods: Vec<String> = s.iter().map(Strategy::method).collect();
        assert_eq!(methods, ["read-chunk8MiB-P8", "read-chunk32MiB-P8"]);
        assert_eq!(
            args_on(&s[0], "/d"),
            [
                "warm",
                "/d",
                "--quiet",
                "--json",
                "--method",
                "read",
                "--chunk-size",
                "8MiB",
                "-P",
                "8"
            ]
        );
    }

    #[test]
    fn xargs_passes_the_directory_as_an_argument_not_in_the_script() {
        let args = args_on(&Strategy::Xargs, "/a b'c");
        assert_eq!(args.last().map(String::as_str), Some("/a b'c"));
        assert!(!args[1].contains("a b"));
    }
}
