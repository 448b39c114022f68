//! `cargo xtask bench`: benchmarks that drive the release `preload` binary.
//!
//! - `bench warm`: cold-cache comparison of `preload warm` (read, willneed,
//!   mmap) against `find | xargs -P 32 cat` and `vmtouch -t`, with peak RSS;
//! - `bench warm --chunk-sizes 8MiB,32MiB,128MiB`: chunk sizes of the read
//!   method, to choose the default by measurement.
//!
//! The helpers here (building preload, cold caches) are shared with `cargo
//! xtask demo`; child processes are measured by `preload_bench::child`, the
//! harness `preload bench` uses too.

pub mod cache;
mod report;
mod warm;

use anyhow::{Context, Result, bail};

use crate::gendata::target_dir;
use warm::WarmOpts;

const USAGE: &str = "\
usage: cargo xtask bench warm [options]

Cold-cache benchmark of `preload warm` (methods read, willneed, mmap) against
`find | xargs -P 32 cat` and `vmtouch -t` (when installed). Needs root: each
run starts after `sync; echo 3 > /proc/sys/vm/drop_caches`.

options:
  --runs N               runs per strategy and layout (default 5)
  --layouts A,B          bench-data specs (default few-large,many-small)
  --out FILE             raw rows as CSV (default target/bench/warm.csv,
                         or target/bench/warm-chunks.csv with --chunk-sizes)
  -P N                   parallelism for preload (default: preload's own)
  --chunk-sizes A,B,...  compare these --chunk-size values of the read method
                         instead (e.g. 8MiB,32MiB,128MiB)
  --no-rss-check         skip the peak-RSS check of `preload warm -P 64`";

pub fn main(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("warm") => warm::run(&parse_warm(&args[1..])?),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown benchmark {other:?}\n{USAGE}"),
    }
}

fn parse_warm(args: &[String]) -> Result<WarmOpts> {
    let mut opts = WarmOpts {
        runs: 5,
        layouts: vec!["few-large".into(), "many-small".into()],
        out: target_dir().join("bench").join("warm.csv"),
        parallelism: None,
        chunk_sizes: Vec::new(),
        rss_check: true,
    };
    let mut out_given = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let mut value = || -> Result<String> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .with_context(|| format!("{flag} needs a value"))
        };
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        match flag {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--runs" => {
                opts.runs = value()?.parse().context("--runs needs a positive number")?;
                if opts.runs == 0 {
                    bail!("--runs needs a positive number");
                }
            }
            "--layouts" => opts.layouts = list(value()?),
            "--out" => {
                opts.out = value()?.into();
                out_given = true;
            }
            "-P" | "--parallelism" => opts.parallelism = Some(value()?),
            "--chunk-sizes" => opts.chunk_sizes = list(value()?),
            "--no-rss-check" => opts.rss_check = false,
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    if !opts.chunk_sizes.is_empty() {
        opts.rss_check = false;
        if !out_given {
            opts.out = target_dir().join("bench").join("warm-chunks.csv");
        }
    }
    if opts.layouts.is_empty() {
        bail!("--layouts needs at least one bench-data spec");
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_warm_options() {
        let o = parse_warm(&args("--runs 3 --layouts=few-large -P 8")).unwrap();
        assert_eq!(o.runs, 3);
        assert_eq!(o.layouts, ["few-large"]);
        assert_eq!(o.parallelism.as_deref(), Some("8"));
        assert!(o.rss_check);
        assert!(o.out.ends_with("bench/warm.csv"));
        let c = parse_warm(&args("--chunk-sizes 8MiB,32MiB")).unwrap();
        assert_eq!(c.chunk_sizes, ["8MiB", "32MiB"]);
        assert!(!c.rss_check);
        assert!(c.out.ends_with("warm-chunks.csv"));
        assert!(parse_warm(&args("--runs 0")).is_err());
        assert!(parse_warm(&args("--runs")).is_err());
        assert!(parse_warm(&args("--bogus")).is_err());
    }
}
