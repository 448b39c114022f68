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

pub(crate) use preload_table::Table;

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
