//! A regression history over time: throughput at the knee and at P=1 (top),
//! the knee (bottom), regressions marked on both.

use std::ops::Range;

use chrono::DateTime;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use preload_schema::HistoryRow;

use super::axis::{KeyAxis, level_label, level_ticks, value_label, value_top};
use super::frame::legend;
use super::{ALARM, Backend, CAPTION, Chart, DESC, DrawResult, LABEL, color, no_data, text};

/// Pixel size of the history chart (two panels).
pub(crate) const SIZE: (u32, u32) = (1200, 950);

/// History rows with their time (seconds since the epoch), sorted by time.
pub(crate) struct History<'a> {
    /// `(unix seconds, row)`.
    pub rows: Vec<(f64, &'a HistoryRow)>,
}

/// Rows of one setup: same kind, host, filesystem and dataset.
struct Group<'a> {
    name: String,
    rows: Vec<(f64, &'a HistoryRow)>,
}

impl History<'_> {
    fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<(String, Group<'_>)> = Vec::new();
        for &(t, r) in &self.rows {
            let key = format!(
                "{}\u{0}{}\u{0}{}\u{0}{}",
                r.kind, r.host, r.fs_type, r.dataset
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.rows.push((t, r)),
                None => groups.push((
                    key,
                    Group {
                        name: format!("{} {} {} {}", r.kind, r.host, r.fs_type, r.dataset),
                        rows: vec![(t, r)],
                    },
                )),
            }
        }
        groups.into_iter().map(|(_, g)| g).collect()
    }

    fn time_range(&self) -> Range<f64> {
        let first = self.rows.first().map_or(0.0, |r| r.0);
        let last = self.rows.last().map_or(0.0, |r| r.0);
        let pad = ((last - first) * 0.05).max(6.0 * 3600.0);
        first - pad..last + pad
    }
}

/// Tick label of a time: the date, with the time of day when the span is short.
fn time_label(span_s: f64) -> impl Fn(&f64) -> String {
    let fmt = if span_s > 3.0 * 86400.0 {
        "%Y-%m-%d"
    } else {
        "%m-%d %H:%M"
    };
    move |t: &f64| {
        DateTime::from_timestamp(t.round() as i64, 0)
            .map_or_else(String::new, |d| d.format(fmt).to_string())
    }
}

fn is_regression(r: &HistoryRow) -> bool {
    r.verdict == "REGRESSED"
}

impl Chart for History<'_> {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: Backend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let caption = "Throughput and knee over time";
        if self.rows.is_empty() {
            return no_data(root, caption);
        }
        let groups = self.groups();
        let several = groups.len() > 1;
        let x_range = self.time_range();
        let span = x_range.end - x_range.start;
        let area = root.margin(12, 0, 0, 0).titled(caption, text(CAPTION))?;
        let (_, h) = area.dim_in_pixel();
        let (upper, lower) = area.split_vertically(h * 58 / 100);
        let x_fmt = time_label(span);

        // Top: throughput.
        let y_max = self
            .rows
            .iter()
            .flat_map(|(_, r)| [r.knee_mib_s, r.single_mib_s])
            .flatten()
            .fold(0.0, f64::max);
        let y_top = value_top(y_max, 0.45);
        let mut top = ChartBuilder::on(&upper)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(KeyAxis::time(x_range.clone(), 8), 0f64..y_top)?;
        top.configure_mesh()
            .x_desc("date (UTC)")
            .y_desc("throughput (MiB/s)")
            .axis_desc_style(text(DESC))
            .label_style(text(LABEL))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&value_label(y_top))
            .y_max_light_lines(1)
            .draw()?;
        for (i, g) in groups.iter().enumerate() {
            let c = color(i);
            let prefix = if several {
                format!("{}: ", g.name)
            } else {
                String::new()
            };
            let knee: Vec<(f64, f64)> = g
                .rows
                .iter()
                .filter_map(|(t, r)| Some((*t, r.knee_mib_s?)))
                .collect();
            let single: Vec<(f64, f64)> = g
                .rows
                .iter()
                .filter_map(|(t, r)| Some((*t, r.single_mib_s?)))
                .collect();
            top.draw_series(LineSeries::new(knee.clone(), c.stroke_width(3)))?
                .label(format!("{prefix}throughput at the knee"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            top.draw_series(knee.iter().map(|p| Circle::new(*p, 5, c.filled())))?;
            top.draw_series(DashedLineSeries::new(
                single.clone(),
                8,
                5,
                c.stroke_width(2),
            ))?
            .label(format!("{prefix}throughput at P=1"))
            .legend(move |(x, y)| {
                DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 3, c.stroke_width(2))
            });
            top.draw_series(single.iter().map(|p| Circle::new(*p, 4, c.stroke_width(2))))?;
        }
        let regressed: Vec<(f64, &HistoryRow)> = self
            .rows
            .iter()
            .copied()
            .filter(|(_, r)| is_regression(r))
            .collect();
        top.draw_series(
            regressed
                .iter()
                .flat_map(|(t, r)| {
                    [r.knee_mib_s, r.single_mib_s]
                        .into_iter()
                        .flatten()
                        .map(move |y| (*t, y))
                })
                .map(|p| Circle::new(p, 11, ALARM.stroke_width(3))),
        )?
        .label("REGRESSED (verdict against the baseline)")
        .legend(|(x, y)| Circle::new((x + 12, y), 7, ALARM.stroke_width(3)));
        legend(&mut top, SeriesLabelPosition::UpperLeft, 10)?;

        // Bottom: the knee, on a log2 axis.
        let max_knee = self
            .rows
            .iter()
            .filter_map(|(_, r)| r.knee)
            .max()
            .unwrap_or(1);
        let ticks = level_ticks(max_knee);
        let top_tick = ticks.last().copied().unwrap_or(2.0);
        let mut bottom = ChartBuilder::on(&lower)
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(
                KeyAxis::time(x_range, 8),
                (2f64.powf(-0.3)..top_tick * 2f64.powf(0.6))
                    .log_scale()
                    .base(2.0)
                    .with_key_points(ticks),
            )?;
        bottom
            .configure_mesh()
            .x_desc("date (UTC)")
            .y_desc("knee P (log2)")
            .axis_desc_style(text(DESC))
            .label_style(text(LABEL))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&level_label)
            .draw()?;
        for (i, g) in groups.iter().enumerate() {
            let c = color(i);
            let knees: Vec<(f64, f64)> = g
                .rows
                .iter()
                .filter_map(|(t, r)| Some((*t, r.knee? as f64)))
                .collect();
            let label = if several {
                format!("{}: knee", g.name)
            } else {
                "knee (recommended -P)".to_owned()
            };
            bottom
                .draw_series(LineSeries::new(knees.clone(), c.stroke_width(3)))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            bottom.draw_series(knees.iter().map(|p| TriangleMarker::new(*p, 7, c.filled())))?;
        }
        bottom
            .draw_series(
                regressed
                    .iter()
                    .filter_map(|(t, r)| Some((*t, r.knee? as f64)))
                    .map(|p| Circle::new(p, 11, ALARM.stroke_width(3))),
            )?
            .label("REGRESSED")
            .legend(|(x, y)| Circle::new((x + 12, y), 7, ALARM.stroke_width(3)));
        legend(&mut bottom, SeriesLabelPosition::UpperLeft, 10)
    }
}
