//! What the pages say: the blocks of the results and history pages.

use std::path::Path;

use preload_schema::{BenchResult, HistoryRow, ResultFile, RunContext, TuneResult};

use crate::doc::{Block, ChartRef, Field, Table};
use crate::format;
use crate::tables::{bench_table, history_table, tune_table};
use crate::{ReportInput, label, redact};

/// Charts of a results page.
#[derive(Debug, Default)]
pub(crate) struct ResultCharts {
    /// All tunes on one chart, when there are several.
    pub compare: Option<ChartRef>,
    /// The charts of each input, by input index.
    pub per_input: Vec<Vec<ChartRef>>,
}

/// What every block of a results page needs to know.
pub(crate) struct Page<'a> {
    pub title: &'a str,
    /// The report's directory: result files are named relative to it.
    pub out_dir: &'a Path,
    /// Leave out host names and shorten absolute paths (`--redact`).
    pub redact: bool,
}

impl Page<'_> {
    /// `text` as published: absolute paths shortened when redacting.
    fn shown(&self, text: &str) -> String {
        if self.redact {
            redact::paths(text)
        } else {
            text.to_owned()
        }
    }

    fn host(&self, c: &RunContext) -> String {
        if self.redact {
            "-".to_owned()
        } else {
            c.host.clone()
        }
    }
}

/// The results page; `labels` are the inputs' labels made unique.
pub(crate) fn results_page(
    page: &Page,
    inputs: &[&ReportInput],
    labels: &[String],
    charts: &ResultCharts,
) -> Vec<Block> {
    let mut blocks = vec![
        Block::Heading(1, page.title.to_owned()),
        Block::Paragraph(format!(
            "Written by preload-report {} from {} result file(s).",
            env!("CARGO_PKG_VERSION"),
            inputs.len()
        )),
        Block::Heading(2, "Results".to_owned()),
    ];
    let mut overview = Table::new(&[
        "Label",
        "Kind",
        "Date",
        "Host",
        "Filesystem",
        "Mount point",
        "File",
    ]);
    for (input, label) in inputs.iter().zip(labels) {
        let c = input.result.context();
        overview.row(vec![
            label.clone(),
            kind(&input.result).to_owned(),
            c.date.clone(),
            page.host(c),
            c.filesystem.fs_type.clone(),
            page.shown(&c.filesystem.mount_point),
            label::relative_to(&input.source, page.out_dir),
        ]);
    }
    blocks.push(Block::Table(overview));
    if let Some(compare) = &charts.compare {
        blocks.push(Block::Heading(2, "Throughput of every tune".to_owned()));
        blocks.push(Block::Chart(compare.clone()));
    }
    for (i, (input, label)) in inputs.iter().zip(labels).enumerate() {
        blocks.push(Block::Heading(
            2,
            format!("{}: {label}", kind(&input.result)),
        ));
        blocks.push(Block::Fields(context_fields(page, input)));
        match &input.result {
            ResultFile::Tune(t) => tune_blocks(t, &mut blocks),
            ResultFile::Bench(b) => bench_blocks(page, b, &mut blocks),
        }
        for chart in charts.per_input.get(i).into_iter().flatten() {
            blocks.push(Block::Chart(chart.clone()));
        }
        let warnings = match &input.result {
            ResultFile::Tune(t) => &t.warnings,
            ResultFile::Bench(b) => &b.warnings,
        };
        if !warnings.is_empty() {
            blocks.push(Block::Paragraph("Warnings:".to_owned()));
            blocks.push(Block::List(
                warnings.iter().map(|w| page.shown(w)).collect(),
            ));
        }
    }
    blocks
}

fn kind(result: &ResultFile) -> &'static str {
    match result {
        ResultFile::Tune(_) => "tune",
        ResultFile::Bench(_) => "bench",
    }
}

/// Where and when a result was measured.
fn context_fields(page: &Page, input: &ReportInput) -> Vec<Field> {
    let c: &RunContext = input.result.context();
    let dataset = match &input.result {
        ResultFile::Tune(t) => &t.dataset,
        ResultFile::Bench(b) => &b.dataset,
    };
    let fs = &c.filesystem;
    let mut fields = vec![
        Field::text(
            "Result file",
            label::relative_to(&input.source, page.out_dir),
        ),
        Field::text("Date", c.date.clone()),
        Field::text("Machine", format::machine(c, !page.redact)),
        Field::text("Filesystem", page.shown(&format::filesystem(c))),
        Field::code("Mount options", format::or_dash(&fs.options)),
    ];
    if let Some(ra) = fs.read_ahead_kb {
        fields.push(Field::text("Readahead", format!("{ra} KiB")));
    }
    if let Some(q) = fs.fuse_queue {
        fields.push(Field::text(
            "FUSE background queue",
            format!(
                "{} requests, readahead stops past {}",
                q.max_background, q.congestion_threshold
            ),
        ));
    }
    fields.push(Field::text(
        "Dataset",
        format!(
            "{}: {}, {}",
            page.shown(&dataset.path),
            format::count(dataset.files, "file"),
            format::bytes(dataset.bytes)
        ),
    ));
    fields.push(Field::text("preload version", c.preload_version.clone()));
    fields
}

