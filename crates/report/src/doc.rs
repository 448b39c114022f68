//! A small document model that renders to both Markdown and HTML, so the two
//! pages say the same thing.

/// One block of a report page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A heading of level 1..=3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// `name: value` lines; `code` values are shown verbatim.
    Fields(Vec<Field>),
    /// A bulleted list of plain text.
    List(Vec<String>),
    /// A table.
    Table(Table),
    /// A chart, by the file names of its renderings in the output directory.
    Chart(ChartRef),
}

/// A `name: value` line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub value: String,
    pub code: bool,
}

impl Field {
    pub(crate) fn text(name: &str, value: impl Into<String>) -> Field {
        Field {
            name: name.to_owned(),
            value: value.into(),
            code: false,
        }
    }
    pub(crate) fn code(name: &str, value: impl Into<String>) -> Field {
        Field {
            name: name.to_owned(),
            value: value.into(),
            code: true,
        }
    }
}

/// A table with a header row; `numeric` columns are right-aligned.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns; a header starting with `#` is numeric
    /// (the `#` is dropped).
    pub(crate) fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|h| h.trim_start_matches('#').to_owned())
                .collect(),
            numeric: headers.iter().map(|h| h.starts_with('#')).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChartRef {
    /// Caption.
    pub title: String,
    /// File name of the PNG in the output directory, when written.
    pub png: Option<String>,
    /// File name of the SVG in the output directory, when written.
    pub svg: Option<String>,
}
