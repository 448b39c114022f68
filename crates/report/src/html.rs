//! The self-contained HTML page: inline style, charts embedded as data: URIs
//! (PNG) or inline SVG, no reference to any other file.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::ReportError;
use crate::doc::{Block, ChartRef};

const STYLE: &str = "body{font-family:sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em}\
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.5em 0}figure img,figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-style:italic;color:#555}code{background:#f3f3f3;padding:0 .2em}";

/// HTML of a page; chart files are read from `dir` to embed them.
pub(crate) fn render(title: &str, blocks: &[Block], dir: &Path) -> Result<String, ReportError> {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    );
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let l = level.clamp(&1, &6);
                out.push_str(&format!("<h{l}>{}</h{l}>\n", esc(text)));
            }
            Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", esc(text))),
            Block::Fields(fields) => {
                out.push_str("<ul>\n");
                for f in fields {
                    let value = if f.code {
                        format!("<code>{}</code>", esc(&f.value))
                    } else {
                        esc(&f.value)
                    };
                    out.push_str(&format!("<li><b>{}:</b> {value}</li>\n", esc(&f.name)));
                }
                out.push_str("</ul>\n");
            }
            Block::List(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    out.push_str(&format!("<li>{}</li>\n", esc(item)));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(t) => out.push_str(&t.to_html()),
            Block::Chart(c) => out.push_str(&figure(c, dir)?),
        }
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

/// A chart embedded in the page: the PNG as a data: URI (its text is drawn
/// with the embedded font, so it looks the same everywhere), else the SVG inline.
fn figure(c: &ChartRef, dir: &Path) -> Result<String, ReportError> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|source| ReportError::Io { path, source })
    };
    let body = if let Some(png) = &c.png {
        let data = STANDARD.encode(read(png)?);
        format!(
            "<img alt=\"{}\" src=\"data:image/png;base64,{data}\">",
            esc(&c.title)
        )
    } else if let Some(svg) = &c.svg {
        let text = String::from_utf8_lossy(&read(svg)?).into_owned();
        strip_xml_declaration(&text).to_owned()
    } else {
        return Ok(String::new());
    };
    Ok(format!(
        "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(&c.title)
    ))
}

fn strip_xml_declaration(svg: &str) -> &str {
    let s = svg.trim_start();
    if s.starts_with("<?xml") {
        s.find("?>").map_or(s, |end| s[end + 2..].trim_start())
    } else {
        s
    }
}

/// Text escaped for HTML content and attribute values.
use preload_table::escape_html as esc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn xml_declaration_is_dropped_for_inline_svg() {
        assert_eq!(
            strip_xml_declaration("<?xml version=\"1.0\"?>\n<svg/>"),
            "<svg/>"
        );
        assert_eq!(strip_xml_declaration("<svg/>"), "<svg/>");
    }
}
