//! Throughput against parallelism of several tunes on one chart, e.g. local
//! disk against simfs against MooseFS.

use plotters::coord::Shift;
use plotters::prelude::*;
use preload_schema::TuneResult;

use super::axis::{level_label, level_range, level_ticks, value_label, value_top};
use super::scaling::{X_DESC, Y_DESC};
use super::{
    CAPTION, Chart, DESC, DrawResult, LABEL, LEGEND_CHARS, MIN_CURVE_POINTS, color, fitted_caption,
    label_box, no_data, text,
};
use crate::format;
use crate::label::middle_ellipsis;

/// Several tunes: one median curve per result (with min-max whiskers), each
/// knee marked, labelled by the result's label.
pub(crate) struct Overlay<'a> {
    /// `(label, tune)` per series.
    pub series: Vec<(&'a str, &'a TuneResult)>,
}

impl Chart for Overlay<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let caption = "Throughput vs parallelism, by filesystem";
        let levels = self.series.iter().flat_map(|(_, t)| t.levels.iter());
        let max_level = levels.clone().map(|l| l.level).max();
        let Some(max_level) = max_level else {
            return no_data(root, caption);
        };
        // A series too short for whiskers does not stretch the axis to them.
        let y_max = self
            .series
            .iter()
            .flat_map(|(_, t)| {
                let whiskers = t.levels.len() >= MIN_CURVE_POINTS;
                t.levels.iter().map(move |l| {
                    if whiskers {
                        l.max_mib_s.max(l.median_mib_s)
                    } else {
                        l.median_mib_s
                    }
                })
            })
            .fold(0.0, f64::max);
        let ticks = level_ticks(max_level);
        let y_top = value_top(y_max, 0.35);
        let mut chart = ChartBuilder::on(root)
            .caption(fitted_caption(root, caption)?, text(CAPTION))
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

        for (i, (label, t)) in self.series.iter().enumerate() {
            let c = color(i);
            let rec = &t.recommendation;
            let curve = t.levels.len() >= MIN_CURVE_POINTS;
            let name = middle_ellipsis(label, LEGEND_CHARS);
            if !curve {
                // Points only: two points are no curve and two samples no spread.
                chart
                    .draw_series(
                        t.levels
                            .iter()
                            .map(|l| Circle::new((l.level as f64, l.median_mib_s), 6, c.filled())),
                    )?
                    .label(format!("{name} ({} points: no curve)", t.levels.len()))
                    .legend(move |(x, y)| Circle::new((x + 12, y), 5, c.filled()));
                continue;
            }
            chart.draw_series(t.levels.iter().map(|l| {
                ErrorBar::new_vertical(
                    l.level as f64,
                    l.min_mib_s,
                    l.median_mib_s,
                    l.max_mib_s,
                    c.mix(0.5).stroke_width(2),
                    10,
                )
            }))?;
            let knee = if rec.saturated {
                format!("knee P={}", rec.parallelism)
            } else {
                format!("knee P\u{2265}{}", rec.parallelism)
            };
            chart
                .draw_series(LineSeries::new(
                    t.levels.iter().map(|l| (l.level as f64, l.median_mib_s)),
                    c.stroke_width(3),
                ))?
                .label(format!(
                    "{name} ({knee}, {} MiB/s)",
                    format::mib_s(rec.recommended_mib_s)
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            chart.draw_series(
                t.levels
                    .iter()
                    .map(|l| Circle::new((l.level as f64, l.median_mib_s), 4, c.filled())),
            )?;
            let knee_style = text(LABEL).color(&c);
            let (corner0, corner1, at) = label_box(
                root.estimate_text_size(&knee, &knee_style)?,
                rec.parallelism >= max_level,
            );
            chart.draw_series(std::iter::once(
                EmptyElement::at((rec.parallelism as f64, rec.recommended_mib_s))
                    + Rectangle::new([corner0, corner1], WHITE.mix(0.85).filled())
                    + TriangleMarker::new((0, 0), 11, c.filled())
                    + Text::new(knee, at, knee_style),
            ))?;
        }
        let black = BLACK;
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("triangle: chosen knee; whiskers: min-max")
            .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 8, black.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(text(LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .margin(12)
            .draw()?;
        Ok(())
    }
}
