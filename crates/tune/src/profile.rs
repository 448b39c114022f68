//! Saved tune results, one per filesystem, so `preload warm` without `-P`
//! uses what `preload tune` measured.
//!
//! The key is the filesystem type plus the mount source (`server:/export`,
//! `/dev/vda`, the FUSE daemon's name), not the path and not the device
//! number: network and FUSE mounts get a new anonymous device number (0:N)
//! at every mount, while the source names the storage itself. Two mounts of
//! one export share a profile, which is right: they are the same storage.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use preload_schema::{FsInfo, FuseQueue, TuneResult};
use serde::{Deserialize, Serialize};

/// What is remembered about one filesystem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Filesystem type.
    pub fs_type: String,
    /// Mount source.
    pub source: String,
    /// Mount point when tuned (informational).
    pub mount_point: String,
    /// Device number when tuned (informational).
    pub device: String,
    /// Recommended parallelism.
    pub parallelism: usize,
    /// Whether the curve saturated ("at least N" when not).
    pub saturated: bool,
    /// Bootstrap confidence of the knee.
    pub confidence: f64,
    /// Median throughput at the recommended level, MiB/s.
    pub mib_s: f64,
    /// Read method measured best at the knee (`warm` uses it without
    /// `--method`).
    #[serde(default = "default_method")]
    pub method: String,
    /// Chunk size measured best at the knee, bytes (`warm` uses it without
    /// `--chunk-size`); None in profiles saved before chunk sizes were
    /// measured, or when the budget left none to compare.
    #[serde(default)]
    pub chunk_size: Option<u64>,
    /// Which chunk a free reader takes, measured best at the knee: `front`
    /// or `spread` (`warm` uses it without `--schedule`); None in profiles
    /// saved before schedules were measured, or when the budget left none
    /// to compare (warm uses [`crate::DEFAULT_SCHEDULE`]).
    #[serde(default)]
    pub schedule: Option<String>,
    /// The mount's readahead when tuned, KiB (None: unknown, or a profile
    /// saved before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_ahead_kb: Option<u64>,
    /// The FUSE connection's background queue when tuned (None: not FUSE,
    /// fusectl not mounted, or a profile saved before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuse_queue: Option<FuseQueue>,
    /// When tuned, RFC 3339.
    pub date: String,
    /// The path that was sampled.
    pub sampled: String,
}

impl Profile {
    /// Why this profile may no longer fit `fs`: the client settings it was
    /// measured under (readahead, the FUSE queue) differ from the mount's
    /// now. Either moves the knee: a FUSE queue of 12 held every level from
    /// 8 to 32 to one rate on simfs (reports/2026-12-03-vm/fuse-background),
    /// and on MooseFS readahead 1024 made the one-liner 21% slower and the
    /// default warm 8% faster (reports/2026-12-02-vm/moosefs-readahead).
    /// A setting unknown on either side is not compared.
    pub fn settings_changed(&self, fs: &FsInfo) -> Option<String> {
        let mut changed = Vec::new();
        if let (Some(then), Some(now)) = (self.read_ahead_kb, fs.read_ahead_kb)
            && then != now
        {
            changed.push(format!("read_ahead_kb {then} then, {now} now"));
        }
        if let (Some(then), Some(now)) = (self.fuse_queue, fs.fuse_queue)
            && then != now
        {
            changed.push(format!(
                "FUSE queue {}/{} then, {}/{} now",
                then.max_background,
                then.congestion_threshold,
                now.max_background,
                now.congestion_threshold
            ));
        }
        (!changed.is_empty()).then(|| {
            format!(
                "the profile of {} ({}) was tuned {} under other client settings ({}): its \
                 levels and shape may not fit them; `preload tune` it again",
                self.source,
                self.fs_type,
                self.date,
                changed.join("; ")
            )
        })
    }

