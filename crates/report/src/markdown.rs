//! Markdown rendering, and the tables the CLI may print on a terminal.

use preload_schema::{BenchResult, HistoryRow, ResultFile, TuneResult};

use crate::ReportInput;
use crate::doc::Block;
use crate::tables;

/// Markdown of a page.
pub(crate) fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&"#".repeat(usize::from(*level).clamp(1, 6)));
                out.push(' ');
                out.push_str(&inline(text));
                out.push('\n');
            }
            Block::Paragraph(text) => {
                out.push_str(&inline(text));
                out.push('\n');
            }
            Block::Fields(fields) => {
                for f in fields {
                    let value = if f.code {
                        code(&f.value)
                    } else {
                        inline(&f.value)
                    };
                    out.push_str(&format!("- **{}:** {}\n", inline(&f.name), value));
                }
            }
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", inline(item)));
                }
            }
            Block::Table(t) => out.push_str(&t.to_markdown()),
            Block::Chart(c) => {
                if let Some(png) = &c.png {
                    out.push_str(&format!("![{}]({})\n", inline(&c.title), link(png)));
                } else if let Some(svg) = &c.svg {
                    out.push_str(&format!("![{}]({})\n", inline(&c.title), link(svg)));
                }
                let mut files: Vec<String> = Vec::new();
                for f in [&c.png, &c.svg].into_iter().flatten() {
                    files.push(format!("[{}]({})", inline(f), link(f)));
                }
                if !files.is_empty() {
                    out.push('\n');
                    out.push_str(&format!("*{}* ({})\n", inline(&c.title), files.join(", ")));
                }
            }
        }
        out.push('\n');
    }
    out
}

use preload_table::escape_markdown as inline;

/// A code span that survives backticks in the text.
fn code(s: &str) -> String {
    let fence = if s.contains('`') { "`` " } else { "`" };
    let close = if s.contains('`') { " ``" } else { "`" };
    format!("{fence}{s}{close}")
}

/// A relative link target; file names with spaces go in angle brackets.
fn link(target: &str) -> String {
    if target.contains([' ', '(', ')']) {
        format!("<{target}>")
    } else {
        target.to_owned()
    }
}

/// The per-level table of a tune, as Markdown.
pub fn tune_table(tune: &TuneResult) -> String {
    tables::tune_table(tune).to_markdown()
}

/// The per-strategy table of a bench, as Markdown.
pub fn bench_table(bench: &BenchResult) -> String {
    tables::bench_table(bench).to_markdown()
}

/// The rows of a history, as a Markdown table.
pub fn history_table(rows: &[HistoryRow]) -> String {
    tables::history_table(rows).to_markdown()
}

/// Every input's table under a heading with its label (what `report.md`
/// holds, without the charts and the context): handy on a terminal.
pub fn markdown_tables(inputs: &[ReportInput]) -> String {
    let mut out = String::new();
    for input in inputs {
        out.push_str(&format!("## {}\n\n", inline(&input.label)));
        match &input.result {
            ResultFile::Tune(t) => out.push_str(&tune_table(t)),
            ResultFile::Bench(b) => out.push_str(&bench_table(b)),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Field;

    #[test]
    fn code_fields_are_verbatim() {
        let md = render(&[Block::Fields(vec![Field::code("Options", "rw,relatime")])]);
        assert_eq!(md, "- **Options:** `rw,relatime`\n\n");
    }
}
