//! Documented exit codes, in one place.

/// How `preload` ends. The numbers ([`Exit::code`]) are part of the
/// interface (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything was read (or the command did what it was asked).
    Success,
    /// Some files failed to read; the rest were read.
    Partial,
    /// tune, bench or compare: a regression against the baseline. It shares
    /// code 1 with [`Exit::Partial`]: both mean "done, but not all good",
    /// which is what a CI step tests for.
    Regressed,
    /// Usage error or fatal error: nothing useful was done (also: the result
    /// could not be written to stdout, or compare refused an interrupted result).
    Fatal,
    /// The reading worked but the filesystem did not keep the pages:
    /// warming cannot help on this mount.
    NotRetained,
    /// No regular file was selected: the inputs hold none, or the filters
    /// left none (a mistyped mount or glob). `--allow-empty` makes it a success.
    NothingSelected,
    /// `status`/`evict`: the residency of some files could not be measured
    /// by this user on this mount (reported as unknown, never as resident).
    ResidencyUnknown,
    /// `status --min PCT`: less than PCT of the bytes is resident (unknown
    /// residency counts as not resident). Its own code so a probe can tell
    /// "not warm yet" from an error (2) or a failed file (1).
    BelowMinimum,
    /// Stopped by SIGINT/SIGTERM, after a clean stop and a partial summary.
    Interrupted,
}

impl Exit {
    /// The process exit status.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Partial | Exit::Regressed => 1,
            Exit::Fatal => 2,
            Exit::NotRetained => 3,
            Exit::NothingSelected => 4,
            Exit::ResidencyUnknown => 5,
            Exit::BelowMinimum => 6,
            Exit::Interrupted => 130,
        }
    }
}

/// Every exit code with its meaning, for the man page (README, "Exit codes", says the same).
pub const DOCUMENTED: &[(&str, &str)] = &[
    (
        "0",
        "everything was read (or the command did what it was asked)",
    ),
    (
        "1",
        "some files failed to read (the rest were read); tune, bench or compare: a regression against the baseline",
    ),
    ("2", "usage or fatal error"),
    (
        "3",
        "reading worked but the mount does not keep the pages: warming cannot help on this mount",
    ),
    (
        "4",
        "nothing selected: the inputs hold no regular file, or --include/--exclude left none (--allow-empty makes it 0)",
    ),
    (
        "5",
        "status/evict: the residency of some files could not be measured by this user on this mount",
    ),
    (
        "6",
        "status --min PCT: less than PCT of the bytes is resident",
    ),
    (
        "130",
        "interrupted (SIGINT/SIGTERM), after a clean stop and a partial summary",
    ),
    (
        "CMD's",
        "run: the exit status of CMD (128 + N when signal N killed it)",
    ),
];

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_is_documented_for_the_man_page() {
        for e in [
            Exit::Success,
            Exit::Partial,
            Exit::Regressed,
            Exit::Fatal,
            Exit::NotRetained,
            Exit::NothingSelected,
            Exit::ResidencyUnknown,
            Exit::BelowMinimum,
            Exit::Interrupted,
        ] {
            let code = e.code().to_string();
            assert!(
                DOCUMENTED.iter().any(|(c, _)| *c == code),
                "{e:?} ({code}) missing from DOCUMENTED"
            );
        }
    }
}
