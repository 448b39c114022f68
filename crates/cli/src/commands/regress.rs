//! Baselines and history for `tune` and `bench`: save, compare, append.

use std::path::PathBuf;

use anyhow::{Context, Result};
use preload_compare::{CompareConfig, CompareError, FailOn, baseline, compare, exit_code, history};
use preload_schema::ResultFile;
use preload_schema::name::escaped;

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
    opts: CompareConfig,
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
        // Refused here, before the run: an interrupted baseline would make
        // every later verdict meaningless.
        if let Some((path, b)) = &base
            && b.interrupted()
            && !args.allow_interrupted
        {
            return Err(CompareError::Interrupted {
                which: "baseline run",
            })
            .with_context(|| format!("baseline {}", escaped(path)));
        }
        let opts = CompareConfig {
            noise_threshold: args.noise_threshold,
            allow_interrupted: args.allow_interrupted,
            ..CompareConfig::default()
        };
        opts.validate()?;
        Ok(Plan {
            save: args.save_baseline.clone(),
            base,
            dir: args.baseline_dir.clone(),
            fail_on: args.fail_on,
            opts,
            history: args.history.clone(),
            markdown: args.markdown.clone(),
        })
    }

    /// True when the plan compares, saves or records anything.
    fn does_anything(&self) -> bool {
        self.base.is_some() || self.save.is_some() || self.history.is_some()
    }
}

/// Compares, saves and appends as asked; the exit code says whether it
/// regressed. An interrupted run is none of these (unless
/// `--allow-interrupted`): it ends in [`Exit::Interrupted`], the code of a
/// stopped run, with a line saying what was not done.
pub fn finish(plan: &Plan, result: &ResultFile) -> Result<Exit> {
    if result.interrupted() && !plan.opts.allow_interrupted {
        if plan.does_anything() {
            output::warn(
                "this run was interrupted: not compared with a baseline, not saved as one and \
                 not added to the history (--allow-interrupted to do so anyway)",
            );
        }
        return Ok(Exit::Interrupted);
    }
    let mut verdict = None;
    let mut exit = Exit::Success;
    if let Some((path, base)) = &plan.base {
        let cmp =
            compare(base, result, &plan.opts)?.with_labels(escaped(path).to_string(), "this run");
        diag_part!("{}", cmp.to_table());
        if let Some(md) = &plan.markdown {
            std::fs::write(md, cmp.to_markdown())
                .with_context(|| format!("writing {}", escaped(md)))?;
        }
        if exit_code(&cmp, plan.fail_on) != 0 {
            exit = Exit::Regressed;
        }
        verdict = Some(cmp.overall);
    }
    if let Some(name) = &plan.save {
        let path = baseline::save(&plan.dir, name, result)?;
        diag!("saved baseline {name} to {}", escaped(&path));
    }
    if let Some(h) = &plan.history {
        history::append(h, &history::row_for(result, verdict.as_ref()))?;
    }
    if exit != Exit::Success {
        output::warn("regression against the baseline");
    }
    Ok(exit)
}
