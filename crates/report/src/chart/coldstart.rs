//! Cold-start time per bench strategy: median bars, min-max whiskers, the
//! warm and load (`--then`) parts stacked.

use plotters::coord::Shift;
use plotters::prelude::*;
use preload_schema::BenchResult;

use super::axis::{KeyAxis, value_label, value_top};
use super::frame::legend;
use super::{
    Backend, CAPTION, Chart, DESC, DrawResult, LABEL, LEGEND_CHARS, color, fitted_caption, no_data,
    text,
};
use crate::format;
use crate::summary::{StrategySummary, summarize_bench};

/// Half the width of a bar, in strategy slots.
const HALF_BAR: f64 = 0.3;

/// One bench's strategies side by side.
pub(crate) struct ColdStart<'a> {
    /// Label of the result.
    pub label: &'a str,
    /// The bench.
    pub bench: &'a BenchResult,
}

impl Chart for ColdStart<'_> {
    fn draw<DB: Backend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let caption = format!("Cold-start time per strategy: {}", self.label);
        let summaries: Vec<StrategySummary> = summarize_bench(self.bench)
            .into_iter()
            .filter(|s| s.total_s.is_some())
            .collect();
        if summaries.is_empty() {
            return no_data(root, &caption);
        }
        let stacked = summaries.iter().any(|s| s.load_s.is_some());
        let base_name = crate::summary::baseline_strategy(self.bench);
        let x_desc = if base_name == "load-only" {
            "strategy (\"x faster\": than load-only, the loader alone from a cold cache)".to_owned()
        } else {
            format!("strategy (\"x faster\": than {base_name})")
        };
        let names: Vec<String> = summaries
            .iter()
            .map(StrategySummary::display_name)
            .collect();
        let y_max = summaries
            .iter()
            .flat_map(|s| {
                let stack = bar_height(s);
                [s.total_s.map_or(0.0, |t| t.max), stack]
            })
            .fold(0.0, f64::max);
        let n = summaries.len();
        let y_top = value_top(y_max, 0.4);
        let mut chart = ChartBuilder::on(root)
            .caption(fitted_caption(root, &caption)?, text(CAPTION))
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(100)
            .build_cartesian_2d(KeyAxis::slots(n), 0f64..y_top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc("cold-start time (s)")
            .axis_desc_style(text(DESC))
            .label_style(text(LABEL))
            .x_label_formatter(&|x| {
                let i = x.round();
                if i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&value_label(y_top))
            .y_max_light_lines(1)
            .draw()?;

        let warm_color = color(0);
        let load_color = color(4);
        let warm_label = if stacked {
            "warm part (median)"
        } else {
            "cold-start time (median)"
        };
        chart
            .draw_series(summaries.iter().enumerate().filter_map(|(i, s)| {
                let w = s.warm_s?.median;
                let x = i as f64;
                let right = if overlapped(s) { x } else { x + HALF_BAR };
                Some(Rectangle::new(
                    [(x - HALF_BAR, 0.0), (right, w)],
                    warm_color.filled(),
                ))
            }))?
            .label(warm_label)
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 7), (x + 24, y + 7)], warm_color.filled())
            });
        if stacked {
            let loader = self
                .bench
                .config
                .then
                .as_deref()
                .map(shorten)
                .unwrap_or_default();
            chart
                .draw_series(summaries.iter().enumerate().filter_map(|(i, s)| {
                    let w = s.warm_s.map_or(0.0, |w| w.median);
                    let l = s.load_s?.median;
                    let x = i as f64;
                    // `run`: the load beside the warm (right half), from 0.
                    let corners = if overlapped(s) {
                        [(x, 0.0), (x + HALF_BAR, l)]
                    } else {
                        [(x - HALF_BAR, w), (x + HALF_BAR, w + l)]
                    };
                    Some(Rectangle::new(corners, load_color.filled()))
                }))?
                .label(format!("load part, --then {loader} (median)"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 24, y + 7)], load_color.filled())
                });
            // The warm part's own spread, to the left of the centre.
            let dark = RGBColor(60, 60, 60);
            chart
                .draw_series(summaries.iter().enumerate().filter_map(|(i, s)| {
                    let w = s.warm_s?;
                    Some(ErrorBar::new_vertical(
                        i as f64 - HALF_BAR / 2.0,
                        w.min,
                        w.median,
                        w.max,
                        dark.stroke_width(2),
                        10,
                    ))
                }))?
                .label("min-max of the warm part")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x + 12, y - 8), (x + 12, y + 8)], dark.stroke_width(2))
                });
        }
        let whisker_label = if stacked {
            "min-max of the total (dot: median)"
        } else {
            "min-max (dot: median)"
        };
        chart
            .draw_series(summaries.iter().enumerate().filter_map(|(i, s)| {
                let t = s.total_s?;
                Some(ErrorBar::new_vertical(
                    i as f64,
                    t.min,
                    t.median,
                    t.max,
                    BLACK.stroke_width(2),
                    14,
                ))
            }))?
            .label(whisker_label)
            .legend(|(x, y)| {
                PathElement::new(
                    vec![(x + 12, y - 8), (x + 12, y + 8)],
                    BLACK.stroke_width(2),
                )
            });
        // The median total above each bar, with the speed-up over the
        // baseline (the loader alone with --then, else sequential), named in
        // the axis title so a reader knows what "faster" is against.
        let sequential = crate::summary::baseline_median(self.bench, &summaries);
        chart.draw_series(summaries.iter().enumerate().filter_map(|(i, s)| {
            let t = s.total_s?;
            let stack = bar_height(s);
            let top = t.max.max(stack);
            Some(
                EmptyElement::at((i as f64, top))
                    + Text::new(
                        match sequential {
                            Some(seq) if s.strategy != base_name && t.median > 0.0 => {
                                format!(
                                    "{} s ({:.1}x faster)",
                                    format::seconds(t.median),
                                    seq / t.median
                                )
                            }
                            _ => format!("{} s", format::seconds(t.median)),
                        },
                        (0, -12),
                        text(LABEL).pos(plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Bottom,
                        )),
                    ),
            )
        }))?;
        legend(&mut chart, SeriesLabelPosition::UpperRight, 12)
    }
}

