//! `cargo xtask`: project automation (demo, benchmarks, real filesystems).
//!
//! Kept cheap to compile: it drives the release `preload` binary as a
//! subprocess instead of linking the engine.

mod bench;
mod demo;
mod dist;
mod gendata;
mod pyenv;
mod realfs;
mod realfs_bench;
mod realfs_report;
mod tune_matrix;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  demo                       generate a sample model directory and show cold sequential vs preload
  dist [--out DIR]           binaries, man pages and shell completions in one prefix-like directory (target/dist)
  gen [SPEC...]              generate bench data from bench-data/*.toml into target/bench-data/
  realfs-bench               after tune: default warm vs the seed one-liner and a (method, -P, chunk) grid, cold, on local/MooseFS/GlusterFS
  realfs-report              tune + bench local disk, MooseFS, GlusterFS (+ simfs from demo) into reports/
  bench warm                 cold-cache benchmark of preload warm against xargs/cat and vmtouch
  pyenv                      target/pyvenv: safetensors + numpy from PyPI and the preload package (release), for the real loader
  tune-matrix                judge preload tune and -P auto on the simfs shapes of bench-data/tune-matrix.toml
  realfs install|up|down|status|env [FS...]   real distributed filesystems on loopback; FS: moosefs, glusterfs, sshfs, sshfs-cache, all
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::main(&args[1..]),
        Some("dist") => dist::main(&args[1..]),
        Some("gen") => gendata::main(&args[1..]),
        Some("bench") => bench::main(&args[1..]),
        Some("realfs") => realfs::main(&args[1..]),
        Some("realfs-bench") => realfs_bench::main(&args[1..]),
        Some("realfs-report") => realfs_report::main(&args[1..]),
        Some("pyenv") => pyenv::main(&args[1..]),
        Some("tune-matrix") => tune_matrix::main(&args[1..]),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
