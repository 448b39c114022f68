//! `cargo xtask dist`: everything a user installs, in one directory laid out
//! like a prefix (`bin/`, `share/man/man1/`, `share/<shell completions>/`),
//! so `cp -r target/dist/. /usr/local/` (or `~/.local/`) installs it.
//!
//! The completions and man pages come from the built `preload` itself
//! (`preload completions SHELL`, `preload man DIR`): generated from the clap
//! definitions, they cannot drift from the flags.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::gendata::{target_dir, workspace_root};

const USAGE: &str = "\
usage: cargo xtask dist [--out DIR] [--target TRIPLE] [--debug]

Builds preload and preload-simfs (release profile) and writes into DIR
(default target/dist):
  bin/preload, bin/preload-simfs
  share/man/man1/preload.1, preload-<command>.1
  share/bash-completion/completions/preload
  share/zsh/site-functions/_preload
  share/fish/vendor_completions.d/preload.fish
Install with `cp -r DIR/. /usr/local/` (or ~/.local/).

options:
  --out DIR        output directory (emptied first)
  --target TRIPLE  cross-build, e.g. x86_64-unknown-linux-musl for a static binary
  --debug          dev profile instead of release (quick; for tests)";

/// Where each shell's completion script goes under the prefix, and its name
/// there (the names bash-completion, zsh and fish look up on demand).
const COMPLETIONS: &[(&str, &str)] = &[
    ("bash", "share/bash-completion/completions/preload"),
    ("zsh", "share/zsh/site-functions/_preload"),
    ("fish", "share/fish/vendor_completions.d/preload.fish"),
];

#[derive(Debug)]
struct Opts {
    out: PathBuf,
    target: Option<String>,
    debug: bool,
}

pub fn main(args: &[String]) -> Result<()> {
    let mut opts = Opts {
        out: target_dir().join("dist"),
        target: None,
        debug: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => opts.out = PathBuf::from(it.next().context("--out needs a DIR")?),
            "--target" => opts.target = Some(it.next().context("--target needs a TRIPLE")?.clone()),
            "--debug" => opts.debug = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown option {other:?}\n{USAGE}"),
        }
    }
    dist(&opts)
}

fn dist(opts: &Opts) -> Result<()> {
    let built = build(opts)?;
    let out = &opts.out;
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot empty {}", out.display()))?;
    }
    let bin = out.join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("cannot create {}", bin.display()))?;
    for name in ["preload", "preload-simfs"] {
        let from = built.join(name);
        std::fs::copy(&from, bin.join(name))
            .with_context(|| format!("cannot copy {}", from.display()))?;
    }
    // Generate with the binary just copied: a cross-built one that cannot
    // run here is said so by name.
    let preload = bin.join("preload");
    for (shell, rel) in COMPLETIONS {
        let script = output(Command::new(&preload).args(["completions", shell]))?;
        write(&out.join(rel), &script)?;
    }
    let man = out.join("share/man/man1");
    output(Command::new(&preload).arg("man").arg(&man))?;
    println!(
        "wrote {} (install: cp -r {}/. /usr/local/)",
        out.display(),
        out.display()
    );
    Ok(())
}

/// Builds both binaries, returns the directory cargo put them in.
fn build(opts: &Opts) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root()).args([
        "build",
        "--quiet",
        "-p",
        "preload-cli",
        "-p",
        "preload-simfs",
    ]);
    if !opts.debug {
        cmd.arg("--release");
    }
    let mut dir = target_dir();
    if let Some(t) = &opts.target {
        cmd.args(["--target", t]);
        dir.push(t);
    }
    let status = cmd.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(dir.join(if opts.debug { "debug" } else { "release" }))
}

fn output(cmd: &mut Command) -> Result<Vec<u8>> {
    let out = cmd.output().with_context(|| {
        format!(
            "cannot run {:?} (built for another machine?)",
            cmd.get_program()
        )
    })?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}): {}",
            cmd,
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
