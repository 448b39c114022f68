//! `preload status` and `preload evict`.

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::Result;
use preload_core::walk::{Filter, walk};
use preload_core::{CoreError, residency};
use preload_schema::{EvictReport, Failure, Residency, StatusReport};
use preload_table::Table;
use serde::Serialize;

use crate::config::Inputs;
use crate::exit::Exit;
use crate::output::{self, selection, summary};

/// `min`: the resident fraction below which the exit code is 6.
pub fn status(inputs: &Inputs, json: bool, total_only: bool, min: Option<f64>) -> Result<Exit> {
    let report = match run_and_print(inputs, json, residency::status, |report| {
        let mut out = String::new();
        if !total_only {
            let mut table = Table::new(&["#Resident", "File"]);
            for f in &report.files {
                table.row([file_residency(&f.residency), f.shown_path().to_string()]);
            }
            out.push_str(&table.to_text());
        }
        let _ = writeln!(
            out,
            "total: {} resident in {}",
            summary::residency(&report.total),
            preload_report::count(report.files.len() as u64, "file")
        );
        out
    })? {
        Ok(report) => report,
        Err(exit) => return Ok(exit),
    };
    if let Some(min) = min
        && report.total.fraction() < min
    {
        diag!(
            "preload: {} resident, below --min {}",
            summary::percent(report.total.fraction()),
            summary::percent(min)
        );
        return Ok(Exit::BelowMinimum);
    }
    Ok(exit_for(&report.failed, &report.total))
}

pub fn evict(inputs: &Inputs, json: bool, total_only: bool) -> Result<Exit> {
    let report = match run_and_print(inputs, json, residency::evict_all, |report| {
        let mut out = String::new();
        if !total_only {
            let mut table = Table::new(&["#Before", "#After", "File"]);
            for f in &report.files {
                table.row([
                    file_residency(&f.before),
                    file_residency(&f.after),
                    f.shown_path().to_string(),
                ]);
            }
            out.push_str(&table.to_text());
        }
        let _ = writeln!(
            out,
            "evicted {}: resident before {}, after {}",
            preload_report::count(report.files.len() as u64, "file"),
            summary::residency(&report.before),
            summary::residency(&report.after)
        );
        out
    })? {
        Ok(report) => report,
        Err(exit) => return Ok(exit),
    };
    Ok(exit_for(&report.failed, &report.after))
}

/// What the reports of status and evict share: a file list and failures.
trait FileReport: Serialize {
    fn no_files(&self) -> bool;
    fn failed(&self) -> &[Failure];
}

impl FileReport for StatusReport {
    fn no_files(&self) -> bool {
        self.files.is_empty()
    }
    fn failed(&self) -> &[Failure] {
        &self.failed
    }
}

impl FileReport for EvictReport {
    fn no_files(&self) -> bool {
        self.files.is_empty()
    }
    fn failed(&self) -> &[Failure] {
        &self.failed
    }
}

/// Runs `job` on the files the inputs select and prints its report (JSON
/// with `--json`, else `text`), then its failures; `Err(exit)` when nothing
/// was selected and the command ends there.
fn run_and_print<R: FileReport>(
    inputs: &Inputs,
    json: bool,
    job: impl FnOnce(&[PathBuf], &Filter) -> Result<R, CoreError>,
    text: impl FnOnce(&R) -> String,
) -> Result<Result<R, Exit>> {
    let filter = Filter::new(&inputs.include, &inputs.exclude)?;
    let report = job(&inputs.paths, &filter)?;
    if report.no_files()
        && let Some(exit) = nothing_selected(inputs, &filter, report.failed())?
    {
        return Ok(Err(exit));
    }
    if json {
        output::stdout(&output::json(&report))?;
    } else {
        output::stdout(&text(&report))?;
    }
    print_failures(report.failed());
    Ok(Ok(report))
}

/// Failures first (exit 1), then residency that could not be measured (exit 5).
fn exit_for(failed: &[Failure], residency: &Residency) -> Exit {
    if !failed.is_empty() {
        Exit::Partial
    } else if residency.unknown_bytes > 0 {
        Exit::ResidencyUnknown
    } else {
        Exit::Success
    }
}

/// One file's residency in a column: `100%`, `~97.5%` (sampled), `?` (unknown).
fn file_residency(r: &Residency) -> String {
    if r.unknown_bytes > 0 {
        "?".into()
    } else if r.sampled_bytes > 0 {
        format!("~{}", summary::percent(r.fraction()))
    } else {
        summary::percent(r.fraction())
    }
}

fn print_failures(failed: &[Failure]) {
    for f in failed {
        diag!("preload: {}: {}", f.shown_path(), f.error);
    }
}

/// With no file in the report: walks again to tell an empty selection (exit
/// 4, unless `--allow-empty`) from selected files that all failed, and to
/// say what the filters left out. Only this rare path pays for the second
/// walk. None when the command should go on and print its report.
fn nothing_selected(inputs: &Inputs, filter: &Filter, failed: &[Failure]) -> Result<Option<Exit>> {
    if inputs.allow_empty {
        return Ok(None);
    }
    let walked = walk(&inputs.paths, filter)?;
    if !walked.files.is_empty() {
        return Ok(None);
    }
    print_failures(failed);
    diag!(
        "preload: {}",
        selection::nothing_selected(&inputs.paths, &walked)
    );
    Ok(Some(Exit::NothingSelected))
}
