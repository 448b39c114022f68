//! `preload warm`.

use anyhow::Result;
use preload_core::join::Leader;
use preload_core::{CancelToken, CoreError, Warmer};
use preload_schema::{ParallelismSource, WarningKind};
use preload_tune::{Beside, Choice, Request};

use crate::config::WarmConfig;
use crate::exit::Exit;
use crate::output::{self, progress};

pub fn run(cfg: &WarmConfig, cancel: &CancelToken) -> Result<Exit> {
    let mut warmer = warmer(cfg, Beside::Nothing, cancel);
    let prepared = match warmer.prepare() {
        Ok(p) => p,
        // Ctrl-C during a long walk (slow metadata): nothing was read.
        Err(CoreError::Cancelled) => {
            diag!("preload: interrupted while finding the files: nothing was read");
            return Ok(Exit::Interrupted);
        }
        Err(e) => return Err(e.into()),
    };
    if prepared.plan.files.is_empty() && !cfg.inputs.allow_empty {
        for f in &prepared.walk.failed {
            diag!("preload: {}: {}", f.shown_path(), f.error);
        }
        diag!(
            "preload: {}",
            output::selection::nothing_selected(&cfg.inputs.paths, &prepared.walk)
        );
        return Ok(Exit::NothingSelected);
    }
    // Said before reading, when it can still change the user's mind; the
    // summary's copy of it (in --json) is not printed again afterwards.
    if let Some(w) = preload_core::memory_warning(&prepared.memory) {
        output::warn(&w);
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
    if let Some(rate) = &cfg.max_rate {
        summary.pacing.fleet_rate_bytes_s = Some(rate.total);
        summary.pacing.fleet_size = Some(rate.members);
        summary.pacing.fleet_size_from = rate.members_from.clone();
    }
    if summary.parallelism_source == ParallelismSource::Auto && !cfg.quiet && !cfg.json {
        diag!(
            "preload: -P auto settled on {} readers",
            summary.parallelism
        );
    }

    for w in summary
        .warnings
        .iter()
        .filter(|w| w.kind != WarningKind::Memory)
    {
        output::warn(&w.message);
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

/// What a warm says when it joins another warm of its tree (see
/// [`preload_core::join`]): on stderr, before it waits.
pub(crate) fn say_joining(quiet: bool) -> impl Fn(&Leader) + Send + Sync + 'static {
    move |leader| {
        if !quiet {
            let whom = leader
                .pid
                .map_or_else(|| "another warm".to_string(), |p| format!("pid {p}"));
            diag!(
                "preload: joining the warm of this tree already running on this node ({whom}): \
                 no readers of its own until it is done, then only what is still missing"
            );
        }
    }
}

/// The warmer of `cfg` (`preload warm`'s, or `preload run`'s beside its
/// loader): every warm flag applied once for both.
pub(crate) fn warmer(cfg: &WarmConfig, beside: Beside, cancel: &CancelToken) -> Warmer {
    let Choice {
        controller,
        source,
        method,
        chunk_size,
        schedule,
        ..
    } = choose(cfg, beside);
    let warmer = Warmer::new(&cfg.inputs.paths)
        .include(cfg.inputs.include.clone())
        .exclude(cfg.inputs.exclude.clone())
        .method(method)
        .chunk_size(chunk_size)
        .scheduling(schedule)
        .buffer_size(cfg.buffer_size)
        .max_bytes(cfg.max_bytes)
        .order(cfg.order)
        .skip_resident(cfg.skip_resident)
        .keep_open(cfg.keep_open)
        .max_rate(cfg.max_rate.as_ref().map(|r| r.per_process()))
        .backoff(cfg.backoff)
        .cancel_token(cancel.clone())
        .controller(controller)
        .parallelism_source(source);
    if cfg.join {
        warmer.join_node(say_joining(cfg.quiet))
    } else {
        warmer
    }
}

/// [`preload_tune::choose`] for `cfg`, saying on stderr what came from a
/// profile (unless quiet or JSON) and why profiles were ignored.
pub(crate) fn choose(cfg: &WarmConfig, beside: Beside) -> Choice {
    let request = Request {
        level: cfg.parallelism,
        method: cfg.method,
        chunk_size: cfg.chunk_size,
        schedule: cfg.schedule,
    };
    let choice = preload_tune::choose(&cfg.inputs.paths[0], &request, beside);
    if let Some(w) = &choice.warning {
        output::warn(w);
    }
    if let Some(line) = choice.profile_line().filter(|_| !cfg.quiet && !cfg.json) {
        diag!("preload: {line}");
    }
    choice
}
