//! One probe: the real engine at one level, on fresh cold data, for a while.
//!
//! Throughput is measured in time buckets, and only while every reader is
//! busy: the first part of the probe (ramp-up: streams opening, readahead
//! growing) is skipped, and so is the tail after the first reader found no
//! more work (stragglers would read as a slowdown).

use std::time::Duration;

use preload_core::engine::{self, EngineConfig, Scheduling};
use preload_core::{CancelToken, FixedLevel, ReadMethod};
use preload_schema::{Bucket, LatencySummary, Probe, ProbePhase, mib_per_s};

use crate::sample::SamplePool;
use crate::stats;

/// Part of a probe skipped as ramp-up (streams opening, readahead growing).
pub const RAMP_FRACTION: f64 = 0.15;
/// Shortest ramp-up skipped.
const MIN_RAMP: Duration = Duration::from_millis(50);
/// Read calls of each reader a bucket should hold.
pub const READS_PER_READER: f64 = 4.0;
/// Fewest buckets worth cutting a window into; fewer and the window is
/// one sample.
const MIN_BUCKETS: usize = 3;
/// Shortest bucket: a few engine ticks.
const MIN_BUCKET: Duration = Duration::from_millis(40);

/// How a probe runs. A `*Config` as the other resolved settings are
/// ([`crate::TuneConfig`], [`crate::SweepConfig`]); nothing of it is
/// recorded, so no schema type shares the name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeConfig {
    /// Read method.
    pub method: ReadMethod,
    /// Bytes per read call.
    pub buffer_size: usize,
    /// Longest the probe may run.
    pub duration: Duration,
    /// Most bytes the probe may read. Whichever limit comes first ends the
    /// probe; the ramp-up skipped and the bucket length are then cut from
    /// the steady window the probe actually had (`RAMP_FRACTION`).
    pub byte_limit: u64,
    /// Bytes past each unit the storage may serve by readahead (about twice
    /// the mount's read_ahead_kb): evicted before the probe, measured after.
    pub guard: u64,
}

impl ProbeConfig {
    /// The most a probe at `level` reads: the engine stops handing out
    /// calls at `byte_limit`, and each reader may then finish the one call
    /// it has in flight. A share of a byte budget must hold this, not only
    /// the limit.
    pub fn most_read(&self, level: usize) -> u64 {
        self.byte_limit + overrun(self.buffer_size, level)
    }
}

/// Bytes past each unit a probe evicts before it and counts as served
/// after it: readahead runs up to twice the mount's `read_ahead_kb` past
/// the last read (the async window beyond the sync one). Not capped at the
/// unit: on a tree of 1 MiB units behind a 1 MiB readahead a guard of one
/// unit left a tenth of what simfs served uncounted (tiny-tree, 44.1 MB
/// served against 39.9 MB reported); a guard that reaches into the next
/// units is merged with them and counted once (`SamplePool::reach`).
pub fn readahead_guard(read_ahead_kb: Option<u64>) -> u64 {
    read_ahead_kb
        .map_or(2 << 20, |kb| 2 * kb * 1024)
        .clamp(256 << 10, 16 << 20)
}

/// Bytes `level` readers of `buffer_size` calls may read past a byte limit.
pub fn overrun(buffer_size: usize, level: usize) -> u64 {
    level as u64 * engine::buffer_per_worker(buffer_size, level) as u64
}

