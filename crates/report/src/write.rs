//! Putting a report together: charts first, then the pages that show them.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use preload_schema::{HistoryRow, ResultFile, TuneResult};

use crate::chart::coldstart::ColdStart;
use crate::chart::history::History;
use crate::chart::overlay::Overlay;
use crate::chart::scaling::Single;
use crate::chart::{self};
use crate::content::{self, ResultCharts};
use crate::doc::Block;
use crate::{ReportConfig, ReportError, ReportFiles, ReportInput, format, html, label, markdown};

/// See [`crate::write_report`].
pub(crate) fn results(
    inputs: &[ReportInput],
    out_dir: &Path,
    opts: &ReportConfig,
) -> Result<ReportFiles, ReportError> {
    if inputs.is_empty() {
        return Err(ReportError::Empty("no result files were given"));
    }
    create_dir(out_dir)?;
    let inputs = label::report_order(inputs);
    let labels = label::unique_labels(&inputs);
    let mut files = Vec::new();
    let mut charts = ResultCharts::default();

    let tunes: Vec<(&str, &TuneResult)> = inputs
        .iter()
        .zip(&labels)
        .filter_map(|(input, label)| match &input.result {
            ResultFile::Tune(t) => Some((label.as_str(), t)),
            ResultFile::Bench(_) => None,
        })
        .collect();
    if tunes.len() > 1 && (opts.png || opts.svg) {
        let title = format!("Throughput vs parallelism of {} tunes", tunes.len());
        let (r, f) = chart::render(
            &Overlay { series: tunes },
            &title,
            out_dir,
            "throughput-compare",
            opts,
        )?;
        charts.compare = Some(r);
        files.extend(f);
    }
    let mut stems: Vec<String> = Vec::new();
    for (input, label) in inputs.iter().zip(&labels) {
        let mut refs = Vec::new();
        if opts.png || opts.svg {
            let kind = match &input.result {
                ResultFile::Tune(_) => "throughput",
                ResultFile::Bench(_) => "coldstart",
            };
            let stem = unique_stem(&mut stems, &format!("{kind}-{}", format::slug(label)));
            let (r, f) = match &input.result {
                ResultFile::Tune(tune) => chart::render(
                    &Single { label, tune },
                    &format!("Throughput vs parallelism: {label}"),
                    out_dir,
                    &stem,
                    opts,
                )?,
                ResultFile::Bench(bench) => chart::render(
                    &ColdStart { label, bench },
                    &format!("Cold-start time per strategy: {label}"),
                    out_dir,
                    &stem,
                    opts,
                )?,
            };
            refs.push(r);
            files.extend(f);
        }
        charts.per_input.push(refs);
    }
    let page = content::Page {
        title: &opts.title,
        out_dir,
        redact: opts.redact,
    };
    let blocks = content::results_page(&page, &inputs, &labels, &charts);
    write_pages(&opts.title, &blocks, out_dir, files, Vec::new())
}

/// `stem`, or `stem-2`, `stem-3`... when an earlier chart took it (two
/// labels with the same slug).
fn unique_stem(taken: &mut Vec<String>, stem: &str) -> String {
    let mut candidate = stem.to_owned();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{stem}-{n}");
    }
    taken.push(candidate.clone());
    candidate
}

/// See [`crate::write_history_report`].
pub(crate) fn history(
    rows: &[HistoryRow],
    out_dir: &Path,
    opts: &ReportConfig,
) -> Result<ReportFiles, ReportError> {
    if rows.is_empty() {
        return Err(ReportError::Empty("the history has no rows"));
    }
    create_dir(out_dir)?;
    let mut warnings = Vec::new();
    let mut timed: Vec<(f64, &HistoryRow)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match DateTime::parse_from_rfc3339(row.date.trim()) {
            Ok(d) => timed.push((
                d.timestamp() as f64 + f64::from(d.timestamp_subsec_millis()) / 1000.0,
                row,
            )),
            Err(e) => warnings.push(format!(
                "history row {} has an unreadable date {:?} ({e}); it is left out of the chart",
                i + 1,
                row.date
            )),
        }
    }
    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut files = Vec::new();
    let mut chart_ref = None;
    if !timed.is_empty() && (opts.png || opts.svg) {
        let title = "Throughput at the knee and at P=1, and the knee, over time";
        let (r, f) = chart::render(&History { rows: timed }, title, out_dir, "history", opts)?;
        chart_ref = Some(r);
        files.extend(f);
    }
    let blocks = content::history_page(&opts.title, rows, chart_ref, &warnings);
    write_pages(&opts.title, &blocks, out_dir, files, warnings)
}

fn write_pages(
    title: &str,
    blocks: &[Block],
    out_dir: &Path,
    charts: Vec<PathBuf>,
    warnings: Vec<String>,
) -> Result<ReportFiles, ReportError> {
    let markdown = out_dir.join("report.md");
    write_file(&markdown, &markdown::render(blocks))?;
    let html = out_dir.join("report.html");
    write_file(&html, &html::render(title, blocks, out_dir)?)?;
    Ok(ReportFiles {
        markdown,
        html,
        charts,
        warnings,
    })
}

fn create_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    std::fs::write(path, text).map_err(|source| ReportError::Io {
        path: path.to_owned(),
        source,
    })
}
