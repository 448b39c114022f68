//! `preload warm`.

use anyhow::Result;
use preload_core::engine::Scheduling;
use preload_core::fsinfo::filesystem_of;
use preload_core::join::Leader;
use preload_core::plan::DEFAULT_CHUNK_SIZE;
use preload_core::{
    CancelToken, Controller, CoreError, FixedLevel, ReadMethod, Warmer, human_bytes,
};
use preload_schema::{ParallelismSource, WarningKind};
use preload_tune::{AUTO_MAX_LEVEL, AutoController, DEFAULT_SCHEDULE, saved_level};

use crate::config::{ParallelismChoice, WarmConfig};
use crate::exit::Exit;
use crate::output::{self, progress};

pub fn run(cfg: &WarmConfig, cancel: &CancelToken) -> Result<Exit> {
    let Choice {
        controller,
        source,
        method,
        chunk_size,
        schedule,
    } = choose(cfg, DEFAULT_CHUNK_SIZE);
    let mut warmer = Warmer::new(&cfg.inputs.paths)
        .include(cfg.inputs.include.clone())
        .exclude(cfg.inputs.exclude.clone())
        .method(method)
        .chunk_size(chunk_size)
        .scheduling(schedule)
        .buffer_size(cfg.buffer_size)
        .max_bytes(cfg.max_bytes)
        .order(cfg.order)
        .skip_resident(cfg.skip_resident)
        .max_rate(cfg.max_rate.as_ref().map(|r| r.per_process()))
        .backoff(cfg.backoff)
        .cancel_token(cancel.clone())
        .controller(controller)
        .parallelism_source(source);
    if cfg.join {
        warmer = warmer.join_node(say_joining(cfg.quiet));
    }
    let prepared = match warmer.prepare() {
        Ok(p) => p,
        // Ctrl-C during a long walk (slow metadata): nothing was read.
        Err(CoreError::Cancelled) => {
            eprintln!("preload: interrupted while finding the files: nothing was read");
            return Ok(Exit::Interrupted);
        }
        Err(e) => return Err(e.into()),
    };
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
    if source == ParallelismSource::Auto && !cfg.quiet && !cfg.json {
        eprintln!(
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
            eprintln!(
                "preload: joining the warm of this tree already running on this node ({whom}): \
                 no readers of its own until it is done, then only what is still missing"
            );
        }
    }
}

/// How a warm reads, chosen once from what the user typed and the profile
/// `preload tune` saved for the first input's filesystem.
pub(crate) struct Choice {
    pub(crate) controller: Box<dyn Controller>,
    pub(crate) source: ParallelismSource,
    pub(crate) method: ReadMethod,
    pub(crate) chunk_size: u64,
    /// `preload run` ignores it: the loader reads the front first.
    pub(crate) schedule: Scheduling,
}

/// `-P N` wins, then the profile's level, else the default; `--method` wins,
/// then the method the profile measured best, else `read`; `--chunk-size`
/// wins, then the profile's chunk size, else `default_chunk`
/// ([`DEFAULT_CHUNK_SIZE`] for a warm, `FRONT_CHUNK_SIZE` beside a loader);
/// `--schedule` wins, then the profile's, else [`DEFAULT_SCHEDULE`].
pub(crate) fn choose(cfg: &WarmConfig, default_chunk: u64) -> Choice {
    // -P auto starts from the profile's level when there is one.
    let needs_profile = !matches!(cfg.parallelism, ParallelismChoice::Fixed(_))
        || cfg.method.is_none()
        || cfg.chunk_size.is_none()
        || cfg.schedule.is_none();
    let saved = needs_profile.then(|| saved_level(&filesystem_of(&cfg.inputs.paths[0])));
    if let Some(w) = saved.as_ref().and_then(|s| s.warning.as_ref()) {
        output::warn(w);
    }
    let profile = saved.as_ref().and_then(|s| s.profile.as_ref());
    let method = cfg
        .method
        .or_else(|| profile.and_then(|p| p.method.parse().ok()))
        .unwrap_or_default();
    let profile_chunk = profile
        .and_then(|p| p.chunk_size)
        .filter(|_| cfg.chunk_size.is_none());
    let chunk_size = cfg.chunk_size.or(profile_chunk).unwrap_or(default_chunk);
    let profile_schedule = profile
        .and_then(|p| p.schedule.as_deref())
        .and_then(|s| s.parse::<Scheduling>().ok())
        .filter(|_| cfg.schedule.is_none());
    let schedule = cfg
        .schedule
        .or(profile_schedule)
        .unwrap_or(DEFAULT_SCHEDULE);
    let (controller, source): (Box<dyn Controller>, _) = match (cfg.parallelism, &saved) {
        (ParallelismChoice::Fixed(n), _) => (Box::new(FixedLevel(n)), ParallelismSource::Fixed),
        (ParallelismChoice::Auto, _) => (
            Box::new(AutoController::for_warm(
                AUTO_MAX_LEVEL,
                profile.map(|p| p.parallelism),
            )),
            ParallelismSource::Auto,
        ),
        (ParallelismChoice::Unset, Some(saved)) => {
            (Box::new(FixedLevel(saved.level)), saved.source)
        }
        (ParallelismChoice::Unset, None) => unreachable!("looked up above"),
    };
    if let Some(p) = profile.filter(|_| !cfg.quiet && !cfg.json) {
        let mut used = Vec::new();
        match source {
            ParallelismSource::Profile => used.push(format!("-P {}", p.parallelism)),
            ParallelismSource::Auto => used.push(format!("-P auto starting at {}", p.parallelism)),
            _ => {}
        }
        if cfg.method.is_none() {
            used.push(format!("--method {}", method.as_str()));
        }
        if profile_chunk.is_some() {
            used.push(format!("--chunk-size {}", human_bytes(chunk_size)));
        }
        if profile_schedule.is_some() {
            used.push(format!("--schedule {}", schedule.as_str()));
        }
        if !used.is_empty() {
            eprintln!(
                "preload: using {} from the profile of {} ({}), tuned {}",
                used.join(" and "),
                p.source,
                p.fs_type,
                p.date
            );
        }
    }
    Choice {
        controller,
        source,
        method,
        chunk_size,
        schedule,
    }
}
