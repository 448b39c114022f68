//! `preload report RESULT... -o DIR`: charts, Markdown and HTML.

use anyhow::{Context, Result};
use preload_report::{
    ReportConfig, ReportInput, markdown_tables, write_history_report, write_report,
};
use preload_schema::name::escaped;

use crate::args::ReportArgs;
use crate::exit::Exit;
use crate::output;

/// Loads every result file (the first bad one stops the report, named in
/// the error), writes the report, prints the path of `report.html` on stdout
/// and the tables on stderr. `--history` adds the history report (in
/// `DIR/history` when there are result files too).
pub fn run(args: &ReportArgs) -> Result<Exit> {
    if args.labels.len() > args.results.len() {
        anyhow::bail!(
            "{} given for {}: one --label per RESULT, in the order of the results",
            preload_report::count(args.labels.len() as u64, "label"),
            preload_report::count(args.results.len() as u64, "result file")
        );
    }
    let mut inputs = args
        .results
        .iter()
        .map(|p| ReportInput::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    for (input, label) in inputs.iter_mut().zip(&args.labels) {
        input.label.clone_from(label);
    }
    let opts = ReportConfig {
        title: args.title.clone(),
        redact: args.redact,
        ..ReportConfig::default()
    };
    if !inputs.is_empty() {
        let files = write_report(&inputs, &args.out_dir, &opts)
            .with_context(|| format!("writing the report to {}", escaped(&args.out_dir)))?;
        for w in &files.warnings {
            output::warn(w);
        }
        diag_part!("{}", markdown_tables(&inputs));
        output::stdout(&format!("{}\n", escaped(&files.html)))?;
    }
    if let Some(history) = &args.history {
        let rows = preload_compare::history::read(history)?;
        let dir = if inputs.is_empty() {
            args.out_dir.clone()
        } else {
            args.out_dir.join("history")
        };
        let files = write_history_report(&rows, &dir, &opts)
            .with_context(|| format!("writing the history report to {}", escaped(&dir)))?;
        for w in &files.warnings {
            output::warn(w);
        }
        diag_part!("{}", preload_report::history_table(&rows));
        output::stdout(&format!("{}\n", escaped(&files.html)))?;
    }
    Ok(Exit::Success)
}
