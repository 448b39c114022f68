//! The matrix's outputs: a CSV row per tune, a Markdown table per shape,
//! and the judgement of each pick.

use std::path::Path;

use anyhow::Result;

use super::{LEVELS, PLATEAU, Row, chart};

pub(super) fn row_line(r: &Row) -> String {
    let picks: Vec<String> = r.tunes.iter().map(|t| t.pick.to_string()).collect();
    format!(
        "{}: true knee {} ({:.0} MiB/s best), tune picks {}, auto {:.0} MiB/s ({:.2} of best){}",
        r.shape.name,
        r.true_knee,
        r.best,
        picks.join("/"),
        r.auto_mib_s,
        r.auto_mib_s / r.best.max(1e-9),
        long_ratio(r).map_or(String::new(), |x| format!(", long window {x:.2}"))
    )
}

/// `-P auto` over the long window, as a fraction of the best fixed level
/// measured beside it.
fn long_ratio(r: &Row) -> Option<f64> {
    r.long.map(|(fixed, auto)| auto / fixed.max(1e-9))
}

/// Throughput of the true curve at `level` (the nearest measured level at
/// or below it).
fn curve_at(curve: &[(usize, f64)], level: usize) -> f64 {
    curve
        .iter()
        .rev()
        .find(|c| c.0 <= level)
        .map_or(0.0, |c| c.1)
}

/// The rule: within one measured level of the true knee, or >= 95%
/// of the best while no more than 1.5x the true knee.
pub(super) fn pick_ok(r: &Row, pick: usize) -> bool {
    let idx = |l: usize| {
        LEVELS
            .iter()
            .position(|&x| x >= l)
            .unwrap_or(LEVELS.len() - 1)
    };
    let near = idx(pick).abs_diff(idx(r.true_knee)) <= 1;
    let good =
        curve_at(&r.curve, pick) >= PLATEAU * r.best && pick as f64 <= 1.5 * r.true_knee as f64;
    near || good
}

pub(super) fn write_reports(rows: &[Row], out: &Path) -> Result<()> {
    let mut csv = String::from(
        "shape,true_knee,best_mib_s,run,pick,pick_ok,confidence,saved,counted_bytes,reported_served_bytes,storage_served_bytes,tune_s,auto_mib_s,auto_ratio,auto_level,long_fixed_mib_s,long_auto_mib_s\n",
    );
    let mut md = String::from(
        "| shape | true knee | best MiB/s | tune picks (confidence) | ok | saved | storage served / reported | auto MiB/s (of best) | long window: best fixed, auto MiB/s (ratio) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        for (i, t) in r.tunes.iter().enumerate() {
            csv.push_str(&format!(
                "{},{},{:.1},{},{},{},{:.3},{},{},{},{},{:.1},{:.1},{:.3},{},{},{}\n",
                r.shape.name,
                r.true_knee,
                r.best,
                i + 1,
                t.pick,
                pick_ok(r, t.pick),
                t.confidence,
                t.saved,
                t.counted,
                t.reported_served,
                t.storage_served,
                t.seconds,
                r.auto_mib_s,
                r.auto_mib_s / r.best.max(1e-9),
                r.auto_level,
                r.long.map_or(String::new(), |l| format!("{:.1}", l.0)),
                r.long.map_or(String::new(), |l| format!("{:.1}", l.1)),
            ));
        }
        let picks: Vec<String> = r
            .tunes
            .iter()
            .map(|t| format!("{} ({:.2})", t.pick, t.confidence))
            .collect();
        let ok: Vec<&str> = r
            .tunes
            .iter()
            .map(|t| if pick_ok(r, t.pick) { "yes" } else { "NO" })
            .collect();
        let saved: Vec<&str> = r
            .tunes
            .iter()
            .map(|t| if t.saved { "yes" } else { "no" })
            .collect();
        let served: Vec<String> = r
            .tunes
            .iter()
            .map(|t| {
                format!(
                    "{:.2}",
                    t.storage_served as f64 / t.reported_served.max(1) as f64
                )
            })
            .collect();
        md.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {:.0} ({:.2}) | {} |\n",
            r.shape.name,
            r.true_knee,
            r.best,
            picks.join(", "),
            ok.join(", "),
            saved.join(", "),
            served.join(", "),
            r.auto_mib_s,
            r.auto_mib_s / r.best.max(1e-9),
            r.long.map_or("-".to_owned(), |(fixed, auto)| format!(
                "{fixed:.0}, {auto:.0} ({:.2})",
                auto / fixed.max(1e-9)
            ))
        ));
    }
    std::fs::write(out.join("matrix.csv"), csv)?;
    std::fs::write(out.join("matrix.md"), md)?;
    std::fs::write(out.join("picks.svg"), chart::picks_svg(rows))?;
    Ok(())
}
