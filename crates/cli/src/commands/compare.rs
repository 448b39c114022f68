//! `preload compare BASE NEW`: is the new result a regression of the base?
//! BASE is a result file or the name of a stored baseline.

use anyhow::{Context, Result};
use preload_compare::{CompareConfig, baseline, compare, exit_code};
use preload_schema::ResultFile;
use preload_schema::name::escaped;

use crate::args::CompareArgs;
use crate::exit::Exit;
use crate::output;

/// Loads both files, prints the comparison (table or JSON) and maps the
/// verdict to an exit code: 0 fine, 1 regressed (or changed, with
/// `--fail-on any-change`); errors, incomparable runs and (without
/// `--allow-interrupted`) results of interrupted runs included, end in 2.
pub fn run(args: &CompareArgs) -> Result<Exit> {
    let fail_on = args.fail_on;
    let opts = CompareConfig {
        noise_threshold: args.noise_threshold,
        allow_interrupted: args.allow_interrupted,
        ..CompareConfig::default()
    };
    opts.validate()?;
    let (base_path, base) = baseline::load(&args.baseline_dir, &args.base)?;
    // Said when BASE was a name, so a stored baseline is never taken for a
    // file of that name (the table's `base:` line names the file either way).
    if base_path.as_os_str() != args.base.as_str() {
        diag!(
            "baseline: stored baseline {} ({})",
            args.base,
            escaped(&base_path)
        );
    }
    let new = ResultFile::load(&args.new)?;
    let cmp = compare(&base, &new, &opts)
        .with_context(|| {
            format!(
                "comparing {} with {}",
                escaped(&args.new),
                escaped(&base_path)
            )
        })?
        .with_labels(
            escaped(&base_path).to_string(),
            escaped(&args.new).to_string(),
        );
    if let Some(md) = &args.markdown {
        std::fs::write(md, cmp.to_markdown())
            .with_context(|| format!("writing {}", escaped(md)))?;
    }
    if args.json {
        output::stdout(&format!("{}\n", cmp.to_json()))?;
    } else {
        output::stdout(&cmp.to_table())?;
    }
    Ok(if exit_code(&cmp, fail_on) == 0 {
        Exit::Success
    } else {
        Exit::Regressed
    })
}
