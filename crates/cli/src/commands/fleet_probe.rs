//! `preload fleet-probe` (hidden): one client of `tune --clients N`.
//!
//! A real engine in its own process, like a node of a fleet: it reads the
//! byte ranges listed in a file (`OFFSET LEN PATH` per line) with `-P`
//! readers until they are read or the deadline passes. It prints `ready`
//! once prepared and starts when a line arrives on stdin, so the driver
//! starts every client at the same instant; then it prints one JSON line.

use std::io::{BufRead, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use preload_core::engine::{self, EngineConfig};
use preload_core::plan::{Chunk, Plan};
use preload_core::walk::FileEntry;
use preload_core::{CancelToken, FixedLevel};
use serde::{Deserialize, Serialize};

use crate::exit::Exit;

/// What a client measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientResult {
    /// Bytes read.
    pub bytes: u64,
    /// Seconds from the start to the end of the steady window.
    pub elapsed_s: f64,
    /// Throughput from the start to the first idle reader, MiB/s.
    pub steady_mib_s: f64,
}

/// Reads the unit list, waits for the go, reads, reports.
pub fn run(
    units: &PathBuf,
    level: usize,
    deadline: Duration,
    cancel: &CancelToken,
) -> Result<Exit> {
    let text = std::fs::read_to_string(units)
        .with_context(|| format!("reading the unit list {}", units.display()))?;
    let mut files: Vec<FileEntry> = Vec::new();
    let mut chunks = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(3, ' ');
        let (Some(offset), Some(len), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            anyhow::bail!("bad unit line {line:?}");
        };
        let path = PathBuf::from(path);
        let file = match files.iter().position(|f| f.path == path) {
            Some(i) => i,
            None => {
                let m = std::fs::metadata(&path).with_context(|| path.display().to_string())?;
                files.push(FileEntry {
                    path,
                    size: m.len(),
                    dev: m.dev(),
                    ino: m.ino(),
                });
                files.len() - 1
            }
        };
        chunks.push(Chunk {
            file,
            offset: offset.parse()?,
            len: len.parse()?,
        });
    }
    let plan = Plan::from_chunks(files, chunks);
    println!("ready");
    std::io::stdout().flush()?;
    let mut go = String::new();
    std::io::stdin().lock().read_line(&mut go)?;
    let cfg = EngineConfig {
        tick: Duration::from_millis(20),
        deadline: Some(deadline),
        ..EngineConfig::default()
    };
    let stats = engine::run(&plan, &cfg, &mut FixedLevel(level), cancel, None);
    // From the start to the first idle reader (or the deadline). Not a
    // window after the ramp: readahead banks data during the ramp that
    // later calls count, so a late window reads above the storage's cap
    // (52 MiB/s of a 40 MiB/s simfs); from the start, counted bytes never
    // exceed what the storage delivered.
    let end = stats
        .drain_started
        .unwrap_or(stats.elapsed)
        .min(stats.elapsed);
    let counted = stats
        .timeline
        .iter()
        .rev()
        .find(|s| s.0 <= end)
        .map_or(stats.bytes, |s| s.1);
    let result = ClientResult {
        bytes: stats.bytes,
        elapsed_s: stats.elapsed.as_secs_f64(),
        steady_mib_s: preload_schema::mib_per_s(counted, end.as_secs_f64()),
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(if stats.cancelled {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}
