//! The parts several charts share: the legend box, the frame of a
//! throughput-against-parallelism chart ([`super::scaling`],
//! [`super::overlay`]) and its knee marker.

use plotters::chart::SeriesAnno;
use plotters::coord::Shift;
use plotters::coord::combinators::{LogCoord, WithKeyPoints};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use preload_schema::LevelSummary;

use super::axis::{level_label, level_range, level_ticks, value_label};
use super::{Backend, CAPTION, DESC, DrawResult, LABEL, MIN_CURVE_POINTS, text};

/// Axis title of the parallelism axis.
pub(crate) const X_DESC: &str = "parallelism P (concurrent readers, log2 scale)";
/// Axis title of the throughput axis.
pub(crate) const Y_DESC: &str = "throughput (MiB/s)";

/// Any plotters error, as text later (what [`DrawResult`] carries).
type Error = Box<dyn std::error::Error + Send + Sync>;

/// A chart of throughput (MiB/s) against parallelism on a log2 axis.
pub(crate) type LevelChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<WithKeyPoints<LogCoord<f64>>, RangedCoordf64>>;

/// The legend of `chart`'s labelled series, in a light box at `position`.
pub(crate) fn legend<'a, DB: Backend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    margin: u32,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .label_font(text(LABEL))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .margin(margin)
        .draw()?;
    Ok(())
}

/// The captioned frame of a throughput-against-parallelism chart: levels
/// up to `max_level` on a log2 axis, throughput from 0 to `y_top`, the mesh
/// and axis titles drawn.
pub(crate) fn level_chart<'a, DB: Backend>(
    root: &'a DrawingArea<DB, Shift>,
    caption: String,
    max_level: usize,
    y_top: f64,
) -> Result<LevelChart<'a, DB>, Error> {
    let ticks = level_ticks(max_level);
    let mut chart = ChartBuilder::on(root)
        .caption(caption, text(CAPTION))
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(100)
        .build_cartesian_2d(
            level_range(&ticks)
                .log_scale()
                .base(2.0)
                .with_key_points(ticks),
            0f64..y_top,
        )?;
    chart
        .configure_mesh()
        .x_desc(X_DESC)
        .y_desc(Y_DESC)
        .axis_desc_style(text(DESC))
        .label_style(text(LABEL))
        .x_label_formatter(&level_label)
        .y_label_formatter(&value_label(y_top))
        .y_max_light_lines(1)
        .draw()?;
    Ok(chart)
}

/// The highest point drawn for each level: the top whisker where the
/// levels make a curve, else the median (a series too short for whiskers
/// does not stretch the axis to them).
pub(crate) fn drawn_tops(levels: &[LevelSummary]) -> impl Iterator<Item = f64> + '_ {
    let whiskers = levels.len() >= MIN_CURVE_POINTS;
    levels.iter().map(move |l| {
        if whiskers {
            l.max_mib_s.max(l.median_mib_s)
        } else {
            l.median_mib_s
        }
    })
}

/// A min-max whisker through the median of each level, `width` pixels wide.
pub(crate) fn whiskers<DB: Backend>(
    chart: &mut LevelChart<'_, DB>,
    levels: &[LevelSummary],
    style: ShapeStyle,
    width: u32,
) -> DrawResult {
    chart.draw_series(levels.iter().map(|l| {
        ErrorBar::new_vertical(
            l.level as f64,
            l.min_mib_s,
            l.median_mib_s,
            l.max_mib_s,
            style,
            width,
        )
    }))?;
    Ok(())
}

/// A knee marked at `(level, mib_s)`: a triangle of `color` under `label`
/// on a light box, the box left of the point when the knee is the largest
/// level (`at_right_edge`), else centred above it.
pub(crate) fn knee_marker<'c, 'a, DB: Backend>(
    chart: &'c mut LevelChart<'a, DB>,
    root: &DrawingArea<DB, Shift>,
    (level, mib_s): (usize, f64),
    label: String,
    color: RGBColor,
    at_right_edge: bool,
) -> Result<&'c mut SeriesAnno<'a, DB>, Error> {
    let style = text(LABEL).color(&color);
    let (corner0, corner1, at) = label_box(root.estimate_text_size(&label, &style)?, at_right_edge);
    Ok(chart.draw_series(std::iter::once(
        EmptyElement::at((level as f64, mib_s))
            + Rectangle::new([corner0, corner1], WHITE.mix(0.85).filled())
            + TriangleMarker::new((0, 0), 11, color.filled())
            + Text::new(label, at, style),
    ))?)
}

/// Where to put a label box of text `size` (pixels) relative to a marked
/// point: `(top-left corner, bottom-right corner, text position)`, above the
/// point, centred or (`left`) ending left of it.
fn label_box(size: (u32, u32), left: bool) -> ((i32, i32), (i32, i32), (i32, i32)) {
    let (w, h) = (
        i32::try_from(size.0).unwrap_or(200),
        i32::try_from(size.1).unwrap_or(20),
    );
    let x0 = if left { -w - 14 } else { -w / 2 - 4 };
    let y0 = -h - 26;
    ((x0, y0), (x0 + w + 8, y0 + h + 8), (x0 + 4, y0 + 4))
}
