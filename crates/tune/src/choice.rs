//! What a warm uses where the caller gave no value: one policy for `preload
//! warm`, `preload run`, `preload bench` and Python's `warm`/`warming`. A
//! value the caller gave wins, then what `preload tune` saved for the
//! filesystem, then the default.

use std::path::Path;

use preload_core::engine::Scheduling;
use preload_core::fsinfo::filesystem_of;
use preload_core::plan::{DEFAULT_CHUNK_SIZE, FRONT_CHUNK_SIZE};
use preload_core::{Controller, DEFAULT_PARALLELISM, FixedLevel, ReadMethod, human_bytes};
use preload_schema::{FsInfo, ParallelismSource};

use crate::{AutoController, DEFAULT_SCHEDULE, Profile, ProfileStore};

/// The largest level `-P auto` may reach.
pub const AUTO_MAX_LEVEL: usize = 128;

/// The level to use on a filesystem without `-P`, and why.
#[derive(Debug, Clone)]
pub struct SavedLevel {
    /// Readers to use.
    pub level: usize,
    /// [`ParallelismSource::Profile`] or [`ParallelismSource::Default`].
    pub source: ParallelismSource,
    /// The profile the level came from.
    pub profile: Option<Profile>,
    /// Why saved profiles were ignored, when they could not be read, or
    /// why the one used may be stale.
    pub warning: Option<String>,
}

/// The profile `preload tune` saved for `fs`, else [`DEFAULT_PARALLELISM`].
pub fn saved_level(fs: &FsInfo) -> SavedLevel {
    let fallback = |warning| SavedLevel {
        level: DEFAULT_PARALLELISM,
        source: ParallelismSource::Default,
        profile: None,
        warning,
    };
    match ProfileStore::default_location().find(fs) {
        Ok(Some(p)) => SavedLevel {
            level: p.parallelism,
            source: ParallelismSource::Profile,
            warning: p.settings_changed(fs),
            profile: Some(p),
        },
        Ok(None) => fallback(None),
        Err(e) => fallback(Some(format!("ignoring saved profiles: {e}"))),
    }
}

/// How the parallelism was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelRequest {
    /// `-P N`.
    Fixed(usize),
    /// `-P auto` (it starts from the profile's level when there is one).
    Auto,
    /// No `-P`: the profile's level, else [`DEFAULT_PARALLELISM`].
    Unset,
}

/// What the caller fixed; every `None` is the profile's, else the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// `-P`.
    pub level: LevelRequest,
    /// `--method`.
    pub method: Option<ReadMethod>,
    /// `--chunk-size`.
    pub chunk_size: Option<u64>,
    /// `--schedule`.
    pub schedule: Option<Scheduling>,
}

/// Where a warm's defaults differ: a whole warm, or one beside its loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beside {
    /// `preload warm`: [`DEFAULT_CHUNK_SIZE`], the profile's schedule else
    /// [`DEFAULT_SCHEDULE`].
    Nothing,
    /// `preload run`, Python's `warming`: [`FRONT_CHUNK_SIZE`], and the
    /// front schedule whatever the profile measured for a whole warm (the
    /// loader reads the front of its order first).
    Loader,
}

/// What a warm uses, and what of it came from a profile.
pub struct Choice {
    /// Decides the level.
    pub controller: Box<dyn Controller>,
    /// Where the level came from.
    pub source: ParallelismSource,
    /// Read method.
    pub method: ReadMethod,
    /// Chunk size, bytes.
    pub chunk_size: u64,
    /// Which chunk a free reader takes.
    pub schedule: Scheduling,
    /// The profile consulted, if one applied.
    pub profile: Option<Profile>,
    /// What was taken from it, as flags (`-P 8`, `--method read`, ...).
    pub from_profile: Vec<String>,
    /// Why saved profiles were ignored, when they could not be read, or
    /// why the one used may be stale.
    pub warning: Option<String>,
}

