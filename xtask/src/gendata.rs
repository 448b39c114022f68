//! `cargo xtask gen [SPEC...] [--out DIR]`: synthetic model directories from
//! the specs in `bench-data/` (see `bench-data/README.md`).
//!
//! Output goes to `target/bench-data/<name>/` by default. Generation is
//! idempotent: a stamp file `<name>.stamp` next to the directory records the
//! spec's hash and every file's size; a directory whose stamp matches is left
//! alone. The stamp lives outside the directory so that warming, status and
//! benchmarks see only the model's files.

mod spec;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};

pub use spec::{Spec, parse_size};

/// Bump when the writer changes what it writes, so old stamps go stale.
const GENERATOR_VERSION: u32 = 1;

const USAGE: &str = "usage: cargo xtask gen [SPEC...] [--out DIR]

SPEC is a name in bench-data/ (sample-model, few-large, many-small) or a path
to a .toml spec; without SPEC, every bench-data/*.toml. Output goes to
DIR/<name>/ (default target/bench-data/); an up-to-date directory is skipped.";

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Cargo's target directory (`$CARGO_TARGET_DIR` or `<root>/target`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Default output root of generated data.
pub fn default_out() -> PathBuf {
    target_dir().join("bench-data")
}

/// Resolves a spec argument: a path to a file, or a name in `bench-data/`.
pub fn spec_path(arg: &str) -> PathBuf {
    let p = Path::new(arg);
    if p.is_file() {
        p.to_path_buf()
    } else {
        workspace_root()
            .join("bench-data")
            .join(format!("{arg}.toml"))
    }
}

pub fn main(args: &[String]) -> Result<()> {
    let mut specs = Vec::new();
    let mut out = default_out();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--out" => out = it.next().context("--out needs a directory")?.into(),
            s if s.starts_with("--out=") => out = s["--out=".len()..].into(),
            s if s.starts_with('-') => bail!("unknown option {s}\n{USAGE}"),
            s => specs.push(spec_path(s)),
        }
    }
    if specs.is_empty() {
        let dir = workspace_root().join("bench-data");
        let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        all.sort();
        specs = all;
    }
    for s in &specs {
        ensure(s, &out)?;
    }
    Ok(())
}

/// Generates the directory of `spec_file` under `out` unless an up-to-date
/// copy is there; returns the directory.
pub fn ensure(spec_file: &Path, out: &Path) -> Result<PathBuf> {
    let (spec, text) = Spec::load(spec_file)?;
    let dir = out.join(&spec.name);
    let stamp_path = out.join(format!("{}.stamp", spec.name));
    let hash = format!(
        "{:016x}",
        fnv1a(format!("v{GENERATOR_VERSION}\n{text}").as_bytes())
    );
    if let Some(bytes) = up_to_date(&dir, &stamp_path, &hash) {
        eprintln!(
            "gen: {} is up to date ({}), skipped",
            dir.display(),
            human_bytes(bytes)
        );
        return Ok(dir);
    }
    if dir.exists() {
        if !stamp_path.exists() {
            bail!(
                "{} exists but was not made by `cargo xtask gen`; remove it or choose --out",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove stale {}", dir.display()))?;
    }
    let _ = std::fs::remove_file(&stamp_path);
    let tmp = out.join(format!(".{}.tmp", spec.name));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove {}", tmp.display()))?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;

    let plan = spec.plan()?;
    let planned: u64 = plan.iter().filter_map(|f| f.size).sum();
    eprintln!(
        "gen: writing {} ({} files, {}){}",
        dir.display(),
        plan.len(),
        human_bytes(planned),
        if spec.description.is_empty() {
            String::new()
        } else {
            format!(": {}", spec.description)
        }
    );
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let first_error = Mutex::new(None);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = plan.get(i) else { break };
                    if let Err(e) = write::write_file(&spec, &tmp, &f.path, &f.content, f.size) {
                        first_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                        next.store(plan.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    std::fs::rename(&tmp, &dir)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), dir.display()))?;
    let mut stamp = format!("{hash}\n");
    let mut total = 0u64;
    for f in &plan {
        let len = std::fs::metadata(dir.join(&f.path))
            .with_context(|| format!("cannot stat {}", dir.join(&f.path).display()))?
            .len();
        total += len;
        stamp.push_str(&format!("{len}\t{}\n", f.path.display()));
    }
    std::fs::write(&stamp_path, stamp)
        .with_context(|| format!("cannot write {}", stamp_path.display()))?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "gen: wrote {} in {secs:.1} s ({:.0} MiB/s)",
        human_bytes(total),
        total as f64 / (1u64 << 20) as f64 / secs.max(1e-9)
    );
    Ok(dir)
}

/// The total size when `dir` matches its stamp (same hash, every file there
/// with its recorded size), else `None`.
fn up_to_date(dir: &Path, stamp_path: &Path, hash: &str) -> Option<u64> {
    let stamp = std::fs::read_to_string(stamp_path).ok()?;
    let mut lines = stamp.lines();
    if lines.next()? != hash {
        return None;
    }
    let mut total = 0;
    for line in lines {
        let (len, rel) = line.split_once('\t')?;
        let len: u64 = len.parse().ok()?;
        if std::fs::metadata(dir.join(rel)).ok()?.len() != len {
            return None;
        }
        total += len;
    }
    Some(total)
}

/// FNV-1a, 64 bit: a stable hash for stamps (std's hasher may change).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// `1.00 GiB`, `512.0 MiB`, `3.2 KiB`.
pub fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", n / (1u64 << 30) as f64)
    } else if n >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", n / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", n / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-gen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn generates_once_then_skips_and_regenerates_on_change() {
        let root = tmp("idem");
        let spec = root.join("s.toml");
        let text = "name = \"m\"\nseed = 3\n[model]\nshards = 2\nshard_size = \"1MiB\"\nvocab = 50\n\
                    [[files]]\npath = \"x/f-{index}.bin\"\ncount = 3\nsize = \"5000\"\n";
        std::fs::write(&spec, text).unwrap();
        let out = root.join("out");
        let dir = ensure(&spec, &out).unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("x/f-2.bin")).unwrap().len(),
            5000
        );
        assert_eq!(
            std::fs::metadata(dir.join("model-00002-of-00002.safetensors"))
                .unwrap()
                .len(),
            1 << 20
        );
        let index: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join("model.safetensors.index.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(index["weight_map"].as_object().unwrap().len(), 32);
        let before = std::fs::metadata(dir.join("x/f-0.bin"))
            .unwrap()
            .modified()
            .unwrap();
        ensure(&spec, &out).unwrap();
        let after = std::fs::metadata(dir.join("x/f-0.bin"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(
            before, after,
            "an up-to-date directory must not be rewritten"
        );

        // A truncated file makes the directory stale.
        std::fs::write(dir.join("x/f-1.bin"), b"short").unwrap();
        ensure(&spec, &out).unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("x/f-1.bin")).unwrap().len(),
            5000
        );

        // A changed spec regenerates.
        std::fs::write(&spec, text.replace("5000", "6000")).unwrap();
        ensure(&spec, &out).unwrap();
        assert_eq!(
            std::fs::metadata(dir.join("x/f-1.bin")).unwrap().len(),
            6000
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn refuses_to_replace_a_foreign_directory() {
        let root = tmp("foreign");
        let spec = root.join("s.toml");
        std::fs::write(
            &spec,
            "name = \"m\"\n[[files]]\npath = \"f\"\nsize = \"1\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("out/m")).unwrap();
        assert!(ensure(&spec, &root.join("out")).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn shipped_specs_parse() {
        for name in ["sample-model", "few-large", "many-small"] {
            let (spec, _) = Spec::load(&spec_path(name)).unwrap();
            assert_eq!(spec.name, name);
            assert!(!spec.plan().unwrap().is_empty());
        }
    }
}
