//! `preload tune`.

use std::fmt::Write;

use anyhow::{Context, Result};
use preload_core::{CancelToken, human_bytes};
use preload_schema::name::escaped;
use preload_schema::{self as schema, TuneResult};
use preload_table::Table;
use preload_tune::{ProfileStore, TuneConfig, TuneError, tune};

use crate::args::TuneArgs;
use crate::commands::regress;
use crate::exit::Exit;
use crate::output;
use crate::output::result_file::ResultFile;

pub fn run(args: &TuneArgs, cancel: &CancelToken) -> Result<Exit> {
    let store = ProfileStore::default_location();
    if args.show {
        return show(&store);
    }
    if args.forget {
        return forget(&store, args.path.as_deref());
    }
    if let Some(clients) = args.clients {
        return crate::commands::fleet_tune::run(args, clients, cancel);
    }
    let path = args.path.clone().context("PATH is required")?;
    let mut cfg = TuneConfig::new(&path);
    cfg.time_budget = args.time_budget;
    cfg.byte_budget = args.byte_budget;
    cfg.probe_time = args.probe_time;
    cfg.max_level = args.max_level;
    cfg.method = args.method;
    let regression = regress::Plan::resolve(&args.regression)?;
    // Files first, so a bad path fails before minutes of tuning.
    let mut result_file = ResultFile::create(args.output.as_deref())?;
    let mut csv = output::csv_file(args.export_csv.as_deref())?;

    let quiet = args.json;
    if !quiet {
        diag!(
            "tuning {} (budget {}, up to -P {})",
            escaped(&path),
            humantime::format_duration(cfg.time_budget),
            cfg.max_level
        );
    }
    let result = match tune(&cfg, cancel, &mut |p| {
        if !quiet {
            diag!(
                "  probe -P {:<3} {:<8} {:>8.1} MiB/s  ({}, p50 read {:.2} ms)",
                p.level,
                format!("{:?}", p.phase).to_lowercase(),
                p.steady_mib_s,
                preload_report::count(p.buckets.len() as u64, "bucket"),
                p.latency.p50_ms
            );
        }
    }) {
        Ok(r) => r,
        // Stopped before any probe finished: nothing measured, no result.
        Err(TuneError::Cancelled) if cancel.is_cancelled() => {
            diag!("preload: interrupted before any probe finished: no recommendation");
            return Ok(Exit::Interrupted);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(w) = csv.as_mut() {
        for row in result.csv_rows() {
            w.serialize(row)?;
        }
        w.flush()?;
    }
    for w in &result.warnings {
        output::warn(w);
    }
    // A partial curve is no profile: `warm` would trust it without -P; nor
    // is a knee the evidence does not support.
    let rec = &result.recommendation;
    if !args.no_save && !result.interrupted && !cancel.is_cancelled() && !rec.profile_worthy {
        output::warn(&format!(
            "not saved as the profile of {}: {}",
            result.context.filesystem.source,
            if rec.caveats.is_empty() {
                format!(
                    "confidence {:.2} is below {:.2}",
                    rec.confidence,
                    preload_tune::SAVE_CONFIDENCE
                )
            } else {
                rec.caveats.join("; ")
            }
        ));
    }
    if !args.no_save && !result.interrupted && !cancel.is_cancelled() && rec.profile_worthy {
        let profile = store.save(&result)?;
        if !quiet {
            diag!(
                "saved -P {}, --method {}{}{} for {} ({}) in {}",
                profile.parallelism,
                profile.method,
                profile.chunk_size.map_or_else(String::new, |c| format!(
                    ", --chunk-size {}",
                    human_bytes(c)
                )),
                profile
                    .schedule
                    .as_deref()
                    .map_or_else(String::new, |s| format!(", --schedule {s}")),
                profile.source,
                profile.fs_type,
                escaped(store.path())
            );
        }
    }
    let human = table(&result);
    let file = schema::ResultFile::Tune(result);
    let json = file.to_json();
    let json_on_stdout = result_file.as_ref().is_some_and(ResultFile::is_stdout);
    if let Some(f) = result_file.as_mut()
        && let Some(said) = f.write(&json)?
        && !quiet
    {
        diag!("{said}");
    }
    if json_on_stdout {
        // `-o -`: stdout carries the result file; the table is for the eyes.
        if !quiet {
            diag_part!("{human}");
        }
    } else if args.json {
        output::stdout(&format!("{json}\n"))?;
    } else {
        output::stdout(&human)?;
    }
    let exit = regress::finish(&regression, &file)?;
    Ok(if cancel.is_cancelled() {
        Exit::Interrupted
    } else {
        exit
    })
}

/// `--forget [PATH]`: drops the profile of PATH's filesystem, or all.
fn forget(store: &ProfileStore, path: Option<&std::path::Path>) -> Result<Exit> {
    let removed = match path {
        Some(p) => {
            let fs = preload_core::fsinfo::filesystem_of(p);
            store.forget(Some(&fs))?
        }
        None => store.forget(None)?,
    };
    let what = if removed == 1 { "profile" } else { "profiles" };
    output::stdout(&format!(
        "removed {removed} {what} from {}\n",
        escaped(store.path())
    ))?;
    Ok(Exit::Success)
}

fn show(store: &ProfileStore) -> Result<Exit> {
    let profiles = store.list()?;
    if profiles.is_empty() {
        output::stdout(&format!(
            "no profiles in {} (run `preload tune PATH`)\n",
            escaped(store.path())
        ))?;
        return Ok(Exit::Success);
    }
    let mut table = Table::new(&[
        "#-P",
        "Method",
        "Chunk size",
        "Schedule",
        "Source",
        "Type",
        "Mount point",
        "#MiB/s",
        "#Confidence",
        "Tuned",
        "Tuned under",
    ]);
    for p in profiles {
        // The client settings that move the knee (see
        // `Profile::settings_changed`): warm says when they differ now.
        let settings = p.client_settings();
        // `+`: the curve was still rising at the largest level tuned.
        let level = if p.saturated {
            p.parallelism.to_string()
        } else {
            format!("{}+", p.parallelism)
        };
        table.row([
            level,
            p.method,
            p.chunk_size.map_or_else(|| "default".into(), human_bytes),
            p.schedule.unwrap_or_else(|| {
                format!("{} (default)", preload_tune::DEFAULT_SCHEDULE.as_str())
            }),
            p.source,
            p.fs_type,
            p.mount_point,
            format!("{:.0}", p.mib_s),
            format!("{:.0}%", p.confidence * 100.0),
            p.date,
            settings,
        ]);
    }
    let out = format!(
        "profiles in {}:\n{}",
        escaped(store.path()),
        table.to_text_indented("  ")
    );
    output::stdout(&out)?;
    Ok(Exit::Success)
}

/// The human table: level, median, spread, latency, and the verdict. An
/// interrupted tune shows the curve so far and no verdict: its knee is only
/// the knee of the levels it reached.
pub fn table(r: &TuneResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        output::summary::filesystem(&r.context.filesystem, true)
    );
    if r.interrupted {
        let _ = writeln!(out, "interrupted: no recommendation; the curve so far:");
    }
    let mut levels = Table::new(&[
        "#-P",
        "#median MiB/s",
        "#min - max",
        "#cv",
        "#p50 read ms",
        "#probes",
        "",
    ]);
    for l in &r.levels {
        let mark = if !r.interrupted && l.level == r.recommendation.parallelism {
            "<"
        } else {
            ""
        };
        levels.row([
            l.level.to_string(),
            format!("{:.1}", l.median_mib_s),
            format!("{:.1} - {:.1}", l.min_mib_s, l.max_mib_s),
            format!("{:.1}%", l.cv * 100.0),
            format!("{:.2}", l.latency_p50_ms),
            l.probes.to_string(),
            mark.to_owned(),
        ]);
    }
    out.push_str(&levels.to_text());
    let rec = &r.recommendation;
    if r.interrupted {
        let _ = writeln!(
            out,
            "interrupted after {:.1} s of {:.0} s: re-run `preload tune` for a recommendation",
            r.budget.time_spent_s, r.budget.time_limit_s
        );
        return out;
    }
    let of_best = if rec.best_mib_s > 0.0 {
        100.0 * rec.recommended_mib_s / rec.best_mib_s
    } else {
        0.0
    };
    if rec.too_small {
        let _ = writeln!(
            out,
            "recommended -P {}, warm's default (confidence {:.2}): the tree is too small to measure",
            rec.parallelism, rec.confidence
        );
    } else {
        let _ = writeln!(
            out,
            "recommended -P {}{} (confidence {:.2}): {:.0}% of the best measured throughput",
            rec.parallelism,
            if rec.saturated {
                ""
            } else {
                " or more (not saturated)"
            },
            rec.confidence,
            of_best
        );
    }
    let _ = writeln!(out, "{}", rec.verdict);
    if let Some(c) = &rec.default_check {
        let figures = |xs: &[f64]| xs.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>();
        let _ = writeln!(
            out,
            "against warm's default, alternating windows: -P {} read {} MiB/s, -P {} read {}; {}",
            c.level,
            figures(&c.level_mib_s).join(", "),
            c.default_level,
            figures(&c.default_mib_s).join(", "),
            if c.holds {
                "the pick holds"
            } else {
                "the default is faster"
            }
        );
    }
    if !rec.methods.is_empty() {
        let figures: Vec<String> = rec
            .methods
            .iter()
            .map(|m| format!("{} {:.0}", m.method, m.mib_s))
            .collect();
        let _ = writeln!(
            out,
            "read methods at -P {}: {} MiB/s; warm uses {}",
            rec.parallelism,
            figures.join(", "),
            rec.read_method
        );
    }
    if let Some(chosen) = rec.chunk_size {
        // "32 MiB spread 240" at the knee, "32 MiB spread -P 8 310" above it.
        let figures: Vec<String> = rec
            .chunks
            .iter()
            .map(|c| {
                format!(
                    "{}{}{} {:.0}",
                    human_bytes(c.chunk_size),
                    c.schedule
                        .as_deref()
                        .map_or_else(String::new, |s| format!(" {s}")),
                    c.level
                        .filter(|&l| Some(l) != rec.chunks.get(1).and_then(|k| k.level))
                        .map_or_else(String::new, |l| format!(" -P {l}")),
                    c.mib_s
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "chunk sizes and schedules at the knee: {} MiB/s; warm uses {}{} at -P {}",
            figures.join(", "),
            human_bytes(chosen),
            rec.schedule
                .as_deref()
                .map_or_else(String::new, |s| format!(" {s}")),
            rec.parallelism
        );
    }
    for c in &rec.caveats {
        let _ = writeln!(out, "caveat: {c}");
    }
    let _ = writeln!(
        out,
        "spent {:.1} s of {:.0} s and {} of {} (the storage served {})",
        r.budget.time_spent_s,
        r.budget.time_limit_s,
        preload_core::human_bytes(r.budget.bytes_spent),
        preload_core::human_bytes(r.budget.byte_limit),
        if r.budget.bytes_served > 0 {
            preload_core::human_bytes(r.budget.bytes_served)
        } else {
            "an unknown amount".into()
        }
    );
    out
}