    /// The client settings it was tuned under, for `preload tune --show`:
    /// `readahead 128 KiB, FUSE queue 12/9`; `unknown` when none was kept.
    pub fn client_settings(&self) -> String {
        let mut parts = Vec::new();
        if let Some(kb) = self.read_ahead_kb {
            parts.push(format!("readahead {kb} KiB"));
        }
        if let Some(q) = self.fuse_queue {
            parts.push(format!(
                "FUSE queue {}/{}",
                q.max_background, q.congestion_threshold
            ));
        }
        if parts.is_empty() {
            "unknown".into()
        } else {
            parts.join(", ")
        }
    }
}

fn default_method() -> String {
    "read".into()
}

/// Why the profile file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Reading or writing failed.
    #[error("{}: {source}", preload_schema::name::escaped(path))]
    Io {
        /// The profile file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a profile file.
    #[error(
        "{}: not a preload profile file ({source}); delete it to start over",
        preload_schema::name::escaped(path)
    )]
    Parse {
        /// The profile file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
}

/// The profile file: `$PRELOAD_CACHE_DIR/profiles.json`, by default under
/// the user's cache directory (`~/.cache/preload/profiles.json`).
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// The store in its default place.
    pub fn default_location() -> ProfileStore {
        let dir = std::env::var_os("PRELOAD_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("preload")))
            .unwrap_or_else(|| PathBuf::from(".preload"));
        ProfileStore {
            path: dir.join("profiles.json"),
        }
    }

    /// A store at an explicit file.
    pub fn at(path: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile (none when the file does not exist).
    pub fn list(&self) -> Result<Vec<Profile>, ProfileError> {
        Ok(self.load()?.into_values().collect())
    }

    /// The profile of the filesystem `fs`, if one was saved.
    pub fn find(&self, fs: &FsInfo) -> Result<Option<Profile>, ProfileError> {
        Ok(self.load()?.remove(&key(&fs.fs_type, &fs.source)))
    }

    /// Saves (replaces) the profile of the tuned filesystem.
    pub fn save(&self, result: &TuneResult) -> Result<Profile, ProfileError> {
        let fs = &result.context.filesystem;
        let profile = Profile {
            fs_type: fs.fs_type.clone(),
            source: fs.source.clone(),
            mount_point: fs.mount_point.clone(),
            device: fs.device.clone(),
            parallelism: result.recommendation.parallelism,
            saturated: result.recommendation.saturated,
            confidence: result.recommendation.confidence,
            mib_s: result.recommendation.recommended_mib_s,
            method: result.recommendation.read_method.clone(),
            chunk_size: result.recommendation.chunk_size,
            schedule: result.recommendation.schedule.clone(),
            read_ahead_kb: fs.read_ahead_kb,
            fuse_queue: fs.fuse_queue,
            date: result.context.date.clone(),
            sampled: result.dataset.path.clone(),
        };
        let mut all = self.load()?;
        all.insert(key(&profile.fs_type, &profile.source), profile.clone());
        self.write(&all)?;
        Ok(profile)
    }

    /// Removes the profile of `fs` (every profile when None); returns how
    /// many were removed.
    pub fn forget(&self, fs: Option<&FsInfo>) -> Result<usize, ProfileError> {
        let mut all = self.load()?;
        let before = all.len();
        match fs {
            Some(fs) => {
                all.remove(&key(&fs.fs_type, &fs.source));
            }
            None => all.clear(),
        }
        let removed = before - all.len();
        if removed > 0 {
            self.write(&all)?;
        }
        Ok(removed)
    }

    fn write(&self, all: &BTreeMap<String, Profile>) -> Result<(), ProfileError> {
        let io = |source| ProfileError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Write then rename, so a crash never leaves half a file.
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(all).expect("profiles serialize");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    fn load(&self) -> Result<BTreeMap<String, Profile>, ProfileError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|source| ProfileError::Parse {
                path: self.path.clone(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(source) => Err(ProfileError::Io {
                path: self.path.clone(),
                source,
            }),
        }
    }
}

fn key(fs_type: &str, source: &str) -> String {
    format!("{fs_type} {source}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs() -> FsInfo {
        FsInfo {
            fs_type: "fuse.mfs".into(),
            mount_point: "/mnt/mfs".into(),
            source: "mfs#127.0.0.1:9421".into(),
            options: "rw".into(),
            device: "0:61".into(),
            read_ahead_kb: Some(128),
            fuse_queue: None,
        }
    }

    fn profile(chunk_size: Option<u64>, schedule: Option<&str>) -> Profile {
        Profile {
            fs_type: "fuse.mfs".into(),
            source: "mfs#127.0.0.1:9421".into(),
            mount_point: "/mnt/mfs".into(),
            device: "0:61".into(),
            parallelism: 4,
            saturated: true,
            confidence: 0.9,
            mib_s: 420.0,
            method: "willneed".into(),
            chunk_size,
            schedule: schedule.map(String::from),
            read_ahead_kb: Some(128),
            fuse_queue: None,
            date: "2026-12-01T18:00:00Z".into(),
            sampled: "/mnt/mfs/model".into(),
        }
    }

    #[test]
    fn the_chunk_size_and_schedule_survive_a_write_and_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::at(dir.path().join("profiles.json"));
        let saved = profile(Some(64 << 20), Some("spread"));
        let mut all = BTreeMap::new();
        all.insert(key(&saved.fs_type, &saved.source), saved.clone());
        store.write(&all).unwrap();
        assert_eq!(store.find(&fs()).unwrap(), Some(saved));
    }

    #[test]
    fn a_profile_saved_before_chunk_sizes_methods_and_schedules_were_measured_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("profiles.json");
        let old = r#"{"fuse.mfs mfs#127.0.0.1:9421": {
            "fs_type": "fuse.mfs", "source": "mfs#127.0.0.1:9421",
            "mount_point": "/mnt/mfs", "device": "0:61", "parallelism": 4,
            "saturated": true, "confidence": 0.9, "mib_s": 420.0,
            "date": "2026-12-01T18:00:00Z", "sampled": "/mnt/mfs/model"}}"#;
        std::fs::write(&path, old).unwrap();
        let found = ProfileStore::at(path).find(&fs()).unwrap().unwrap();
        assert_eq!(found.chunk_size, None);
        assert_eq!(found.schedule, None);
        assert_eq!(found.method, "read");
        assert_eq!(found.parallelism, 4);
        // Settings it did not keep are not compared.
        assert_eq!(found.read_ahead_kb, None);
        assert_eq!(found.settings_changed(&fs()), None);
    }

    #[test]
    fn a_profile_tuned_under_other_client_settings_says_which() {
        let queue = |max, threshold| {
            Some(FuseQueue {
                max_background: max,
                congestion_threshold: threshold,
            })
        };
        let mut tuned = profile(None, None);
        tuned.fuse_queue = queue(12, 9);
        let same = FsInfo {
            fuse_queue: queue(12, 9),
            ..fs()
        };
        assert_eq!(tuned.settings_changed(&same), None);
        let raised = FsInfo {
            read_ahead_kb: Some(1024),
            fuse_queue: queue(64, 48),
            ..fs()
        };
        let w = tuned.settings_changed(&raised).unwrap();
        assert!(
            w.contains("read_ahead_kb 128 then, 1024 now; FUSE queue 12/9 then, 64/48 now"),
            "{w}"
        );
        assert!(w.contains("`preload tune` it again"), "{w}");
        // fusectl not mounted now: the queue is not compared.
        let unknown = FsInfo {
            fuse_queue: None,
            ..fs()
        };
        assert_eq!(tuned.settings_changed(&unknown), None);
        assert_eq!(
            tuned.client_settings(),
            "readahead 128 KiB, FUSE queue 12/9"
        );
        tuned.read_ahead_kb = None;
        tuned.fuse_queue = None;
        assert_eq!(tuned.client_settings(), "unknown");
    }
}
