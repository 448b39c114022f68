//! `cargo xtask demo`: the README's first command. Builds what it needs,
//! generates a ~1 GiB sample model, and shows a cold model load with and
//! without `preload warm`, step by step, without asking anything.
//!
//! Steps, in order (each a `step_*` method of [`Demo`]; later steps are
//! appended the same way):
//!
//! 1. [`Demo::step_build`]: build the release `preload` binary;
//! 2. [`Demo::step_generate`]: `bench-data/sample-model.toml` into
//!    `target/bench-data/sample-model/`;
//! 3. [`Demo::step_local_disk`]: from a cold cache, (a) a loader's sequential
//!    read of the shards, against (b) `preload warm` followed by the same read.
//!
//! 4-7. [`Demo::step_story`]: serve the directory through `preload-simfs`
//!    (latency-emulating FUSE with a knee at 8), run `preload tune`,
//!    `preload bench` and `preload report` there and on the local disk, and
//!    print the path of `report.html` (everything under `target/demo/`).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

pub mod story;

use crate::bench::cache::{COLD_FRACTION, ColdMethod, Preload, make_cold};
use crate::gendata::{self, human_bytes};
use preload_stats::median;

const USAGE: &str = "\
usage: cargo xtask demo

Builds preload, generates a ~1 GiB synthetic model (target/bench-data/sample-model),
then times a cold sequential load against `preload warm` + the same load.
Runs best as root (drops the page cache); otherwise evicts the model's files.";

pub fn main(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        if a == "-h" || a == "--help" {
            println!("{USAGE}");
            return Ok(());
        }
        bail!("demo takes no arguments\n{USAGE}");
    }
    println!(
        "preload demo: a cold model load with and without `preload warm`\n\
         (writes ~1 GiB under target/bench-data/; the first build takes a few minutes)"
    );
    let mut demo = Demo::default();
    let preload = demo.step_build()?;
    let dir = demo.step_generate()?;
    demo.step_local_disk(&preload, &dir)?;
    demo.step_story(&preload, &dir)?;
    println!("\ndemo done.");
    Ok(())
}

/// The demo's state: numbered steps.
#[derive(Debug, Default)]
pub struct Demo {
    step: u32,
}

impl Demo {
    /// Prints the heading of the next step.
    fn announce(&mut self, title: &str) {
        self.step += 1;
        println!("\n== step {}: {title}", self.step);
    }

    /// Builds the release `preload` binary.
    pub fn step_build(&mut self) -> Result<Preload> {
        self.announce("build preload (cargo build --release -p preload-cli)");
        let start = Instant::now();
        let preload = Preload::build()?;
        println!(
            "{} ready ({:.0} s)",
            rel(&preload.bin),
            start.elapsed().as_secs_f64()
        );
        Ok(preload)
    }

    /// Generates the sample model (skipped when up to date).
    pub fn step_generate(&mut self) -> Result<PathBuf> {
        self.announce("generate the sample model (cargo xtask gen sample-model)");
        let dir = gendata::ensure(&gendata::spec_path("sample-model"), &gendata::default_out())?;
        let shards = shard_order(&dir)?;
        println!(
            "{}: {} shards listed in model.safetensors.index.json, {} in all",
            rel(&dir),
            shards.len(),
            human_bytes(dir_files(&dir)?.iter().map(|(_, n)| n).sum())
        );
        Ok(dir)
    }

