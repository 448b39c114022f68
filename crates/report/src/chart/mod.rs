//! Charts drawn with plotters, each written as SVG and/or PNG.
//!
//! A chart is a value that can draw itself on any plotters backend
//! ([`Chart`]); [`render`] draws it once per requested format.

pub(crate) mod axis;
pub(crate) mod coldstart;
pub(crate) mod frame;
pub(crate) mod history;
pub(crate) mod overlay;
pub(crate) mod scaling;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::doc::ChartRef;
use crate::{ReportConfig, ReportError, font};

/// What drawing returns: any plotters error, as text later.
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A plotters backend whose errors can be boxed into a [`DrawResult`]: the
/// bound every drawing function needs, written once.
pub(crate) trait Backend: DrawingBackend<ErrorType: 'static> {}

impl<DB: DrawingBackend<ErrorType: 'static>> Backend for DB {}

/// Pixel size of every chart (PNG pixels, SVG user units).
pub(crate) const SIZE: (u32, u32) = (1200, 700);

/// Colour-blind-safe series colours (Okabe and Ito, 2008), most distinct first.
pub(crate) const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(120, 120, 120), // grey
];

/// The colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Regressions and other alarms.
pub(crate) const ALARM: RGBColor = RGBColor(200, 0, 0);

/// Font sizes, in pixels.
pub(crate) const CAPTION: u32 = 30;
pub(crate) const DESC: u32 = 22;
pub(crate) const LABEL: u32 = 18;

/// A text style of the embedded font.
pub(crate) fn text(size: u32) -> TextStyle<'static> {
    (font::FAMILY, size).into_font().into()
}

/// Fewer levels than this make no curve: two points say nothing of the
/// shape between them, nor does a spread of two samples give a band.
pub(crate) const MIN_CURVE_POINTS: usize = 3;

/// What a chart says instead of drawing a curve from too few points.
pub(crate) fn too_few_points(n: usize) -> String {
    format!("too few points for a curve or confidence band ({n} measured)")
}

/// Longest legend entry label, in characters: legends name series, the
/// pages say the rest.
pub(crate) const LEGEND_CHARS: usize = 36;

/// `caption` shortened with an ellipsis in the middle until it fits the
/// width of `root` at the caption size (measured with the embedded font).
pub(crate) fn fitted_caption<DB: Backend>(
    root: &DrawingArea<DB, Shift>,
    caption: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let max = root.dim_in_pixel().0.saturating_sub(80);
    let style = text(CAPTION);
    let mut chars = caption.chars().count();
    let mut fitted = caption.to_owned();
    while chars > 8 && root.estimate_text_size(&fitted, &style)?.0 > max {
        chars -= 1;
        fitted = crate::label::middle_ellipsis(caption, chars);
    }
    Ok(fitted)
}

/// A chart that can draw itself on any backend.
pub(crate) trait Chart {
    /// Pixel size of the chart.
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    /// Draws the whole chart on `root` (already filled white).
    fn draw<DB: Backend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// Draws `chart` as `DIR/STEM.svg` and/or `DIR/STEM.png`; returns its
/// reference for the pages and the files written.
pub(crate) fn render(
    chart: &impl Chart,
    title: &str,
    dir: &Path,
    stem: &str,
    opts: &ReportConfig,
) -> Result<(ChartRef, Vec<PathBuf>), ReportError> {
    font::ensure_registered()?;
    let mut files = Vec::new();
    let mut reference = ChartRef {
        title: title.to_owned(),
        png: None,
        svg: None,
    };
    if opts.png {
        reference.png = Some(draw_file(dir, stem, "png", &mut files, |path| {
            draw_on(
                chart,
                &BitMapBackend::new(path, chart.size()).into_drawing_area(),
            )
        })?);
    }
    if opts.svg {
        reference.svg = Some(draw_file(dir, stem, "svg", &mut files, |path| {
            draw_on(
                chart,
                &SVGBackend::new(path, chart.size()).into_drawing_area(),
            )
        })?);
    }
    Ok((reference, files))
}

/// Draws `DIR/STEM.EXT` with `draw` (one backend), adds it to `files` and
/// returns its name for the pages.
fn draw_file(
    dir: &Path,
    stem: &str,
    ext: &str,
    files: &mut Vec<PathBuf>,
    draw: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<String, ReportError> {
    let name = format!("{stem}.{ext}");
    let path = dir.join(&name);
    draw(&path).map_err(|message| ReportError::Draw {
        path: path.clone(),
        message,
    })?;
    files.push(path);
    Ok(name)
}

fn draw_on<DB: Backend>(chart: &impl Chart, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    chart.draw(root).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// A chart with nothing to plot: the caption and a note.
pub(crate) fn no_data<DB: Backend>(root: &DrawingArea<DB, Shift>, caption: &str) -> DrawResult {
    let area = root.titled(&fitted_caption(root, caption)?, text(CAPTION))?;
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        "no data to plot",
        (
            i32::try_from(w / 2).unwrap_or(0) - 70,
            i32::try_from(h / 2).unwrap_or(0),
        ),
        text(DESC),
    ))?;
    Ok(())
}