impl std::fmt::Debug for Choice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Choice")
            .field("source", &self.source)
            .field("method", &self.method)
            .field("chunk_size", &self.chunk_size)
            .field("schedule", &self.schedule)
            .field("from_profile", &self.from_profile)
            .finish_non_exhaustive()
    }
}

impl Choice {
    /// The line that says what came from the profile, if anything did.
    pub fn profile_line(&self) -> Option<String> {
        let p = self.profile.as_ref()?;
        (!self.from_profile.is_empty()).then(|| {
            format!(
                "using {} from the profile of {} ({}), tuned {}",
                self.from_profile.join(" and "),
                p.source,
                p.fs_type,
                p.date
            )
        })
    }
}

/// What a warm of `path` uses for `req`; the profile is looked up only
/// when something is left to it.
pub fn choose(path: &Path, req: &Request, beside: Beside) -> Choice {
    let req = effective(req, beside);
    let needs_profile = !matches!(req.level, LevelRequest::Fixed(_))
        || req.method.is_none()
        || req.chunk_size.is_none()
        || req.schedule.is_none();
    let saved = needs_profile.then(|| saved_level(&filesystem_of(path)));
    decide(&req, beside, saved)
}

/// `req` with what `beside` fixes: beside a loader, the front schedule
/// unless the caller chose one.
fn effective(req: &Request, beside: Beside) -> Request {
    let schedule = match beside {
        Beside::Nothing => req.schedule,
        Beside::Loader => req.schedule.or(Some(Scheduling::AroundStalls)),
    };
    Request { schedule, ..*req }
}