/// Whether the strategy's load overlaps its warm (`run`: the loader starts
/// at once and the warm goes on beside it), drawn side by side, not stacked.
fn overlapped(s: &StrategySummary) -> bool {
    s.strategy == "run"
}

/// Height of a strategy's bar: warm + load stacked, or the longer of the
/// two when they overlap.
fn bar_height(s: &StrategySummary) -> f64 {
    let w = s.warm_s.map_or(0.0, |w| w.median);
    let l = s.load_s.map_or(0.0, |l| l.median);
    if overlapped(s) { w.max(l) } else { w + l }
}

/// A loader command short enough for a legend.
fn shorten(cmd: &str) -> String {
    format!("'{}'", crate::label::middle_ellipsis(cmd, LEGEND_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Spread;

    fn summary(strategy: &str, warm: f64, load: f64) -> StrategySummary {
        let spread = |v| {
            Some(Spread {
                median: v,
                min: v,
                max: v,
            })
        };
        StrategySummary {
            strategy: strategy.into(),
            level: Some(16),
            ok_runs: 1,
            failed_runs: 0,
            warm_s: spread(warm),
            load_s: spread(load),
            total_s: spread(warm + load),
            mib_s: None,
        }
    }

    #[test]
    fn run_bars_overlap_and_others_stack() {
        assert_eq!(bar_height(&summary("preload", 5.0, 1.5)), 6.5);
        assert_eq!(bar_height(&summary("run", 5.0, 6.0)), 6.0);
        assert!(overlapped(&summary("run", 1.0, 1.0)));
    }
}
