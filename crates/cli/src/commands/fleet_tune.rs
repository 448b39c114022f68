//! `preload tune PATH --clients N`: the curve when N clients read at once.
//!
//! At each level P (1, 2, 4, ... per client), N `preload fleet-probe`
//! processes, each a real engine with P readers, read distinct cold byte
//! ranges of PATH, started at the same instant and stopped by the same
//! deadline. Per-client throughputs, each measured over the window in which
//! every client was in its steady state, between completion instants as the
//! single-client tuner measures a probe, are the level's samples; the knee is
//! chosen on them with the tuner's rule ([`preload_tune::choose_knee`]), so
//! it is the per-client knee under that load.
//!
//! On one machine this simulates N nodes sharing the storage: the storage
//! sees N clients' requests, but they share one page cache, one network
//! stack, one FUSE connection and the machine's CPUs (docs/fleet.md).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use preload_core::engine;
use preload_core::pagecache::evict_range;
use preload_core::plan::Plan;
use preload_core::{CancelToken, Warmer};
use preload_schema::name::escaped;
use preload_tune::stats::median;
use preload_tune::{KneeConfig, LevelSamples, RAMP_FRACTION, READS_PER_READER, choose_knee};
use serde::Serialize;

use crate::args::TuneArgs;
use crate::commands::fleet_probe::{ClientResult, rates_in_common_window};
use crate::exit::Exit;
use crate::output;

/// Byte range each unit covers: a couple of read calls, so that a level's
/// units can be spread over many readers.
const UNIT: u64 = 2 << 20;

/// One level of a fleet tune.
#[derive(Debug, Serialize)]
struct FleetLevel {
    level: usize,
    /// How long each client read.
    probe_s: f64,
    per_client_mib_s: Vec<f64>,
    aggregate_mib_s: f64,
}

/// `tune --clients N --json`.
#[derive(Debug, Serialize)]
struct FleetTune {
    kind: &'static str,
    clients: usize,
    levels: Vec<FleetLevel>,
    per_client_knee: usize,
    per_client_mib_s_at_knee: f64,
    aggregate_mib_s_at_knee: f64,
    confidence: f64,
}

pub fn run(args: &TuneArgs, clients: usize, cancel: &CancelToken) -> Result<Exit> {
    if !(1..=64).contains(&clients) {
        bail!("--clients must be between 1 and 64");
    }
    let path = args.path.clone().context("PATH is required")?;
    let probe_time = args.probe_time.unwrap_or(Duration::from_secs(3));
    let prepared = Warmer::new([&path]).chunk_size(UNIT).prepare()?;
    let plan = prepared.plan;
    let levels: Vec<usize> = std::iter::successors(Some(1usize), |l| Some(l * 2))
        .take_while(|&l| l <= args.max_level.max(1))
        .collect();
    // The byte budget is shared among levels in proportion to P + 1: a
    // probe must outlast its deadline at the low levels too (a client that
    // runs out of data early measures its ramp), and at the high ones every
    // reader needs a unit and several read calls. Each client's range is
    // followed by a guard unit nobody reads, so that its readahead does
    // not feed its neighbour (who would count bytes the storage served
    // before the window, and read above the storage's total).
    let budget = args
        .byte_budget
        .map_or(plan.bytes(), |b| b.min(plan.bytes()));
    let units = (budget / UNIT) as usize;
    let usable = units.saturating_sub(levels.len() * clients);
    let weight: usize = levels.iter().map(|l| l + 1).sum();
    let per_probe = |level: usize| usable * (level + 1) / weight / clients;
    if levels.iter().any(|&l| per_probe(l) < l) {
        bail!(
            "{} (or --byte-budget) holds {units} units of 2 MiB: too few for {clients} clients \
             at up to -P {} each (lower --max-level or add data)",
            escaped(&path),
            levels.last().unwrap_or(&1)
        );
    }
    let quiet = args.json;
    if !quiet {
        diag!(
            "fleet tune of {} with {clients} clients at once, levels {levels:?}",
            escaped(&path),
        );
    }
    let tmp = tempfile::tempdir()?;
    let mut next = 0;
    let mut results: Vec<FleetLevel> = Vec::new();
    for &level in &levels {
        let mut lists = Vec::new();
        for c in 0..clients {
            let units = next..next + per_probe(level);
            next += per_probe(level);
            let list = tmp.path().join(format!("p{level}-c{c}"));
            write_units(&plan, units, &list)?;
            // The guard: cold, so that readahead into it is paid for.
            evict_units(&plan, next..next + 1);
            next += 1;
            lists.push(list);
        }
        let time = results.last().map_or(probe_time, |below| {
            probe_time_for(level, median(&below.per_client_mib_s), probe_time)
        });
        let per_client = probe(&lists, level, time, cancel)?;
        if cancel.is_cancelled() {
            return Ok(Exit::Interrupted);
        }
        let aggregate = per_client.iter().sum();
        if !quiet {
            diag!(
                "  -P {level:<3} per client {:>7.1} MiB/s (min {:.1}, max {:.1}), aggregate {aggregate:>7.1} MiB/s",
                median(&per_client),
                per_client.iter().copied().fold(f64::MAX, f64::min),
                per_client.iter().copied().fold(0.0, f64::max),
            );
        }
        results.push(FleetLevel {
            level,
            probe_s: time.as_secs_f64(),
            per_client_mib_s: per_client,
            aggregate_mib_s: aggregate,
        });
    }
    let samples: Vec<LevelSamples> = results
        .iter()
        .map(|r| LevelSamples {
            level: r.level,
            samples: r.per_client_mib_s.clone(),
        })
        .collect();
    let knee = choose_knee(&samples, &KneeConfig::default()).context("no level was measured")?;
    let at = results
        .iter()
        .find(|r| r.level == knee.knee)
        .expect("a measured level");
    let out = FleetTune {
        kind: "fleet-tune",
        clients,
        per_client_knee: knee.knee,
        per_client_mib_s_at_knee: median(&at.per_client_mib_s),
        aggregate_mib_s_at_knee: at.aggregate_mib_s,
        confidence: knee.confidence,
        levels: results,
    };
    if args.json {
        output::stdout(&serde_json::to_string_pretty(&out)?)?;
    } else {
        output::stdout(&format!(
            "per-client knee -P {} with {clients} clients reading at once ({:.1} MiB/s each, \
             {:.1} MiB/s together, confidence {:.2}); a fleet of {clients} nodes should warm \
             with -P {} each. Simulated on one machine: see docs/fleet.md for what it cannot show\n",
            out.per_client_knee,
            out.per_client_mib_s_at_knee,
            out.aggregate_mib_s_at_knee,
            out.confidence,
            out.per_client_knee
        ))?;
    }
    Ok(Exit::Success)
}

