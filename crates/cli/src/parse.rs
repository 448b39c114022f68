//! Value parsers for clap: every option value is checked and typed where it
//! is parsed, so the command modules receive durations, sizes and levels,
//! never strings (as fd and hyperfine do).

use std::time::Duration;

/// The largest parallelism any option accepts (`-P`, `--max-level`).
pub const MAX_PARALLELISM: usize = 1024;

/// What a size may look like, said in every size error (the parser's own
/// wording names its internals, not the accepted forms).
pub const SIZE_FORMS: &str = "expected a size such as 64MiB, 1.5GiB or 4096 \
     (bytes; units KiB, MiB, GiB, TiB = powers of 1024, KB, MB, GB, TB = powers of 1000)";

/// What a duration may look like.
pub const DURATION_FORMS: &str =
    "expected a duration such as 30s, 1m 30s or 500ms (units ms, s, m, h)";

/// A human duration: `30s`, `1m 30s`, `500ms`.
pub fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|_| DURATION_FORMS.to_string())
}

/// A size in bytes: `64MiB`, `1GB`, `4096`.
pub fn size(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|_| SIZE_FORMS.to_string())
}

/// A parallelism level from 1 to [`MAX_PARALLELISM`]; anything else is
/// refused, never clamped.
pub fn level(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_PARALLELISM).contains(&n) => Ok(n),
        _ => Err(format!("expected a number from 1 to {MAX_PARALLELISM}")),
    }
}

/// A read method, with its names listed for `-h`, errors and shell
/// completion (the engine's type knows nothing of clap).
pub fn method() -> impl clap::builder::TypedValueParser<Value = preload_core::ReadMethod> {
    use clap::builder::TypedValueParser;
    let names = preload_core::ReadMethod::ALL.map(|m| m.as_str());
    clap::builder::PossibleValuesParser::new(names)
        .map(|s| s.parse().expect("every listed name parses"))
}

/// The schedule a user may choose (`plan` is the tune's own), typed at the
/// edge as [`method`] is.
pub fn schedule() -> impl clap::builder::TypedValueParser<Value = preload_core::engine::Scheduling>
{
    use clap::builder::TypedValueParser;
    use preload_core::engine::Scheduling;
    let names = [Scheduling::AroundStalls, Scheduling::SpreadFiles].map(Scheduling::as_str);
    clap::builder::PossibleValuesParser::new(names)
        .map(|s| s.parse().expect("every listed name parses"))
}

/// A count of at least 1.
pub fn at_least_one(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number of at least 1".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_or_refused() {
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(duration("soon").is_err());
        assert_eq!(size("2KiB"), Ok(2048));
        assert!(size("lots").is_err());
        assert_eq!(level("16"), Ok(16));
        assert!(level("0").is_err() && level("1025").is_err() && level("x").is_err());
        assert_eq!(at_least_one("3"), Ok(3));
        assert!(at_least_one("0").is_err());
    }
}
