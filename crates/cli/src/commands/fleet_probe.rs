//! `preload fleet-probe` (hidden): one client of `tune --clients N`.
//!
//! A real engine in its own process, like a node of a fleet: it reads the
//! byte ranges listed in a file (`OFFSET LEN PATH` per line) with `-P`
//! readers until they are read or the deadline passes. It prints `ready`
//! once prepared and starts when a line arrives on stdin, so the driver
//! starts every client at the same instant; then it prints one JSON line:
//! its timeline, stamped with the wall-clock instant it started, so that the
//! driver measures every client over the same steady window
//! ([`rates_in_common_window`]).

use std::io::{BufRead, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    /// Seconds the run took.
    pub elapsed_s: f64,
    /// When the engine started, seconds since the Unix epoch (one clock
    /// for every client of the machine).
    pub started_unix_s: f64,
    /// Seconds from the start to the first idle reader, the deadline or
    /// the end of the run, whichever came first: every reader was busy
    /// issuing fresh reads until then.
    pub steady_end_s: f64,
    /// (seconds since the start, bytes completed) at every engine tick.
    pub timeline: Vec<(f64, u64)>,
}

impl ClientResult {
    fn timeline(&self) -> Vec<(Duration, u64)> {
        self.timeline
            .iter()
            .map(|&(t, b)| (Duration::from_secs_f64(t), b))
            .collect()
    }

    /// The steady part of this client's run, in Unix seconds: after the
    /// tuner's ramp-up, until the first idle reader.
    fn steady_span(&self) -> (f64, f64) {
        let end = Duration::from_secs_f64(self.steady_end_s);
        let ramp = preload_tune::ramp_of(end).min(end);
        (
            self.started_unix_s + ramp.as_secs_f64(),
            self.started_unix_s + self.steady_end_s,
        )
    }

    /// MiB/s between the completion instants of `[from, to)` (Unix
    /// seconds), measured as the single-client tuner measures a probe.
    fn rate_between(&self, from: f64, to: f64) -> Option<f64> {
        let local = |t: f64| Duration::from_secs_f64((t - self.started_unix_s).max(0.0));
        preload_tune::completion_window(&self.timeline(), local(from), local(to))
            .filter(|w| !w.length.is_zero())
            .map(|w| w.mib_s())
    }
}

/// Each client's throughput over the window in which every client was in
/// its steady state at once, between completion instants (the
/// single-client tuner's measure: [`preload_tune::completion_window`]).
///
/// Clients start and stop a little apart (process wake-ups on a busy
/// machine); a client measured while another had not started yet, or had
/// stopped, had more of the storage than its share, and the sum of such
/// rates reads above the storage's total. Over the common window the
/// per-client rates add up to what the storage delivered to all of them.
/// A client with no two completions in the common window is measured over
/// its own steady part, then over its whole run.
pub fn rates_in_common_window(results: &[ClientResult]) -> Vec<f64> {
    let spans: Vec<(f64, f64)> = results.iter().map(ClientResult::steady_span).collect();
    let from = spans.iter().map(|s| s.0).fold(f64::MIN, f64::max);
    let to = spans.iter().map(|s| s.1).fold(f64::MAX, f64::min);
    results
        .iter()
        .zip(&spans)
        .map(|(r, own)| {
            r.rate_between(from, to)
                .or_else(|| r.rate_between(own.0, own.1))
                .unwrap_or_else(|| preload_schema::mib_per_s(r.bytes, r.elapsed_s))
        })
        .collect()
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
    let started = SystemTime::now().duration_since(UNIX_EPOCH)?;
    let stats = engine::run(&plan, &cfg, &mut FixedLevel(level), cancel, None);
    // As the tuner's probe: every reader busy until the first found no
    // unit left, and reading on fresh requests until the deadline. After
    // it, readers only finish the calls they are in, many of them from
    // pages read ahead before: counted, they read above the storage.
    let steady_end = [
        stats.drain_started.unwrap_or(stats.elapsed),
        deadline,
        stats.elapsed,
    ]
    .into_iter()
    .min()
    .unwrap_or_default();
    let result = ClientResult {
        bytes: stats.bytes,
        elapsed_s: stats.elapsed.as_secs_f64(),
        started_unix_s: started.as_secs_f64(),
        steady_end_s: steady_end.as_secs_f64(),
        timeline: stats
            .timeline
            .iter()
            .map(|&(t, b)| (t.as_secs_f64(), b))
            .collect(),
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(if stats.cancelled {
        Exit::Interrupted
    } else {
        Exit::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = (1 << 20) as f64;

    /// A client started at `start` (Unix s) that ran `secs`, reading at
    /// `rate(t)` MiB/s (t in Unix s), sampled every 20 ms.
    fn client(start: f64, secs: f64, rate: impl Fn(f64) -> f64) -> ClientResult {
        let mut timeline = Vec::new();
        let mut bytes = 0.0;
        let ticks = (secs / 0.02).round() as usize;
        for i in 1..=ticks {
            let t = i as f64 * 0.02;
            bytes += rate(start + t) * MIB * 0.02;
            timeline.push((t, bytes as u64));
        }
        ClientResult {
            bytes: bytes as u64,
            elapsed_s: secs,
            started_unix_s: start,
            steady_end_s: secs,
            timeline,
        }
    }

    #[test]
    fn clients_are_measured_while_all_of_them_read() {
        // A 40 MiB/s storage: A reads from 0 to 2 s, alone but from 0.5 to
        // 1.5 s, when B (started late, stopped early) shares it.
        let shared = |t: f64| if (0.5..1.5).contains(&t) { 20.0 } else { 40.0 };
        let a = client(1000.0, 2.0, |t| shared(t - 1000.0));
        let b = client(1000.5, 1.0, |t| shared(t - 1000.0));
        // Each over its own steady part: 28 and 20, above the storage.
        let own: f64 = [&a, &b]
            .iter()
            .map(|r| {
                let (from, to) = r.steady_span();
                r.rate_between(from, to).unwrap()
            })
            .sum();
        assert!(own > 45.0, "{own}");
        let rates = rates_in_common_window(&[a, b]);
        for r in &rates {
            assert!((r - 20.0).abs() < 0.5, "{rates:?}");
        }
    }

    #[test]
    fn a_client_outside_the_common_window_is_measured_on_its_own() {
        let a = client(1000.0, 1.0, |_| 10.0);
        let b = client(1002.0, 1.0, |_| 30.0);
        let rates = rates_in_common_window(&[a, b]);
        assert!((rates[0] - 10.0).abs() < 0.5 && (rates[1] - 30.0).abs() < 0.5);
    }
}