/// Runs one probe on the pool's next fresh units and consumes what it read.
pub fn run_probe(
    pool: &mut SamplePool,
    level: usize,
    phase: ProbePhase,
    config: &ProbeConfig,
    cancel: &CancelToken,
) -> Probe {
    // Readers hold up to one unit each beyond the byte limit when the probe
    // stops: those must be cold too, or a re-read pool (refill) leaks cached
    // units into the measurement.
    let reach = config.byte_limit + level as u64 * pool.unit_size();
    let cold = pool.make_cold(reach);
    pool.evict_guards(reach, config.guard);
    let shard = pool.shard();
    let cfg = EngineConfig {
        method: config.method,
        buffer_size: config.buffer_size,
        tick: Duration::from_millis(10),
        deadline: Some(config.duration),
        byte_limit: Some(config.byte_limit),
        // The pool counts fresh units by prefix (`consume`, `make_cold`).
        scheduling: Scheduling::PlanOrder,
        // Probe data is made cold first; every byte counts as read.
        skip_resident: false,
        // As warm reads by default (a reopen per unit).
        keep_open: false,
        // A second pass from the cache would count in the probe's time.
        promote: false,
    };
    let stats = engine::run(&shard, &cfg, &mut FixedLevel(level), cancel, None);
    pool.consume(stats.chunks_taken);
    let served_bytes = pool
        .served(stats.chunks_taken, config.guard)
        .map_or(0, |n| n.max(stats.bytes));

    // Steady state ends at the first idle reader or at the stop, whichever is first.
    let stop = stats
        .timeline
        .iter()
        .find(|(_, b)| stats.stopped_at_limit && *b >= config.byte_limit)
        .map(|(t, _)| *t)
        .unwrap_or(config.duration);
    let end = [
        stats.drain_started.unwrap_or(stats.elapsed),
        stop,
        stats.elapsed,
    ]
    .into_iter()
    .min()
    .unwrap_or_default();
    let window = completion_window(&stats.timeline, ramp_of(end), end);
    // A bucket must hold several calls of every reader: readers of slow,
    // long requests complete in lockstep, and a shorter bucket catches a
    // whole round of completions or none (aliasing).
    let rate = window.map_or(
        stats.bytes as f64 / stats.elapsed.as_secs_f64().max(1e-3),
        |w| w.bytes as f64 / w.length.as_secs_f64(),
    );
    // The engine shrinks each reader's buffer at high levels.
    let call = engine::buffer_per_worker(config.buffer_size, level) as f64;
    let per_reader =
        Duration::from_secs_f64(READS_PER_READER * level as f64 * call / rate.max(1.0));
    let bucket = per_reader.max(MIN_BUCKET);
    let mut buckets = match window {
        Some(w) if w.length >= bucket * MIN_BUCKETS as u32 => {
            cut_buckets(&stats.timeline, w.start, w.start + w.length, bucket)
        }
        // Too short for several buckets: the window between two completion
        // instants is the one sample, exact however readers are aligned.
        Some(w) => vec![w.as_bucket()],
        None => Vec::new(),
    };
    if buckets.is_empty() && stats.bytes > 0 {
        // The shard ran out before two completions fell inside the steady
        // part (fast storage, small tree): the whole probe is the only
        // measurement there is.
        let secs = stats.elapsed.as_secs_f64();
        buckets.push(Bucket {
            start_s: 0.0,
            length_s: secs,
            bytes: stats.bytes,
            mib_s: mib_per_s(stats.bytes, secs),
        });
    }
    let (steady_bytes, steady_s) = match window {
        Some(w) => (w.bytes, w.length.as_secs_f64()),
        None => (
            buckets.iter().map(|b| b.bytes).sum(),
            buckets.iter().map(|b| b.length_s).sum(),
        ),
    };
    Probe {
        level,
        phase,
        bytes: stats.bytes,
        elapsed_s: stats.elapsed.as_secs_f64(),
        resident_before: cold.fraction_or_zero(),
        steady_mib_s: mib_per_s(steady_bytes, steady_s),
        buckets,
        latency: latency_summary(&stats.latencies),
        served_bytes,
        reads_per_reader: steady_bytes as f64 / call / level as f64,
    }
}

/// Resident fraction that is 0 for an empty range (nothing cached, not "all").
trait FractionOrZero {
    fn fraction_or_zero(&self) -> f64;
}

impl FractionOrZero for preload_schema::Residency {
    fn fraction_or_zero(&self) -> f64 {
        if self.total_bytes == 0 {
            0.0
        } else {
            self.fraction()
        }
    }
}

/// The ramp-up skipped at the start of a probe whose steady state ends at
/// `end`: [`RAMP_FRACTION`] of it, at least 50 ms.
pub fn ramp_of(end: Duration) -> Duration {
    end.mul_f64(RAMP_FRACTION).max(MIN_RAMP)
}

/// The steady part of a probe between two completion instants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// The first completion instant (time since the probe started).
    pub start: Duration,
    /// From the first completion instant to the last.
    pub length: Duration,
    /// Bytes completed between them.
    pub bytes: u64,
}

impl Window {
    /// Bytes per second over the window, in MiB/s.
    pub fn mib_s(&self) -> f64 {
        mib_per_s(self.bytes, self.length.as_secs_f64())
    }

    fn as_bucket(&self) -> Bucket {
        Bucket {
            start_s: self.start.as_secs_f64(),
            length_s: self.length.as_secs_f64(),
            bytes: self.bytes,
            mib_s: mib_per_s(self.bytes, self.length.as_secs_f64()),
        }
    }
}

/// The window from the first timeline sample in `[start, end]` at which
/// bytes completed to the last such sample: it begins and ends just after
/// a completion, so it spans whole rounds when readers complete in lockstep
/// and its bytes/time is the true rate, where a window with arbitrary edges
/// may catch one round more or less. None without two completion samples.
pub fn completion_window(
    timeline: &[(Duration, u64)],
    start: Duration,
    end: Duration,
) -> Option<Window> {
    let completed = |i: usize| {
        let prev = if i == 0 { 0 } else { timeline[i - 1].1 };
        timeline[i].1 > prev
    };
    let inside: Vec<usize> = (0..timeline.len())
        .filter(|&i| timeline[i].0 >= start && timeline[i].0 <= end && completed(i))
        .collect();
    let (&first, &last) = (inside.first()?, inside.last()?);
    (last > first).then(|| Window {
        start: timeline[first].0,
        length: timeline[last].0 - timeline[first].0,
        bytes: timeline[last].1 - timeline[first].1,
    })
}