fn tune_blocks(t: &TuneResult, blocks: &mut Vec<Block>) {
    let r = &t.recommendation;
    let at_least = if r.saturated { "" } else { "at least " };
    let mut text = format!(
        "Recommended -P {at_least}{}: {} MiB/s",
        r.parallelism,
        format::mib_s(r.recommended_mib_s)
    );
    if let Some(s) = r.single_stream_mib_s.filter(|s| *s > 0.0) {
        text.push_str(&format!(
            " ({:.2}x P=1 at {} MiB/s)",
            r.recommended_mib_s / s,
            format::mib_s(s)
        ));
    }
    let knees: Vec<String> = r.knee_set.iter().map(|k| k.to_string()).collect();
    text.push_str(&format!(
        "; confidence {:.0} % (bootstrap knees: {}); best level P={} at {} MiB/s; tolerance {:.0} %.",
        r.confidence * 100.0,
        if knees.is_empty() { "-".to_owned() } else { knees.join(", ") },
        r.best_level,
        format::mib_s(r.best_mib_s),
        r.tolerance * 100.0
    ));
    if t.levels.len() < crate::chart::MIN_CURVE_POINTS {
        // The bootstrap's confidence is over too few levels to mean a curve.
        let measured = match t.levels.len() {
            1 => "1 level was".to_owned(),
            n => format!("{n} levels were"),
        };
        text.push_str(&format!(
            " Only {measured} measured: {}.",
            crate::chart::too_few_points(t.levels.len())
        ));
    }
    blocks.push(Block::Paragraph(text));
    let mut fields = vec![
        Field::text("Verdict", r.verdict.clone()),
        Field::text("Read method", t.method.clone()),
        Field::text(
            "Budget",
            format!(
                "spent {} s of {} s, {} of {}",
                format::seconds(t.budget.time_spent_s),
                format::seconds(t.budget.time_limit_s),
                format::bytes(t.budget.bytes_spent),
                format::bytes(t.budget.byte_limit)
            ),
        ),
    ];
    if let Some(k) = t.diagnostics.kneedle {
        fields.push(Field::text("Kneedle knee (diagnostic)", format!("P={k}")));
    }
    if let Some(u) = t.diagnostics.usl {
        fields.push(Field::text(
            "USL fit (diagnostic)",
            format!(
                "lambda {} MiB/s, sigma {:.3}, kappa {:.4}, peak at P={}, R^2 {:.3}",
                format::mib_s(u.lambda),
                u.sigma,
                u.kappa,
                u.peak_level
                    .map_or("none (no retrograde)".to_owned(), |p| format!("{p:.1}")),
                u.r_squared
            ),
        ));
    }
    if t.reused_data {
        fields.push(Field::text(
            "Reused data",
            "yes: shards were re-read after eviction; server-side caches may make this optimistic",
        ));
    }
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Table(tune_table(t)));
}

fn bench_blocks(page: &Page, b: &BenchResult, blocks: &mut Vec<Block>) {
    let c = &b.config;
    let mut fields = vec![Field::text(
        "Runs",
        format!(
            "{} measured + {} warm-up per strategy, caches made cold with {}",
            c.runs, c.warmup, c.cold_method
        ),
    )];
    if let Some(then) = &c.then {
        fields.push(Field::code("Loader (--then)", page.shown(then)));
    }
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Table(bench_table(b)));
}

/// The history page.
pub(crate) fn history_page(
    title: &str,
    rows: &[HistoryRow],
    chart: Option<ChartRef>,
    warnings: &[String],
) -> Vec<Block> {
    let regressed = rows.iter().filter(|r| r.verdict == "REGRESSED").count();
    let mut blocks = vec![
        Block::Heading(1, title.to_owned()),
        Block::Paragraph(format!(
            "Written by preload-report {} from {} history row(s); {} marked REGRESSED.",
            env!("CARGO_PKG_VERSION"),
            rows.len(),
            regressed
        )),
    ];
    if let Some(chart) = chart {
        blocks.push(Block::Chart(chart));
    }
    if !warnings.is_empty() {
        blocks.push(Block::Paragraph("Warnings:".to_owned()));
        blocks.push(Block::List(warnings.to_vec()));
    }
    blocks.push(Block::Heading(2, "Runs".to_owned()));
    blocks.push(Block::Table(history_table(rows)));
    blocks
}
