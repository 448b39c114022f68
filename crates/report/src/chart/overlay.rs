//! Throughput against parallelism of several tunes on one chart, e.g. local
//! disk against simfs against MooseFS.

use plotters::coord::Shift;
use plotters::prelude::*;
use preload_schema::TuneResult;

use super::axis::value_top;
use super::frame::{drawn_tops, knee_marker, legend, level_chart, whiskers};
use super::{
    Backend, Chart, DrawResult, LEGEND_CHARS, MIN_CURVE_POINTS, color, fitted_caption, no_data,
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
    fn draw<DB: Backend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let caption = "Throughput vs parallelism, by filesystem";
        let levels = self.series.iter().flat_map(|(_, t)| t.levels.iter());
        let max_level = levels.clone().map(|l| l.level).max();
        let Some(max_level) = max_level else {
            return no_data(root, caption);
        };
        let y_max = (self.series.iter())
            .flat_map(|(_, t)| drawn_tops(&t.levels))
            .fold(0.0, f64::max);
        let caption = fitted_caption(root, caption)?;
        let mut chart = level_chart(root, caption, max_level, value_top(y_max, 0.35))?;

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
            whiskers(&mut chart, &t.levels, c.mix(0.5).stroke_width(2), 10)?;
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
            knee_marker(
                &mut chart,
                root,
                (rec.parallelism, rec.recommended_mib_s),
                knee,
                c,
                rec.parallelism >= max_level,
            )?;
        }
        let black = BLACK;
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("triangle: chosen knee; whiskers: min-max")
            .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 8, black.filled()));
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)
    }
}