    /// Cold load from local disk: the loader alone, then preload + loader,
    /// [`REPEATS`] times alternating; medians decide.
    pub fn step_local_disk(&mut self, preload: &Preload, dir: &Path) -> Result<()> {
        self.announce("cold start from local disk: loader alone vs preload warm + loader");
        let method = ColdMethod::detect();
        let files = load_order(dir)?;
        println!(
            "(a) the loader alone: config, tokenizer, then each shard in index order, one 1 MiB buffer\n\
             (b) `preload warm`, then the same loader (from the page cache)\n\
             each from a cold cache ({}), {REPEATS} times alternating",
            method.describe()
        );
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for rep in 0..REPEATS {
            cold(preload, dir, method)?;
            let (bytes, secs) = sequential_read(&files)?;
            println!(
                "  {}/{REPEATS} (a) loader alone:      {secs:5.2} s  ({} at {:.0} MiB/s)",
                rep + 1,
                human_bytes(bytes),
                mib_s(bytes, secs)
            );
            a.push(secs);

            cold(preload, dir, method)?;
            let mut cmd = preload.cmd(["warm".as_ref(), dir.as_os_str()]);
            if rep == 0 {
                println!("      $ {} warm {}", rel(&preload.bin), rel(dir));
            } else {
                cmd.arg("--quiet");
            }
            let start = Instant::now();
            let status = cmd.status().context("cannot run preload warm")?;
            let warm = start.elapsed().as_secs_f64();
            if !status.success() {
                bail!("preload warm failed ({status})");
            }
            let resident = preload.resident_fraction(dir)?;
            let (_, load) = sequential_read(&files)?;
            println!(
                "  {}/{REPEATS} (b) preload + loader:  {:5.2} s  (warm {warm:.2} s, {:.1}% resident, then load {load:.2} s)",
                rep + 1,
                warm + load,
                100.0 * resident
            );
            b.push(warm + load);
        }
        let (ma, mb) = (median(&a), median(&b));
        let ratio = ma / mb.max(1e-9);
        println!(
            "median cold start: {ma:.2} s alone, {mb:.2} s with preload: {}",
            if ratio >= 1.0 {
                format!("{ratio:.2}x faster")
            } else {
                format!("{:.2}x slower", 1.0 / ratio)
            }
        );
        println!(
            "note: a local disk serves one sequential stream well, so the gap here is small;\n\
             on distributed storage (NFS, Lustre, FUSE mounts) one stream gets a fraction of\n\
             the bandwidth, and parallel warming is where the time is won."
        );
        Ok(())
    }
}

impl Demo {
    /// Steps 4-7: the model on simfs (a knee at 8), then tune, bench and
    /// report there and on the local disk.
    pub fn step_story(&mut self, preload: &Preload, dir: &Path) -> Result<()> {
        let out = story::demo_dir();
        std::fs::create_dir_all(&out)
            .with_context(|| format!("cannot create {}", out.display()))?;
        self.announce("serve the model through preload-simfs: 2 ms latency, 25 MiB/s per stream, 200 MiB/s in total (knee at 8)");
        let mnt = story::SimfsMount::start(dir, &out.join("mnt"))?;
        println!("mounted at {}", rel(&mnt.path));

        self.announce("preload tune: find the knee on simfs and on the local disk (profiles in target/demo/cache)");
        // 1 GiB is little data for storage this fast: allow re-reading it
        // (evicted first; simfs has no server-side cache to flatter it).
        let flags = [
            "--time-budget",
            "20s",
            "--byte-budget",
            "4GiB",
            "--max-level",
            "32",
        ];
        story::tune(preload, &mnt.path, &flags, &out.join("tune-simfs.json"))?;
        story::tune(
            preload,
            dir,
            &["--time-budget", "10s"],
            &out.join("tune-local.json"),
        )?;

        self.announce(
            "preload bench: cold sequential vs xargs -P 32 vs preload (tuned -P) vs fixed levels",
        );
        story::bench(preload, &mnt.path, 3, &out.join("bench-simfs.json"))?;
        story::bench(preload, dir, 3, &out.join("bench-local.json"))?;
        drop(mnt);

        self.announce("preload report: charts, report.md and report.html");
        let report = out.join("report");
        // The demo owns this folder: charts of an earlier run (other names)
        // must not sit beside this run's.
        if let Err(e) = std::fs::remove_dir_all(&report)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            bail!("removing {}: {e}", report.display());
        }
        let inputs = [
            ("tune-simfs.json", "simfs"),
            ("tune-local.json", "local disk"),
            ("bench-simfs.json", "simfs"),
            ("bench-local.json", "local disk"),
        ]
        .map(|(f, label)| (out.join(f).to_string_lossy().into_owned(), label));
        let mut args: Vec<&str> = vec!["report"];
        for (file, label) in &inputs {
            args.extend([file.as_str(), "--label", label]);
        }
        let report_s = report.to_string_lossy();
        args.extend([
            "-o",
            &report_s,
            "--title",
            "preload demo: sample model on simfs and local disk",
        ]);
        story::run_preload(preload, &args)?;
        println!("\nopen {}", rel(&report.join("report.html")));
        Ok(())
    }
}

