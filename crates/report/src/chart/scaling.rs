//! Throughput against parallelism of one tune, in detail.

use plotters::coord::Shift;
use plotters::prelude::*;
use preload_schema::TuneResult;

use plotters::element::DashedPathElement;

use super::axis::{level_label, level_range, level_ticks, value_label, value_top};
use super::{
    ALARM, CAPTION, Chart, DESC, DrawResult, LABEL, MIN_CURVE_POINTS, color, fitted_caption,
    label_box, no_data, text, too_few_points,
};
use crate::format;

pub(crate) const X_DESC: &str = "parallelism P (concurrent readers, log2 scale)";
pub(crate) const Y_DESC: &str = "throughput (MiB/s)";

/// One tune: median throughput per level with the min-max spread of its
/// samples, the knee marked and labelled, P=1 as a reference line.
pub(crate) struct Single<'a> {
    /// Label of the result (filesystem and mount point, or the caller's).
    pub label: &'a str,
    /// The tune.
    pub tune: &'a TuneResult,
}

impl Chart for Single<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
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
        let y_max = t
            .levels
            .iter()
            .map(|l| {
                if whiskers {
                    l.max_mib_s.max(l.median_mib_s)
                } else {
                    l.median_mib_s
                }
            })
            .chain(single)
            .fold(0.0, f64::max);
        let ticks = level_ticks(max_level);
        let y_top = value_top(y_max, 0.35);
        let x_range = level_range(&ticks);
        let (x0, x1) = (x_range.start, x_range.end);
        let mut chart = ChartBuilder::on(root)
            .caption(caption, text(CAPTION))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(
                x_range.log_scale().base(2.0).with_key_points(ticks),
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
        let knee_style = text(LABEL).color(&red);
        let (corner0, corner1, at) = label_box(
            root.estimate_text_size(&knee_text, &knee_style)?,
            rec.parallelism >= max_level,
        );
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((knee, knee_y))
                    + Rectangle::new([corner0, corner1], WHITE.mix(0.85).filled())
                    + TriangleMarker::new((0, 0), 11, red.filled())
                    + Text::new(knee_text, at, knee_style),
            ))?
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

/// The min-max band and whiskers of each level and the median curve.
fn draw_spread_and_curve<DB: DrawingBackend, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    t: &TuneResult,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
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
    chart.draw_series(t.levels.iter().map(|l| {
        ErrorBar::new_vertical(
            l.level as f64,
            l.min_mib_s,
            l.median_mib_s,
            l.max_mib_s,
            blue.mix(0.6).stroke_width(2),
            12,
        )
    }))?;

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