/// Writes units `range` of `plan` as `OFFSET LEN PATH` lines, after
/// evicting them (each probe reads cold data).
fn write_units(plan: &Plan, range: std::ops::Range<usize>, list: &std::path::Path) -> Result<()> {
    let mut text = String::new();
    for c in &plan.chunks[range.clone()] {
        let path = &plan.files[c.file].path;
        let shown = path.to_str().context("a path that is not UTF-8")?;
        text += &format!("{} {} {shown}\n", c.offset, c.len);
    }
    evict_units(plan, range);
    std::fs::write(list, text)?;
    Ok(())
}

/// Evicts units `range` of `plan` from the page cache.
fn evict_units(plan: &Plan, range: std::ops::Range<usize>) {
    for c in plan.chunks.get(range).unwrap_or_default() {
        let _ = evict_range(&plan.files[c.file].path, c.offset, c.len);
    }
}

/// Runs one probe: every client prepared, then all started at once.
fn probe(
    lists: &[std::path::PathBuf],
    level: usize,
    time: Duration,
    cancel: &CancelToken,
) -> Result<Vec<f64>> {
    let exe = std::env::current_exe()?;
    let mut children: Vec<(Child, BufReader<std::process::ChildStdout>)> = Vec::new();
    for list in lists {
        let mut child = Command::new(&exe)
            .arg("fleet-probe")
            .arg(list)
            .args(["-P", &level.to_string()])
            .args(["--deadline", &format!("{}ms", time.as_millis())])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting a fleet-probe client")?;
        let mut out = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        out.read_line(&mut line)?;
        if line.trim() != "ready" {
            bail!("a client did not get ready: {line:?}");
        }
        children.push((child, out));
    }
    for (child, _) in &mut children {
        child.stdin.as_mut().expect("piped").write_all(b"go\n")?;
    }
    let mut results = Vec::new();
    for (mut child, mut out) in children {
        let mut line = String::new();
        out.read_line(&mut line)?;
        let status = child.wait()?;
        if cancel.is_cancelled() {
            continue;
        }
        let r: ClientResult = serde_json::from_str(line.trim())
            .with_context(|| format!("a client failed ({status}): {line:?}"))?;
        results.push(r);
    }
    Ok(rates_in_common_window(&results))
}

/// How long a probe at `level` runs: `base`, or long enough for every
/// reader to complete the tuner's [`READS_PER_READER`] read calls in the
/// steady part if a client reads no faster than at the level below
/// (`below_mib_s`), at most four times `base`. Fewer calls and the window
/// between completion instants holds one round of them.
fn probe_time_for(level: usize, below_mib_s: f64, base: Duration) -> Duration {
    let call = engine::buffer_per_worker(engine::DEFAULT_BUFFER_SIZE, level) as f64;
    let steady = READS_PER_READER * level as f64 * call / (below_mib_s.max(0.1) * MIB);
    let needed = Duration::from_secs_f64(steady / (1.0 - RAMP_FRACTION));
    needed.clamp(base, base * 4)
}

const MIB: f64 = (1 << 20) as f64;
