//! `preload warm`.

use anyhow::Result;
use preload_core::{CancelToken, Warmer};

use crate::config::{ParallelismChoice, WarmConfig};
use crate::exit::Exit;
use crate::output::{self, progress};

pub fn run(cfg: &WarmConfig, cancel: &CancelToken) -> Result<Exit> {
    let (level, source) = match cfg.parallelism {
        ParallelismChoice::Fixed(n) => (n, "fixed"),
        // The tuner's controller replaces this in the tune work.
        ParallelismChoice::Auto | ParallelismChoice::Unset => {
            (preload_core::DEFAULT_PARALLELISM, "default")
        }
    };
    let mut warmer = Warmer::new(&cfg.inputs.paths)
        .include(cfg.inputs.include.clone())
        .exclude(cfg.inputs.exclude.clone())
        .method(cfg.method)
        .chunk_size(cfg.chunk_size)
        .buffer_size(cfg.buffer_size)
        .max_bytes(cfg.max_bytes)
        .cancel_token(cancel.clone())
        .parallelism(level);
    let prepared = warmer.prepare()?;
    if !prepared.memory.fits {
        output::warn(&format!(
            "{} planned but only {} available for the page cache: not everything will stay cached",
            preload_core::human_bytes(prepared.memory.planned_bytes),
            preload_core::human_bytes(prepared.memory.available_bytes)
        ));
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

    for w in &summary.warnings {
        output::warn(w);
    }
    if cfg.json {
        output::stdout(&output::json(&summary));
    } else if !cfg.quiet {
        output::stdout(&output::summary::warm(&summary));
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
