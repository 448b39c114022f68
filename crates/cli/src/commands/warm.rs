//! `preload warm`.

use anyhow::Result;
use preload_core::fsinfo::filesystem_of;
use preload_core::{CancelToken, Controller, FixedLevel, Warmer};
use preload_schema::ParallelismSource;
use preload_tune::{AUTO_MAX_LEVEL, AutoLevel, saved_level};

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
        .cancel_token(cancel.clone())
        .controller(controller)
        .parallelism_source(source);
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
    let summary = warmer.read(prepared);
    pb.finish_and_clear();
    if source == ParallelismSource::Auto && !cfg.quiet && !cfg.json {
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
/// input's filesystem, else the default.
fn choose_parallelism(cfg: &WarmConfig) -> (Box<dyn Controller>, ParallelismSource) {
    match cfg.parallelism {
        ParallelismChoice::Fixed(n) => (Box::new(FixedLevel(n)), ParallelismSource::Fixed),
        ParallelismChoice::Auto => (
            Box::new(AutoLevel::new(AUTO_MAX_LEVEL)),
            ParallelismSource::Auto,
        ),
        ParallelismChoice::Unset => {
            let saved = saved_level(&filesystem_of(&cfg.inputs.paths[0]));
            if let Some(w) = &saved.warning {
                output::warn(w);
            }
            if let Some(p) = saved.profile.as_ref().filter(|_| !cfg.quiet && !cfg.json) {
                eprintln!(
                    "preload: using -P {} from the profile of {} ({}), tuned {}",
                    p.parallelism, p.source, p.fs_type, p.date
                );
            }
            (Box::new(FixedLevel(saved.level)), saved.source)
        }
    }
}
