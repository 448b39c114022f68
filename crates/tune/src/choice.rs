//! Which parallelism a run uses when the user gave no number: one policy
//! for `preload warm` and `preload bench`.

use preload_core::DEFAULT_PARALLELISM;
use preload_schema::{FsInfo, ParallelismSource};

use crate::{Profile, ProfileStore};

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
    /// Why saved profiles were ignored, when they could not be read.
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
            profile: Some(p),
            warning: None,
        },
        Ok(None) => fallback(None),
        Err(e) => fallback(Some(format!("ignoring saved profiles: {e}"))),
    }
}
