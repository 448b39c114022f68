//! Documented exit codes, in one place.

/// How `preload` ends. The numbers are part of the interface (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything was read (or the command did what it was asked).
    Success = 0,
    /// Some files failed to read; the rest were read (also: compare found a regression).
    Partial = 1,
    /// Usage error or fatal error: nothing useful was done (also: the result
    /// could not be written to stdout, or compare refused an interrupted result).
    Fatal = 2,
    /// The reading worked but the filesystem did not keep the pages:
    /// warming cannot help on this mount.
    NotRetained = 3,
    /// No regular file was selected: the inputs hold none, or the filters
    /// left none (a mistyped mount or glob). `--allow-empty` makes it a success.
    NothingSelected = 4,
    /// `status`/`evict`: the residency of some files could not be measured
    /// by this user on this mount (reported as unknown, never as resident).
    ResidencyUnknown = 5,
    /// `status --min PCT`: less than PCT of the bytes is resident (unknown
    /// residency counts as not resident). Its own code so a probe can tell
    /// "not warm yet" from an error (2) or a failed file (1).
    BelowMinimum = 6,
    /// Stopped by SIGINT/SIGTERM, after a clean stop and a partial summary.
    Interrupted = 130,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}
