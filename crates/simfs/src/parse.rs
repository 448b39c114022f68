//! Parsers of the flag values of `preload-simfs`: durations, sizes, rates and
//! the `A:B` / `A@B` pairs of the storage shapes; errors say what was expected.

use std::time::Duration;

use bytesize::ByteSize;
use preload_simfs::{Burst, Contention, Stall, Tail};

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (try e.g. 2ms, 0.5ms, 1s)"))
}

pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| format!("{e} (try e.g. 4096, 64KiB, 1MiB)"))
}

/// `50MiB/s`, `400MB/s` or a plain size (bytes per second).
pub(crate) fn parse_rate(s: &str) -> Result<u64, String> {
    let size = s.trim().strip_suffix("/s").unwrap_or(s.trim());
    let rate = parse_bytes(size).map_err(|_| format!("invalid rate {s:?} (try e.g. 50MiB/s)"))?;
    if rate == 0 {
        return Err("a rate must be above zero".into());
    }
    Ok(rate)
}

pub(crate) fn parse_nonzero_bytes(s: &str) -> Result<u64, String> {
    match parse_bytes(s)? {
        0 => Err("a size must be above zero".into()),
        n => Ok(n),
    }
}

/// A number in `[0, 1]`, or a percentage (`1%`).
fn parse_fraction(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (number, scale) = match s.strip_suffix('%') {
        Some(pct) => (pct, 0.01),
        None => (s, 1.0),
    };
    let value = number
        .trim()
        .parse::<f64>()
        .map(|v| v * scale)
        .map_err(|_| format!("invalid fraction {s:?} (try e.g. 0.01 or 1%)"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("fraction {s:?} is not between 0 and 1"))
    }
}

fn parse_factor(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f >= 0.0 => Ok(f),
        _ => Err(format!(
            "invalid factor {s:?}: expected a number >= 0, e.g. 0.25"
        )),
    }
}

/// `s` split at its first `sep`, or the error naming the option (`what`)
/// and its expected `form`: how every two-part value is taken apart.
fn split_pair<'a>(
    s: &'a str,
    sep: char,
    what: &str,
    form: &str,
) -> Result<(&'a str, &'a str), String> {
    s.split_once(sep)
        .ok_or_else(|| format!("invalid {what} {s:?}: expected {form}"))
}

/// `FRACTION:FACTOR`, e.g. `0.01:20` or `1%:20`.
pub(crate) fn parse_tail(s: &str) -> Result<Tail, String> {
    let (fraction, factor) = split_pair(s, ':', "tail", "FRACTION:FACTOR, e.g. 0.01:20")?;
    Ok(Tail {
        fraction: parse_fraction(fraction)?,
        factor: parse_factor(factor)?,
    })
}

/// `BYTES@RATE`, e.g. `1GiB@800MiB/s`.
pub(crate) fn parse_burst(s: &str) -> Result<Burst, String> {
    let (bytes, rate) = split_pair(s, '@', "burst", "BYTES@RATE, e.g. 1GiB@800MiB/s")?;
    Ok(Burst {
        bytes: parse_nonzero_bytes(bytes)?,
        rate: parse_rate(rate)?,
    })
}

/// `N:FACTOR`, e.g. `8:0.25`.
pub(crate) fn parse_contention(s: &str) -> Result<Contention, String> {
    let (limit, factor) = split_pair(s, ':', "contention", "N:FACTOR, e.g. 8:0.25")?;
    let limit = limit.trim().parse::<usize>().map_err(|_| {
        format!("invalid contention limit {limit:?}: expected a whole number of streams")
    })?;
    Ok(Contention {
        limit,
        factor: parse_factor(factor)?,
    })
}

/// `GLOB:DURATION`, split at the last colon.
pub(crate) fn parse_stall(s: &str) -> Result<Stall, String> {
    let (glob, duration) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("invalid stall {s:?}: expected GLOB:DURATION, e.g. '*.bin:5s'"))?;
    if glob.is_empty() {
        return Err(format!("invalid stall {s:?}: empty glob"));
    }
    Ok(Stall {
        glob: glob.to_owned(),
        duration: parse_duration(duration)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_accept_decimal_and_plain_units() {
        assert_eq!(parse_rate("400MB/s"), Ok(400_000_000));
        assert_eq!(parse_rate("1024"), Ok(1024));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("0/s").is_err());
    }

    #[test]
    fn shape_flags_reject_what_they_cannot_mean() {
        assert_eq!(parse_tail("0.1:3").map(|t| t.factor), Ok(3.0));
        assert!(parse_tail("2:3").is_err(), "fraction above 1");
        assert!(parse_tail("0.1").is_err());
        assert!(parse_tail("0.1:-1").is_err());
        assert!(parse_burst("1GiB").is_err());
        assert!(parse_burst("0@1MiB/s").is_err());
        assert!(parse_burst("1GiB@0/s").is_err());
        assert!(parse_contention("x:1").is_err());
        assert!(parse_contention("8:inf").is_err());
        assert!(parse_nonzero_bytes("0").is_err());
    }

    #[test]
    fn stall_needs_glob_and_duration() {
        assert!(parse_stall("x").is_err());
        assert!(parse_stall(":1s").is_err());
        assert!(parse_stall("x:soon").is_err());
    }
}
