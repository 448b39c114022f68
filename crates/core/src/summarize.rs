//! A warm's summary, from its plan and the engine's stats: residency
//! verified, warnings said, pacing and back-offs reported.

use preload_schema::{
    DiagnosisKind, Residency, SCHEMA_VERSION, WarmSummary, Warning, WarningKind, mib_per_s,
};

use crate::engine::{Pacing, RunStats};
use crate::fsinfo::advice;
use crate::order::Order;
use crate::read::ReadMethod;
use crate::verify::{Verification, VmCounters, verify};
use crate::warmer::Prepared;
use crate::warnings::{diagnosis_warning, human_bytes, memory_warning};
use preload_schema::ParallelismSource;

pub(crate) fn summarize(
    prepared: Prepared,
    stats: &RunStats,
    method: ReadMethod,
    order: Order,
    source: ParallelismSource,
    counters: Option<VmCounters>,
) -> WarmSummary {
    let Prepared {
        plan,
        walk,
        memory,
        filesystems,
    } = prepared;
    let verified = if stats.cancelled {
        // Interrupted: exit now rather than measure; nothing is claimed.
        let total = plan.files.iter().map(|f| f.size).sum();
        Verification {
            residency: Residency {
                total_bytes: total,
                unknown_bytes: total,
                ..Residency::default()
            },
            diagnoses: Vec::new(),
            unknown_failed_bytes: 0,
        }
    } else {
        verify(&plan.files, &stats.failures, counters)
    };
    let mut warnings = Vec::new();
    warnings.extend(memory_warning(&memory).map(|m| Warning::new(WarningKind::Memory, m)));
    warnings.extend(verified.diagnoses.iter().map(|d| {
        Warning::new(
            WarningKind::Diagnosis,
            diagnosis_warning(d, stats.bytes, &filesystems, &memory),
        )
    }));
    // Files whose read failed are unknown too, and their failure says why
    // (as nobody, a 0600 file was reported as "the mount refuses mmap").
    let unexplained = verified.residency.unknown_bytes - verified.unknown_failed_bytes;
    if !stats.cancelled && unexplained > 0 {
        warnings.push(Warning::new(
            WarningKind::UnknownResidency,
            format!(
                "the residency of {} could not be measured by this user: its files could not \
                 be opened or mapped for the check (a mount that refuses mmap, such as \
                 direct-I/O FUSE); it is reported as unknown, not as resident",
                human_bytes(unexplained)
            ),
        ));
    }
    // The most readers that had work at once: the level at its highest,
    // but no more than the chunks there were to read.
    let readers = stats
        .levels
        .iter()
        .map(|l| l.1)
        .max()
        .unwrap_or(stats.final_level)
        .min(plan.chunks.len());
    for fs in &filesystems {
        warnings.extend(
            advice(fs, readers)
                .into_iter()
                .map(|a| Warning::new(WarningKind::MountAdvice, a)),
        );
    }
    let pages_retained = !verified
        .diagnoses
        .iter()
        .any(|d| d.kind == DiagnosisKind::NotKept);
    WarmSummary {
        kind: "warm".into(),
        schema_version: SCHEMA_VERSION,
        method: method.as_str().into(),
        parallelism_source: source,
        parallelism: stats.final_level,
        files: plan.files.len() as u64,
        files_read: stats.files_read,
        bytes: stats.bytes,
        planned_bytes: plan.bytes(),
        elapsed_s: stats.elapsed.as_secs_f64(),
        throughput_mib_s: mib_per_s(stats.bytes, stats.elapsed.as_secs_f64()),
        skipped: walk.skipped,
        failed: walk
            .failed
            .into_iter()
            .chain(stats.failures.iter().cloned())
            .collect(),
        residency: verified.residency,
        pages_retained,
        memory,
        interrupted: stats.cancelled,
        filesystems,
        warnings,
        diagnoses: verified.diagnoses,
        resident_skipped_bytes: stats.skipped_bytes,
        order: order.as_str().into(),
        pacing: preload_schema::Pacing::default(),
        joined: None,
        read_latency: crate::latency::read_latency(&stats.latencies),
        chunk_size: 0,
        schedule: String::new(),
    }
}

pub(crate) fn pacing_summary(pacing: &Pacing, stats: &RunStats) -> preload_schema::Pacing {
    preload_schema::Pacing {
        max_rate_bytes_s: pacing.max_rate,
        fleet_rate_bytes_s: pacing.max_rate,
        fleet_size: pacing.max_rate.map(|_| 1),
        fleet_size_from: None,
        backoff: pacing.backoff.is_some(),
        backoffs: stats
            .backoffs
            .iter()
            .map(|e| preload_schema::BackOff {
                at_s: e.at.as_secs_f64(),
                from: e.from,
                to: e.to,
                peak_mib_s: e.peak_mib_s,
                collapsed_mib_s: e.now_mib_s,
                settled_s: e.settled.map(|d| d.as_secs_f64()),
                paused_in_chunk: e.paused_in_chunk,
            })
            .collect(),
    }
}

pub(crate) fn backoff_warning(b: &preload_schema::BackOff) -> Warning {
    let took_effect = match b.settled_s {
        Some(s) => format!(
            "no more than {} readers read from {s:.1} s ({} held within a chunk)",
            b.to, b.paused_in_chunk
        ),
        None => "the run ended before the readers came down".into(),
    };
    let message = format!(
        "backed off from -P {} to -P {} at {:.1} s: throughput collapsed to {:.1} MiB/s \
         from {:.1} MiB/s while -P held (the storage is throttling or other clients started); \
         {took_effect}; a fleet should share a budget with --max-rate TOTAL/fleet",
        b.from, b.to, b.at_s, b.collapsed_mib_s, b.peak_mib_s
    );
    Warning::new(WarningKind::BackOff, message)
}