/// Repetitions of each timed comparison.
const REPEATS: usize = 3;

/// Makes `dir` cold and says how.
fn cold(preload: &Preload, dir: &Path, method: ColdMethod) -> Result<()> {
    let frac = make_cold(preload, dir, method)?;
    if frac >= COLD_FRACTION {
        println!(
            "  warning: still {:.1}% resident after {}; the next timing is optimistic",
            100.0 * frac,
            method.describe()
        );
    }
    Ok(())
}

/// The shards in the order a loader reads them: transformers loads
/// `sorted(set(index["weight_map"].values()))`.
fn shard_order(dir: &Path) -> Result<Vec<PathBuf>> {
    let index = dir.join("model.safetensors.index.json");
    if !index.exists() {
        return Ok(vec![dir.join("model.safetensors")]);
    }
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&index).with_context(|| format!("cannot read {}", index.display()))?,
    )
    .with_context(|| format!("bad JSON in {}", index.display()))?;
    let map = v["weight_map"]
        .as_object()
        .with_context(|| format!("{}: no weight_map", index.display()))?;
    let mut shards: Vec<&str> = map.values().filter_map(|s| s.as_str()).collect();
    shards.sort_unstable();
    shards.dedup();
    Ok(shards.into_iter().map(|s| dir.join(s)).collect())
}

/// Everything a loader reads, in order: metadata first, then the shards.
fn load_order(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = ["config.json", "generation_config.json", "tokenizer.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.exists())
        .collect();
    files.extend(shard_order(dir)?);
    Ok(files)
}

/// Reads `files` one after the other with one 1 MiB buffer; returns bytes
/// and seconds.
fn sequential_read(files: &[PathBuf]) -> Result<(u64, f64)> {
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    let start = Instant::now();
    for path in files {
        let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        loop {
            let n = f
                .read(&mut buf)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
        }
    }
    Ok((bytes, start.elapsed().as_secs_f64()))
}

/// Regular files under `dir` with their sizes.
fn dir_files(dir: &Path) -> Result<Vec<(PathBuf, u64)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let e = e?;
        if e.file_type()?.is_dir() {
            out.extend(dir_files(&e.path())?);
        } else {
            out.push((e.path(), e.metadata()?.len()));
        }
    }
    Ok(out)
}

fn mib_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64 / secs.max(1e-9)
}

/// `path` relative to the current directory when it is below it.
fn rel(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_metadata_then_shards_in_sorted_index_order() {
        let dir = std::env::temp_dir().join(format!("xtask-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("model.safetensors.index.json"),
            r#"{"weight_map": {"a": "model-00002-of-00002.safetensors",
                               "b": "model-00001-of-00002.safetensors",
                               "c": "model-00002-of-00002.safetensors"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("config.json"), "{}").unwrap();
        std::fs::write(
            dir.join("model-00001-of-00002.safetensors"),
            vec![7u8; 3 << 20],
        )
        .unwrap();
        std::fs::write(dir.join("model-00002-of-00002.safetensors"), b"xy").unwrap();
        let files = load_order(&dir).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "config.json",
                "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"
            ]
        );
        let (bytes, _) = sequential_read(&files).unwrap();
        assert_eq!(bytes, 2 + (3 << 20) + 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
