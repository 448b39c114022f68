//! From what the user typed to what the program runs with.
//!
//! Everything that can be wrong with the arguments is found here, before any
//! work starts, and reported as a usage error (exit 2).

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use preload_core::engine::Scheduling;
use preload_core::plan::MIN_CHUNK_SIZE;
use preload_core::{Order, ReadMethod};
use preload_schema::name::escaped;
use preload_tune::LevelRequest;

use crate::args::{InputArgs, WarmArgs};
use crate::parse::MAX_PARALLELISM;

/// Which files, resolved.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Paths from the command line, then from --files-from.
    pub paths: Vec<PathBuf>,
    /// --include globs.
    pub include: Vec<String>,
    /// --exclude globs.
    pub exclude: Vec<String>,
    /// --allow-empty: an empty selection is a success.
    pub allow_empty: bool,
}

/// `preload warm`, resolved.
#[derive(Debug, Clone)]
pub struct WarmConfig {
    pub inputs: Inputs,
    pub parallelism: LevelRequest,
    /// None: the profile's measured method, else read.
    pub method: Option<ReadMethod>,
    /// None: the profile's measured chunk size, else the default.
    pub chunk_size: Option<u64>,
    /// None: the profile's measured schedule, else spread.
    pub schedule: Option<Scheduling>,
    pub buffer_size: usize,
    pub max_bytes: Option<u64>,
    pub order: Order,
    pub skip_resident: bool,
    /// `--keep-open`.
    pub keep_open: bool,
    /// False with `--no-join`: never wait for another warm of the tree.
    pub join: bool,
    /// `--max-rate`.
    pub max_rate: Option<crate::rate::MaxRate>,
    /// `--backoff`.
    pub backoff: bool,
    pub json: bool,
    pub quiet: bool,
}

impl Inputs {
    pub fn resolve(args: &InputArgs) -> Result<Inputs> {
        let mut paths = args.paths.clone();
        if let Some(list) = &args.files_from {
            paths.extend(read_list(list, args.null)?);
        }
        if paths.is_empty() {
            bail!("no PATH given (pass files or directories, or --files-from FILE)");
        }
        Ok(Inputs {
            paths,
            include: args.include.clone(),
            exclude: args.exclude.clone(),
            allow_empty: args.allow_empty,
        })
    }
}

impl WarmConfig {
    pub fn resolve(args: &WarmArgs) -> Result<WarmConfig> {
        let parallelism = match args.read.parallelism.as_deref() {
            None => LevelRequest::Unset,
            Some("auto") => LevelRequest::Auto,
            Some(n) => match n.parse::<usize>() {
                Ok(n) if (1..=MAX_PARALLELISM).contains(&n) => LevelRequest::Fixed(n),
                _ => bail!(
                    "invalid -P {n:?}: expected a number from 1 to {MAX_PARALLELISM}, or 'auto'"
                ),
            },
        };
        let chunk_size = args
            .read
            .chunk_size
            .as_deref()
            .map(|s| parse_size(s, "--chunk-size"))
            .transpose()?;
        let buffer_size = parse_size(&args.read.buffer_size, "--buffer-size")?;
        // A tiny chunk size made the plan cost 24 bytes per byte of data; see
        // preload_core::plan for the minimum's reasoning.
        if chunk_size.is_some_and(|s| s < MIN_CHUNK_SIZE) {
            bail!(
                "invalid --chunk-size {:?}: the minimum is {}",
                args.read.chunk_size.as_deref().unwrap_or_default(),
                preload_core::human_bytes(MIN_CHUNK_SIZE)
            );
        }
        if !(4096..=1 << 30).contains(&buffer_size) {
            bail!(
                "invalid --buffer-size {:?}: expected 4KiB to 1GiB",
                args.read.buffer_size
            );
        }
        Ok(WarmConfig {
            inputs: Inputs::resolve(&args.input)?,
            parallelism,
            method: args.read.method,
            chunk_size,
            schedule: args.read.schedule,
            buffer_size: buffer_size as usize,
            max_bytes: args
                .max_bytes
                .as_deref()
                .map(|s| parse_size(s, "--max-bytes"))
                .transpose()?,
            order: args.read.order.parse().map_err(anyhow::Error::msg)?,
            skip_resident: !args.no_skip_resident,
            keep_open: args.read.keep_open,
            join: !args.read.no_join,
            max_rate: args
                .max_rate
                .as_deref()
                .map(|s| crate::rate::parse_max_rate(s, &|var| std::env::var(var).ok()))
                .transpose()?,
            backoff: args.backoff,
            json: args.json,
            quiet: args.quiet,
        })
    }
}

/// Parses `--min PCT`: `99%`, `99.5` (percent), into a fraction 0..=1.
pub fn parse_percent(s: Option<&str>) -> Result<Option<f64>> {
    let Some(s) = s else { return Ok(None) };
    let n = s.trim().trim_end_matches('%').trim();
    match n.parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(Some(p / 100.0)),
        _ => bail!("invalid --min {s:?}: expected a percentage from 0 to 100, e.g. 99%"),
    }
}

pub fn parse_size(s: &str, flag: &str) -> Result<u64> {
    crate::parse::size(s).map_err(|e| anyhow::anyhow!("invalid {flag} {s:?}: {e}"))
}

/// Reads a list of paths from a file or stdin (`-`), newline or NUL separated.
/// Bytes are taken as they are, so names that are not UTF-8 survive.
fn read_list(source: &Path, null: bool) -> Result<Vec<PathBuf>> {
    let mut data = Vec::new();
    if source == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut data)
            .context("reading the path list from stdin")?;
    } else {
        data = std::fs::read(source)
            .with_context(|| format!("reading the path list {}", escaped(source)))?;
    }
    let sep = if null { b'\0' } else { b'\n' };
    Ok(data
        .split(|&b| b == sep)
        .filter(|entry| !entry.is_empty())
        .map(|entry| PathBuf::from(OsStr::from_bytes(entry)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_binary_and_decimal_units() {
        assert_eq!(parse_size("32MiB", "x").unwrap(), 32 << 20);
        assert_eq!(parse_size("1 GB", "x").unwrap(), 1_000_000_000);
        assert_eq!(parse_size("4096", "x").unwrap(), 4096);
        assert!(
            parse_size("lots", "--max-bytes")
                .unwrap_err()
                .to_string()
                .contains("--max-bytes")
        );
    }

    #[test]
    fn percentages_take_an_optional_sign() {
        assert_eq!(parse_percent(Some("99%")).unwrap(), Some(0.99));
        assert_eq!(parse_percent(Some(" 50 ")).unwrap(), Some(0.5));
        assert_eq!(parse_percent(None).unwrap(), None);
        assert!(parse_percent(Some("101%")).is_err());
        assert!(parse_percent(Some("most")).is_err());
    }

    #[test]
    fn nul_separated_lists_keep_newlines_in_names() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("list");
        std::fs::write(&list, b"a\nb\0c\0").unwrap();
        let paths = read_list(&list, true).unwrap();
        assert_eq!(paths, [PathBuf::from("a\nb"), PathBuf::from("c")]);
        let paths = read_list(&list, false).unwrap();
        assert_eq!(paths.len(), 2);
    }
}
