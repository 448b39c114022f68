//! Baselines and history for `tune` and `bench`: save, compare, append.

use std::path::PathBuf;

use anyhow::{Context, Result};
use preload_compare::{CompareOptions, FailOn, baseline, compare, exit_code, history};
use preload_schema::ResultFile;

use crate::args::RegressionArgs;
use crate::exit::Exit;
use crate::output;

/// What to do with a finished run, resolved before the run starts so a bad
/// baseline name fails before minutes of measuring.
#[derive(Debug)]
pub struct Plan {
    save: Option<String>,
    base: Option<(PathBuf, ResultFile)>,
    dir: PathBuf,
    fail_on: FailOn,
    opts: CompareOptions,
    history: Option<PathBuf>,
    markdown: Option<PathBuf>,
}

impl Plan {
    pub fn resolve(args: &RegressionArgs) -> Result<Plan> {
        let base = args
            .baseline
            .as_deref()
            .map(|name| baseline::load(&args.baseline_dir, name))
            .transpose()?;
        let opts = CompareOptions {
            noise_threshold: args.noise_threshold,
            ..CompareOptions::default()
        };
        opts.validate()?;
        Ok(Plan {
            save: args.save_baseline.clone(),
            base,
            dir: args.baseline_dir.clone(),
            fail_on: args.fail_on.parse().map_err(anyhow::Error::msg)?,
            opts,
            history: args.history.clone(),
            markdown: args.markdown.clone(),
        })
    }
}

/// Compares, saves and appends as asked; the exit code says whether it regressed.
pub fn finish(plan: &Plan, result: &ResultFile) -> Result<Exit> {
    let mut verdict = None;
    let mut exit = Exit::Success;
    if let Some((path, base)) = &plan.base {
        let cmp =
            compare(base, result, &plan.opts)?.with_labels(path.display().to_string(), "this run");
        eprint!("{}", cmp.to_table());
        if let Some(md) = &plan.markdown {
            std::fs::write(md, cmp.to_markdown())
                .with_context(|| format!("writing {}", md.display()))?;
        }
        if exit_code(&cmp, plan.fail_on) != 0 {
            exit = Exit::Partial;
        }
        verdict = Some(cmp.overall);
    }
    if let Some(name) = &plan.save {
        let path = baseline::save(&plan.dir, name, result)?;
        eprintln!("saved baseline {name} to {}", path.display());
    }
    if let Some(h) = &plan.history {
        history::append(h, &history::row_for(result, verdict.as_ref()))?;
    }
    if exit != Exit::Success {
        output::warn("regression against the baseline");
    }
    Ok(exit)
}
