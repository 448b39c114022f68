//! `preload warm`.

use anyhow::Result;
use preload_core::fsinfo::filesystem_of;
use preload_core::{CancelToken, Controller, DEFAULT_PARALLELISM, FixedLevel, Warmer};
use preload_tune::{AutoLevel, ProfileStore};

use crate::config::{ParallelismChoice, WarmConfig};
use crate::exit::Exit;
use crate::output::{self, progress};

pub fn run(cfg: &WarmConfig, cancel: &CancelToken) -> Result<Exit> {
    let (controller, source) = choose_parallelism(cfg);
    let mut warmer = Warmer::new(&cfg.inputs.paths)
        .include(cfg.inputs.include.clone())
        .exclude(cfg.inputs.exclude.clone())
        .method(cfg.method)
        .chunk_size(cfg.chunk_size)
        .buffer_size(cfg.buffer_size)
        .max_bytes(cfg.max_bytes)
        .max_rate(cfg.max_rate.as_ref().map(|r| r.per_process()))
        .backoff(cfg.backoff)
        .cancel_token(cancel.clone())
        .controller(controller);
    let prepared = warmer.prepare()?;
    if prepared.plan.files.is_empty() && !cfg.inputs.allow_empty {
        for f in &prepared.walk.failed {
            eprintln!("preload: {}: {}", f.shown_path(), f.error);
        }
        eprintln!(
            "preload: {}",
            output::selection::nothing_selected(&cfg.inputs.paths, &prepared.walk)
        );
        return Ok(Exit::NothingSelected);
    }
    // Said before reading, when it can still change the user's mind; the
    // summary's copy of it (in --json) is not printed again afterwards.
    let memory_warning = preload_core::memory_warning(&prepared.memory);
    if let Some(w) = &memory_warning {
        output::warn(w);
    }
    let pb = progress::bar(
        prepared.plan.bytes(),
        prepared.plan.files.len() as u64,
        cfg.quiet || cfg.json,
    );
    let bar = pb.clone();
    warmer = warmer.on_progress(move |p| progress::update(&bar, p));
    let mut summary = warmer.read(prepared);
    pb.finish_and_clear();
    summary.parallelism_source = source.into();
    if let Some(rate) = &cfg.max_rate {
        summary.pacing.fleet_rate_bytes_s = Some(rate.total);
        summary.pacing.fleet_size = Some(rate.members);
        summary.pacing.fleet_size_from = rate.members_from.clone();
    }
    if source == "auto" && !cfg.quiet && !cfg.json {
        eprintln!(
            "preload: -P auto settled on {} readers",
            summary.parallelism
        );
    }

    for w in summary
        .warnings
        .iter()
        .filter(|w| Some(*w) != memory_warning.as_ref())
    {
        output::warn(w);
    }
    if cfg.json {
        output::stdout(&output::json(&summary))?;
    } else if !cfg.quiet {
        output::stdout(&output::summary::warm(&summary))?;
    }
    Ok(if summary.interrupted {
        Exit::Interrupted
    } else if !summary.failed.is_empty() {
        Exit::Partial
    } else if !summary.pages_retained {
        Exit::NotRetained
    } else {
        Exit::Success
    })
}

/// `-P N` wins; without `-P`, the profile `preload tune` saved for the first
/// input's filesystem; else the fixed default (see README, "Choosing -P").
fn choose_parallelism(cfg: &WarmConfig) -> (Box<dyn Controller>, &'static str) {
    match cfg.parallelism {
        ParallelismChoice::Fixed(n) => (Box::new(FixedLevel(n)), "fixed"),
        ParallelismChoice::Auto => (Box::new(AutoLevel::new(AUTO_MAX_LEVEL)), "auto"),
        ParallelismChoice::Unset => {
            let fs = filesystem_of(&cfg.inputs.paths[0]);
            match ProfileStore::default_location().find(&fs) {
                Ok(Some(p)) => {
                    if !cfg.quiet && !cfg.json {
                        eprintln!(
                            "preload: using -P {} from the profile of {} ({}), tuned {}",
                            p.parallelism, p.source, p.fs_type, p.date
                        );
                    }
                    (Box::new(FixedLevel(p.parallelism)), "profile")
                }
                Ok(None) => (Box::new(FixedLevel(DEFAULT_PARALLELISM)), "default"),
                Err(e) => {
                    output::warn(&format!("ignoring saved profiles: {e}"));
                    (Box::new(FixedLevel(DEFAULT_PARALLELISM)), "default")
                }
            }
        }
    }
}

/// Most readers `-P auto` may reach.
const AUTO_MAX_LEVEL: usize = 128;