/// Cuts `[start, end)` of a cumulative-bytes timeline into whole buckets of
/// `len`, interpolating the byte count linearly between samples.
pub fn cut_buckets(
    timeline: &[(Duration, u64)],
    start: Duration,
    end: Duration,
    len: Duration,
) -> Vec<Bucket> {
    let mut out = Vec::new();
    if len.is_zero() || timeline.is_empty() {
        return out;
    }
    let mut t = start;
    while t + len <= end {
        let bytes = bytes_at(timeline, t + len).saturating_sub(bytes_at(timeline, t));
        out.push(Bucket {
            start_s: t.as_secs_f64(),
            length_s: len.as_secs_f64(),
            bytes,
            mib_s: mib_per_s(bytes, len.as_secs_f64()),
        });
        t += len;
    }
    out
}

/// Cumulative bytes at time `t`, interpolated between timeline samples.
fn bytes_at(timeline: &[(Duration, u64)], t: Duration) -> u64 {
    let i = timeline.partition_point(|(ts, _)| *ts <= t);
    if i == 0 {
        let (t1, b1) = timeline[0];
        return (b1 as f64 * t.as_secs_f64() / t1.as_secs_f64().max(1e-9)) as u64;
    }
    let (t0, b0) = timeline[i - 1];
    let Some(&(t1, b1)) = timeline.get(i) else {
        return b0;
    };
    let f = (t - t0).as_secs_f64() / (t1 - t0).as_secs_f64().max(1e-9);
    b0 + ((b1 - b0) as f64 * f) as u64
}

fn latency_summary(latencies: &[Duration]) -> LatencySummary {
    if latencies.is_empty() {
        return LatencySummary::default();
    }
    let ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    LatencySummary {
        reads: ms.len() as u64,
        mean_ms: stats::mean(&ms),
        p50_ms: stats::percentile(&ms, 0.5),
        p99_ms: stats::percentile(&ms, 0.99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn buckets_cover_whole_intervals_inside_the_window() {
        // 1 MiB every 10 ms: 100 MiB/s.
        let timeline: Vec<(Duration, u64)> = (1..=100).map(|i| (ms(10 * i), i << 20)).collect();
        let b = cut_buckets(&timeline, ms(100), ms(650), ms(200));
        assert_eq!(b.len(), 2, "the partial bucket 500..650 is dropped");
        for x in &b {
            assert!((x.mib_s - 100.0).abs() < 1.0, "{x:?}");
        }
        assert_eq!(b[0].start_s, 0.1);
    }

    #[test]
    fn lockstep_completions_give_the_true_rate() {
        // 16 readers finish 1 MiB each every 125 ms, all at once: 128 MiB/s.
        let timeline: Vec<(Duration, u64)> = (1..=200)
            .map(|i| (ms(10 * i), ((10 * i) / 125) * (16 << 20)))
            .collect();
        let w = completion_window(&timeline, ms(300), ms(1900)).unwrap();
        let mib_s = w.bytes as f64 / (1 << 20) as f64 / w.length.as_secs_f64();
        assert!((mib_s - 128.0).abs() < 3.0, "{mib_s}");
        // Short buckets of the same timeline alias: some see a round, some none.
        let b = cut_buckets(&timeline, ms(300), ms(1900), ms(80));
        assert!(b.iter().any(|b| b.mib_s == 0.0) && b.iter().any(|b| b.mib_s > 180.0));
    }

    #[test]
    fn no_window_without_two_completions() {
        let timeline = [(ms(10), 0), (ms(20), 5), (ms(30), 5)];
        assert!(completion_window(&timeline, ms(0), ms(30)).is_none());
    }

    #[test]
    fn interpolation_between_samples() {
        let timeline = [(ms(100), 100), (ms(200), 300)];
        assert_eq!(bytes_at(&timeline, ms(150)), 200);
        assert_eq!(bytes_at(&timeline, ms(50)), 50);
        assert_eq!(bytes_at(&timeline, ms(500)), 300);
    }

    #[test]
    fn latency_percentiles() {
        let l: Vec<Duration> = (1..=100).map(ms).collect();
        let s = latency_summary(&l);
        assert_eq!(s.reads, 100);
        assert!((s.p50_ms - 50.5).abs() < 1.0);
        assert!(s.p99_ms > 98.0);
    }
}
