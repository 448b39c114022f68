//! `preload status` and `preload evict`.

use std::fmt::Write;

use anyhow::Result;
use preload_core::residency;
use preload_core::walk::Filter;

use crate::config::Inputs;
use crate::exit::Exit;
use crate::output::{self, summary};

pub fn status(inputs: &Inputs, json: bool, total_only: bool) -> Result<Exit> {
    let filter = Filter::new(&inputs.include, &inputs.exclude)?;
    let report = residency::status(&inputs.paths, &filter)?;
    if json {
        output::stdout(&output::json(&report));
    } else {
        let mut out = String::new();
        if !total_only {
            for f in &report.files {
                let _ = writeln!(out, "{:>5.1}%  {}", 100.0 * f.residency.fraction(), f.path);
            }
        }
        let _ = writeln!(
            out,
            "total: {} resident in {} files",
            summary::residency(&report.total),
            report.files.len()
        );
        output::stdout(&out);
    }
    for f in &report.failed {
        eprintln!("preload: {}: {}", f.path, f.error);
    }
    Ok(if report.failed.is_empty() {
        Exit::Success
    } else {
        Exit::Partial
    })
}

pub fn evict(inputs: &Inputs, json: bool, total_only: bool) -> Result<Exit> {
    let filter = Filter::new(&inputs.include, &inputs.exclude)?;
    let report = residency::evict_all(&inputs.paths, &filter)?;
    if json {
        output::stdout(&output::json(&report));
    } else {
        let mut out = String::new();
        if !total_only {
            for f in &report.files {
                let _ = writeln!(
                    out,
                    "{:>5.1}% -> {:>5.1}%  {}",
                    100.0 * f.before.fraction(),
                    100.0 * f.after.fraction(),
                    f.path
                );
            }
        }
        let _ = writeln!(
            out,
            "evicted {} files: resident before {}, after {}",
            report.files.len(),
            summary::residency(&report.before),
            summary::residency(&report.after)
        );
        output::stdout(&out);
    }
    for f in &report.failed {
        eprintln!("preload: {}: {}", f.path, f.error);
    }
    Ok(if report.failed.is_empty() {
        Exit::Success
    } else {
        Exit::Partial
    })
}
