//! Throughput against parallelism of one tune, in detail.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use preload_schema::TuneResult;

use plotters::element::DashedPathElement;

use super::axis::{level_range, level_ticks, value_top};
use super::frame::{LevelChart, drawn_tops, knee_marker, legend, level_chart, whiskers};
use super::{
    ALARM, Backend, Chart, DESC, DrawResult, MIN_CURVE_POINTS, color, fitted_caption, no_data,
    text, too_few_points,
};
use crate::format;

/// One tune: median throughput per level with the min-max spread of its
/// samples, the knee marked and labelled, P=1 as a reference line.
pub(crate) struct Single<'a> {
    /// Label of the result (filesystem and mount point, or the caller's).
    pub label: &'a str,
    /// The tune.
    pub tune: &'a TuneResult,
}

impl Chart for Single<'_> {
    fn draw<DB: Backend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let t = self.tune;
        let caption = format!("Throughput vs parallelism: {}", self.label);
        if t.levels.is_empty() {
            return no_data(root, &caption);
        }
        let caption = fitted_caption(root, &caption)?;
        let rec = &t.recommendation;
        let single = t.recommendation.single_stream_mib_s.or_else(|| {
            t.levels
                .iter()
                .find(|l| l.level == 1)
                .map(|l| l.median_mib_s)
        });
        let max_level = t.levels.iter().map(|l| l.level).max().unwrap_or(1);
        let whiskers = t.levels.len() >= MIN_CURVE_POINTS;
        let y_max = drawn_tops(&t.levels).chain(single).fold(0.0, f64::max);
        // The ends of the level axis, for the reference line across it.
        let Range { start: x0, end: x1 } = level_range(&level_ticks(max_level));
        let mut chart = level_chart(root, caption, max_level, value_top(y_max, 0.35))?;

        let blue = color(0);
        if whiskers {
            draw_spread_and_curve(&mut chart, t)?;
        } else {
            // Points only, and the reason: no band, no whisker, no line.
            chart
                .draw_series(
                    t.levels
                        .iter()
                        .map(|l| Circle::new((l.level as f64, l.median_mib_s), 6, blue.filled())),
                )?
                .label("median throughput per level")
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, blue.filled()));
            // Top right, clear of the legend at the top left.
            let note = too_few_points(t.levels.len());
            let style = text(DESC).color(&ALARM);
            let (w, _) = root.dim_in_pixel();
            let (note_w, _) = root.estimate_text_size(&note, &style)?;
            let x = i32::try_from(w.saturating_sub(note_w + 40)).unwrap_or(0);
            root.draw(&Text::new(note, (x, 75), style))?;
        }

        // The sequential level as a reference line.
        if let Some(s) = single {
            let grey = color(6);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, s), (x1, s)],
                    10,
                    6,
                    grey.stroke_width(2),
                ))?
                .label(format!("sequential (P=1): {} MiB/s", format::mib_s(s)))
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 24, y)], 8, 4, grey.stroke_width(2))
                });
        }

        // The USL fit, a diagnostic.
        if let Some(u) = t.diagnostics.usl.filter(|_| whiskers) {
            let green = color(2);
            let points = (0..=100).map(|i| {
                let n = 1.0 + (max_level as f64 - 1.0) * f64::from(i) / 100.0;
                (
                    n,
                    u.lambda * n / (1.0 + u.sigma * (n - 1.0) + u.kappa * n * (n - 1.0)),
                )
            });
            chart
                .draw_series(DashedLineSeries::new(points, 4, 4, green.stroke_width(2)))?
                .label(format!(
                    "USL fit (diagnostic, R\u{b2} = {:.2})",
                    u.r_squared
                ))
                .legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 24, y)], 4, 4, green.stroke_width(2))
                });
        }

        // The knee: a vertical line, a marker and a label.
        let knee = rec.parallelism as f64;
        let knee_y = rec.recommended_mib_s;
        let red = ALARM;
        chart.draw_series(DashedLineSeries::new(
            vec![(knee, 0.0), (knee, knee_y)],
            8,
            5,
            red.stroke_width(2),
        ))?;
        let knee_text = if rec.saturated {
            format!(
                "knee P={}: {} MiB/s",
                rec.parallelism,
                format::mib_s(knee_y)
            )
        } else {
            format!("knee P\u{2265}{} (not saturated)", rec.parallelism)
        };
        knee_marker(
            &mut chart,
            root,
            (rec.parallelism, knee_y),
            knee_text,
            red,
            rec.parallelism >= max_level,
        )?
        .label(if whiskers {
            format!(
                "chosen knee (recommended -P {}, confidence {:.0} %)",
                rec.parallelism,
                rec.confidence * 100.0
            )
        } else {
            format!("recommended -P {} (no confidence claimed)", rec.parallelism)
        })
        .legend(move |(x, y)| TriangleMarker::new((x + 12, y), 8, red.filled()));

        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)
    }
}

/// The min-max band and whiskers of each level and the median curve.
fn draw_spread_and_curve<DB: Backend>(
    chart: &mut LevelChart<'_, DB>,
    t: &TuneResult,
) -> DrawResult {
    let blue = color(0);
    // The spread: a light band from min to max, whiskers at each level.
    let mut band: Vec<(f64, f64)> = t
        .levels
        .iter()
        .map(|l| (l.level as f64, l.max_mib_s))
        .collect();
    band.extend(t.levels.iter().rev().map(|l| (l.level as f64, l.min_mib_s)));
    chart
        .draw_series(std::iter::once(Polygon::new(band, blue.mix(0.15).filled())))?
        .label("min-max of throughput samples")
        .legend(move |(x, y)| {
            Rectangle::new([(x, y - 6), (x + 24, y + 6)], blue.mix(0.25).filled())
        });
    whiskers(chart, &t.levels, blue.mix(0.6).stroke_width(2), 12)?;

    // The median curve.
    chart
        .draw_series(LineSeries::new(
            t.levels.iter().map(|l| (l.level as f64, l.median_mib_s)),
            blue.stroke_width(3),
        ))?
        .label("median throughput")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], blue.stroke_width(3)));
    chart.draw_series(
        t.levels
            .iter()
            .map(|l| Circle::new((l.level as f64, l.median_mib_s), 5, blue.filled())),
    )?;
    Ok(())
}