/// [`choose`] once the profile was looked up (`saved`: None when nothing
/// was left to it).
fn decide(req: &Request, beside: Beside, saved: Option<SavedLevel>) -> Choice {
    let schedule_req = req.schedule;
    let warning = saved.as_ref().and_then(|s| s.warning.clone());
    let profile = saved.as_ref().and_then(|s| s.profile.clone());
    let p = profile.as_ref();
    let mut from_profile = Vec::new();
    let (controller, source): (Box<dyn Controller>, _) = match req.level {
        LevelRequest::Fixed(n) => (Box::new(FixedLevel(n)), ParallelismSource::Fixed),
        LevelRequest::Auto => {
            if let Some(p) = p {
                from_profile.push(format!("-P auto starting at {}", p.parallelism));
            }
            let start = p.map(|p| p.parallelism);
            let auto = AutoController::for_warm(AUTO_MAX_LEVEL, start);
            (Box::new(auto), ParallelismSource::Auto)
        }
        LevelRequest::Unset => {
            let saved = saved.as_ref().expect("looked up above");
            if p.is_some() {
                from_profile.push(format!("-P {}", saved.level));
            }
            (Box::new(FixedLevel(saved.level)), saved.source)
        }
    };
    let profile_method = p
        .and_then(|p| p.method.parse().ok())
        .filter(|_| req.method.is_none());
    let method = req.method.or(profile_method).unwrap_or_default();
    if profile_method.is_some() {
        from_profile.push(format!("--method {}", method.as_str()));
    }
    let profile_chunk = p
        .and_then(|p| p.chunk_size)
        .filter(|_| req.chunk_size.is_none());
    let default_chunk = match beside {
        Beside::Nothing => DEFAULT_CHUNK_SIZE,
        Beside::Loader => FRONT_CHUNK_SIZE,
    };
    let chunk_size = req.chunk_size.or(profile_chunk).unwrap_or(default_chunk);
    if profile_chunk.is_some() {
        from_profile.push(format!("--chunk-size {}", human_bytes(chunk_size)));
    }
    let profile_schedule = p
        .and_then(|p| p.schedule.as_deref())
        .and_then(|s| s.parse::<Scheduling>().ok())
        .filter(|_| schedule_req.is_none());
    let schedule = schedule_req
        .or(profile_schedule)
        .unwrap_or(DEFAULT_SCHEDULE);
    if profile_schedule.is_some() {
        from_profile.push(format!("--schedule {}", schedule.as_str()));
    }
    Choice {
        controller,
        source,
        method,
        chunk_size,
        schedule,
        profile,
        from_profile,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(chunk: Option<u64>, schedule: Option<&str>) -> Option<SavedLevel> {
        let profile: Profile = serde_json::from_value(serde_json::json!({
            "fs_type": "fuse", "source": "simfs:/m", "mount_point": "/m", "device": "0:1",
            "parallelism": 8, "saturated": true, "confidence": 0.9, "mib_s": 190.0,
            "method": "willneed", "chunk_size": chunk, "schedule": schedule,
            "date": "2026-12-02", "sampled": "1 GiB",
        }))
        .unwrap();
        Some(SavedLevel {
            level: 8,
            source: ParallelismSource::Profile,
            profile: Some(profile),
            warning: None,
        })
    }

    const UNSET: Request = Request {
        level: LevelRequest::Unset,
        method: None,
        chunk_size: None,
        schedule: None,
    };

    #[test]
    fn the_profile_fills_what_the_caller_left() {
        let c = decide(
            &UNSET,
            Beside::Nothing,
            saved(Some(16 << 20), Some("front")),
        );
        assert_eq!(c.controller.initial_level(), 8);
        assert_eq!(c.source, ParallelismSource::Profile);
        assert_eq!(
            (c.method, c.chunk_size, c.schedule),
            (ReadMethod::WillNeed, 16 << 20, Scheduling::AroundStalls)
        );
        assert_eq!(
            c.profile_line().unwrap(),
            "using -P 8 and --method willneed and --chunk-size 16.0 MiB and --schedule front \
             from the profile of simfs:/m (fuse), tuned 2026-12-02"
        );
    }

    #[test]
    fn what_the_caller_gave_wins() {
        let req = Request {
            level: LevelRequest::Fixed(3),
            method: Some(ReadMethod::Mmap),
            chunk_size: Some(2 << 20),
            schedule: Some(Scheduling::SpreadFiles),
        };
        let c = decide(&req, Beside::Nothing, saved(Some(16 << 20), Some("front")));
        assert_eq!(c.controller.initial_level(), 3);
        assert_eq!(
            (c.method, c.chunk_size, c.schedule),
            (ReadMethod::Mmap, 2 << 20, Scheduling::SpreadFiles)
        );
        assert!(c.from_profile.is_empty() && c.profile_line().is_none());
    }

    #[test]
    fn without_a_profile_the_defaults_of_the_kind_of_warm() {
        let whole = decide(
            &UNSET,
            Beside::Nothing,
            Some(SavedLevel {
                level: DEFAULT_PARALLELISM,
                source: ParallelismSource::Default,
                profile: None,
                warning: None,
            }),
        );
        assert_eq!(whole.controller.initial_level(), DEFAULT_PARALLELISM);
        assert_eq!(
            (whole.method, whole.chunk_size, whole.schedule),
            (ReadMethod::Read, DEFAULT_CHUNK_SIZE, DEFAULT_SCHEDULE)
        );
        let beside = effective(&UNSET, Beside::Loader);
        let c = decide(&beside, Beside::Loader, saved(None, Some("spread")));
        assert_eq!(c.chunk_size, FRONT_CHUNK_SIZE);
        assert_eq!(
            c.schedule,
            Scheduling::AroundStalls,
            "the front beside a loader"
        );
        assert!(!c.from_profile.iter().any(|f| f.starts_with("--schedule")));
    }

    #[test]
    fn auto_starts_from_the_profile() {
        let req = Request {
            level: LevelRequest::Auto,
            ..UNSET
        };
        let c = decide(&req, Beside::Nothing, saved(None, None));
        assert_eq!(c.source, ParallelismSource::Auto);
        assert_eq!(c.controller.initial_level(), 8);
        assert_eq!(c.from_profile[0], "-P auto starting at 8");
    }
}
