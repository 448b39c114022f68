//! Human-readable summaries.

use std::collections::BTreeMap;
use std::fmt::Write;

use preload_core::human_bytes;
use preload_schema::name::escaped_bytes;
use preload_schema::{FsInfo, Residency, Skip, WarmSummary};

/// The summary `preload warm` prints after a run.
pub fn warm(s: &WarmSummary) -> String {
    let mut out = String::new();
    let verb = if s.interrupted {
        "interrupted after warming"
    } else {
        "warmed"
    };
    let _ = writeln!(
        out,
        "{verb} {} of {}, {} in {:.2} s ({:.0} MiB/s), method {}, P={} ({})",
        s.files_read,
        preload_report::count(s.files, "file"),
        human_bytes(s.bytes),
        s.elapsed_s,
        s.throughput_mib_s,
        s.method,
        s.parallelism,
        s.parallelism_source,
    );
    let _ = writeln!(out, "resident: {}", residency(&s.residency));
    if s.resident_skipped_bytes > 0 {
        let _ = writeln!(
            out,
            "already resident, not read again: {}",
            human_bytes(s.resident_skipped_bytes)
        );
    }
    if let Some(j) = &s.joined {
        let _ = writeln!(out, "{}", joined(j));
    }
    if let Some(line) = pacing(&s.pacing) {
        let _ = writeln!(out, "{line}");
    }
    for fs in &s.filesystems {
        let _ = writeln!(out, "{}", filesystem(fs, false));
    }
    if !s.skipped.is_empty() {
        let _ = writeln!(
            out,
            "skipped {}: {}",
            s.skipped.len(),
            skip_counts(&s.skipped)
        );
    }
    if !s.failed.is_empty() {
        let _ = writeln!(out, "failed {}:", s.failed.len());
        for f in &s.failed {
            let _ = writeln!(out, "  {}: {}", f.shown_path(), f.error);
        }
    }
    out
}

/// `rate: at most 50.0 MiB/s (1/4 of 200.0 MiB/s, fleet size from
/// SLURM_JOB_NUM_NODES), backed off 16 -> 8 -> 4`; None when unpaced.
/// `filesystem: ext4 on /data (/dev/sda1), read_ahead_kb 128`: the mount
/// (with its source device when `with_source`), its readahead and a FUSE
/// connection's background queue if known.
pub fn filesystem(fs: &FsInfo, with_source: bool) -> String {
    let source = if with_source {
        format!(" ({})", escaped_bytes(fs.source.as_bytes()))
    } else {
        String::new()
    };
    let ra = fs
        .read_ahead_kb
        .map(|kb| format!(", read_ahead_kb {kb}"))
        .unwrap_or_default();
    let queue = fs
        .fuse_queue
        .map(|q| {
            format!(
                ", FUSE queue {} (readahead stops past {})",
                q.max_background, q.congestion_threshold
            )
        })
        .unwrap_or_default();
    format!(
        "filesystem: {} on {}{source}{ra}{queue}",
        fs.fs_type,
        escaped_bytes(fs.mount_point.as_bytes())
    )
}

fn pacing(p: &preload_schema::Pacing) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(rate) = p.max_rate_bytes_s {
        let mut line = format!("rate: at most {}/s", human_bytes(rate));
        if let (Some(total), Some(n)) = (p.fleet_rate_bytes_s, p.fleet_size)
            && n > 1
        {
            let from = match p.fleet_size_from.as_deref() {
                Some("flag") | None => String::new(),
                Some(var) => format!(", fleet size from {var}"),
            };
            line += &format!(" (1/{n} of {}/s{from})", human_bytes(total));
        }
        parts.push(line);
    }
    if let Some(first) = p.backoffs.first() {
        let mut steps = vec![first.from.to_string()];
        steps.extend(p.backoffs.iter().map(|b| b.to.to_string()));
        parts.push(format!("backed off -P {}", steps.join(" -> ")));
    } else if p.backoff {
        parts.push("no back-off needed".into());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `1.0 GiB of 1.0 GiB (100%)`, saying which part was estimated from
/// sampled pages and which could not be measured.
pub fn residency(r: &Residency) -> String {
    if r.is_unknown() {
        return format!(
            "unknown for {} (not measurable by this user on this mount)",
            human_bytes(r.total_bytes)
        );
    }
    let mut out = format!(
        "{} of {} ({})",
        human_bytes(r.resident_bytes),
        human_bytes(r.total_bytes),
        percent(r.fraction())
    );
    if r.sampled_bytes == r.total_bytes && r.total_bytes > 0 {
        out.push_str(", estimated from sampled pages (exact figures are for the files' owner)");
    } else if r.sampled_bytes > 0 {
        let _ = write!(
            out,
            ", {} of it estimated from sampled pages",
            human_bytes(r.sampled_bytes)
        );
    }
    if r.unknown_bytes > 0 {
        let _ = write!(
            out,
            ", {} unknown (counted as not resident)",
            human_bytes(r.unknown_bytes)
        );
    }
    out
}

/// A fraction as a percentage rounded down, so 99.96% never shows as 100%.
pub fn percent(fraction: f64) -> String {
    if fraction >= 1.0 {
        "100%".into()
    } else {
        format!("{:.1}%", (fraction * 1000.0).floor() / 10.0)
    }
}

/// `fifo x1, duplicate x3`.
pub fn skip_counts(skipped: &[Skip]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in skipped {
        *counts.entry(s.reason.as_str()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(reason, n)| format!("{reason} x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line of a warm that joined another: whom it waited for, how long.
pub fn joined(j: &preload_schema::Joined) -> String {
    let whom = j.leader_pid.map_or_else(
        || "another warm".to_string(),
        |p| format!("the warm of pid {p}"),
    );
    format!(
        "joined {whom} of this tree on this node: waited {:.2} s, then read only what was missing",
        j.waited_s
    )
}
