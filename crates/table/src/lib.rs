//! One table model for every table `preload` shows: the terminal (aligned
//! text), Markdown (pipe tables for job summaries and `report.md`) and HTML
//! (`report.html`). Commands build a [`Table`] and pick a rendering, so a
//! column added once appears in all three.
//!
//! ```
//! use preload_table::Table;
//! let mut t = Table::new(&["Strategy", "#Warm s"]);
//! t.row(["sequential", "41.1"]);
//! t.row(["preload-p8", "5.37"]);
//! assert_eq!(t.to_text(), "Strategy    Warm s\nsequential    41.1\npreload-p8    5.37\n");
//! ```

mod escape;

use std::fmt::Write as _;

/// A table with a header row; numeric columns are right-aligned in every
/// rendering.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    headers: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns; a header starting with `#` is numeric
    /// (the `#` is not shown).
    pub fn new<S: AsRef<str>>(headers: &[S]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| h.as_ref().trim_start_matches('#').to_owned())
                .collect(),
            numeric: headers
                .iter()
                .map(|h| h.as_ref().starts_with('#'))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row. A short row is padded with empty cells; cells past the
    /// last column are a caller's bug and are dropped in release builds.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        debug_assert!(
            row.len() <= self.headers.len(),
            "a row of {} cells in a table of {} columns",
            row.len(),
            self.headers.len()
        );
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// The column names, without their `#` marks.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The rows, each as long as the header.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Whether column `i` is right-aligned.
    pub fn is_numeric(&self, i: usize) -> bool {
        self.numeric.get(i).copied().unwrap_or(false)
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Aligned text for a terminal: columns two spaces apart, no trailing
    /// spaces, widths counted in characters.
    pub fn to_text(&self) -> String {
        self.to_text_indented("")
    }

    /// [`Table::to_text`] with every line starting with `indent`.
    pub fn to_text_indented(&self, indent: &str) -> String {
        let width = |c: usize| {
            std::iter::once(&self.headers[c])
                .chain(self.rows.iter().map(|r| &r[c]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.headers.len()).map(width).collect();
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::from(indent);
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                let pad = widths[c] - cell.chars().count();
                if self.is_numeric(c) {
                    let _ = write!(line, "{}{cell}", " ".repeat(pad));
                } else {
                    let _ = write!(line, "{cell}{}", " ".repeat(pad));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// A Markdown pipe table; cell text is escaped so it stays text.
    pub fn to_markdown(&self) -> String {
        let line = |row: &[String]| {
            let cells: Vec<String> = row.iter().map(|c| escape::markdown_cell(c)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = line(&self.headers);
        let rule: Vec<&str> = (0..self.headers.len())
            .map(|c| if self.is_numeric(c) { "---:" } else { "---" })
            .collect();
        let _ = writeln!(out, "| {} |", rule.join(" | "));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    /// An HTML `<table>`; numeric cells carry `class="num"` for the page's
    /// style sheet to right-align.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<table>\n<thead><tr>");
        for (c, h) in self.headers.iter().enumerate() {
            let class = if self.is_numeric(c) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<th{class}>{}</th>", escape::html(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (c, cell) in row.iter().enumerate() {
                let class = if self.is_numeric(c) {
                    " class=\"num\""
                } else {
                    ""
                };
                let _ = write!(out, "<td{class}>{}</td>", escape::html(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

pub use escape::{html as escape_html, markdown_inline as escape_markdown};

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&["Name", "#MiB/s", "Note"]);
        t.row(["a|b", "1.0", "knee"]);
        t.row(["<long name>", "123.4", ""]);
        t
    }

    #[test]
    fn text_aligns_numbers_right_and_text_left_without_trailing_spaces() {
        assert_eq!(
            sample().to_text(),
            "Name         MiB/s  Note\n\
             a|b            1.0  knee\n\
             <long name>  123.4\n"
        );
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let mut t = Table::new(&["x", "#y"]);
        t.row(["µs", "1"]);
        t.row(["ab", "10"]);
        assert_eq!(t.to_text(), "x    y\nµs   1\nab  10\n");
    }

    #[test]
    fn indented_text_indents_every_line() {
        let text = sample().to_text_indented("  ");
        assert!(text.lines().all(|l| l.starts_with("  ")), "{text}");
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns_numeric_columns() {
        let md = sample().to_markdown();
        assert_eq!(
            md.lines().collect::<Vec<_>>(),
            [
                "| Name | MiB/s | Note |",
                "| --- | ---: | --- |",
                r"| a\|b | 1.0 | knee |",
                r"| \<long name\> | 123.4 |  |",
            ]
        );
    }

    #[test]
    fn html_escapes_and_marks_numeric_cells() {
        let html = sample().to_html();
        assert!(html.contains("<th class=\"num\">MiB/s</th>"), "{html}");
        assert!(
            html.contains("<td>&lt;long name&gt;</td><td class=\"num\">123.4</td>"),
            "{html}"
        );
    }

    #[test]
    fn short_rows_are_padded() {
        let mut t = Table::new(&["a", "b"]);
        t.row(["1"]);
        assert_eq!(t.rows()[0], ["1", ""]);
        assert_eq!(t.to_markdown().lines().nth(2), Some("| 1 |  |"));
    }
}
