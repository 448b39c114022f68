//! Which injected faults apply to a file, and to a read of it.

use std::path::Path;
use std::time::Duration;

use globset::{Glob, GlobMatcher};

use crate::error::SimfsError;
use crate::model::Faults;

/// [`Faults`] with the globs compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultMatcher {
    eio: Option<GlobMatcher>,
    eio_after: Option<u64>,
    stall: Option<(GlobMatcher, Duration)>,
    shrink: Option<GlobMatcher>,
}

/// The faults that apply to one open file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FilePlan {
    /// Reads reaching past this offset fail with EIO (0: every read fails).
    pub(crate) eio_from: Option<u64>,
    /// Extra delay of the first read of the handle.
    pub(crate) stall: Duration,
    /// The file reads as if it had shrunk to half its size.
    pub(crate) shrink: bool,
}

fn compile(glob: &str) -> Result<GlobMatcher, SimfsError> {
    Glob::new(glob)
        .map(|g| g.compile_matcher())
        .map_err(|source| SimfsError::Glob {
            glob: glob.to_owned(),
            source,
        })
}

impl FaultMatcher {
    /// Compiles the globs of `faults`.
    pub(crate) fn new(faults: &Faults) -> Result<Self, SimfsError> {
        Ok(Self {
            eio: faults.eio_glob.as_deref().map(compile).transpose()?,
            eio_after: faults.eio_after_bytes,
            stall: match &faults.stall {
                Some(s) => Some((compile(&s.glob)?, s.duration)),
                None => None,
            },
            shrink: faults.shrink_glob.as_deref().map(compile).transpose()?,
        })
    }

    /// The faults for the file at `rel` (relative to the backing root).
    pub(crate) fn plan(&self, rel: &Path) -> FilePlan {
        let eio_from = match (&self.eio, self.eio_after) {
            (Some(g), after) if g.is_match(rel) => Some(after.unwrap_or(0)),
            (Some(_), _) => None,
            (None, after) => after,
        };
        let stall = match &self.stall {
            Some((g, d)) if g.is_match(rel) => *d,
            _ => Duration::ZERO,
        };
        let shrink = self.shrink.as_ref().is_some_and(|g| g.is_match(rel));
        FilePlan {
            eio_from,
            stall,
            shrink,
        }
    }
}

impl FilePlan {
    /// Whether a read of `len` bytes at `offset` fails with EIO.
    pub(crate) fn fails(&self, offset: u64, len: u64) -> bool {
        self.eio_from
            .is_some_and(|from| from == 0 || (len > 0 && offset.saturating_add(len) > from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stall;

    fn faults() -> Faults {
        Faults {
            eio_glob: Some("*.bad".into()),
            eio_after_bytes: None,
            stall: Some(Stall {
                glob: "slow/*".into(),
                duration: Duration::from_secs(1),
            }),
            shrink_glob: Some("**/shrink*".into()),
        }
    }

    #[test]
    fn glob_matches_relative_paths_across_directories() {
        let m = FaultMatcher::new(&faults()).unwrap();
        assert_eq!(m.plan(Path::new("a/b.bad")).eio_from, Some(0));
        assert_eq!(m.plan(Path::new("b.good")).eio_from, None);
        assert_eq!(m.plan(Path::new("slow/x")).stall, Duration::from_secs(1));
        assert_eq!(m.plan(Path::new("fast/x")).stall, Duration::ZERO);
        assert!(m.plan(Path::new("d/shrink.bin")).shrink);
        assert!(!m.plan(Path::new("d/other.bin")).shrink);
    }

    #[test]
    fn eio_after_bytes_alone_applies_to_every_file() {
        let f = Faults {
            eio_after_bytes: Some(4096),
            ..Faults::default()
        };
        let plan = FaultMatcher::new(&f).unwrap().plan(Path::new("any"));
        assert!(!plan.fails(0, 4096));
        assert!(plan.fails(0, 4097));
        assert!(plan.fails(8192, 10));
        assert!(!plan.fails(8192, 0), "a read at end of file is not a fault");
    }

    #[test]
    fn eio_from_zero_fails_every_read() {
        let plan = FilePlan {
            eio_from: Some(0),
            ..FilePlan::default()
        };
        assert!(plan.fails(0, 0));
        assert!(plan.fails(100, 10));
    }

    #[test]
    fn bad_glob_is_an_error_naming_it() {
        let f = Faults {
            shrink_glob: Some("a[".into()),
            ..Faults::default()
        };
        let err = FaultMatcher::new(&f).unwrap_err();
        assert!(err.to_string().contains("a["), "{err}");
    }
}
