//! The log2 parallelism axis: ticks at 1, 2, 4, 8, ...

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// Powers of two from 1 up to the first one at or above `max_level`.
pub(crate) fn level_ticks(max_level: usize) -> Vec<f64> {
    let top = max_level.max(2).next_power_of_two();
    std::iter::successors(Some(1usize), |p| (*p < top).then_some(p * 2))
        .map(|p| p as f64)
        .collect()
}

/// The parallelism range for `ticks`, padded by a fraction of an octave on
/// both sides so the end points are not drawn on the frame.
pub(crate) fn level_range(ticks: &[f64]) -> Range<f64> {
    let top = ticks.last().copied().unwrap_or(2.0);
    2f64.powf(-0.25)..top * 2f64.powf(0.25)
}

/// Tick label of a level: `1`, `16`, `128`.
pub(crate) fn level_label(x: &f64) -> String {
    format!("{}", x.round() as u64)
}

/// Upper end of a value axis that starts at zero: the data maximum plus
/// `headroom` (a fraction) for labels and the legend; 1 when there is no data.
pub(crate) fn value_top(max: f64, headroom: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * (1.0 + headroom)
    } else {
        1.0
    }
}

/// A linear axis with ticks exactly where asked (plotters' linear f64 axis
/// places its ticks at round numbers of its own choosing) and no light grid
/// lines.
#[derive(Debug, Clone)]
pub(crate) struct KeyAxis {
    range: Range<f64>,
    keys: Vec<f64>,
}

impl KeyAxis {
    /// `n` categories: slot `i` is centred on `i`, the axis runs from -0.5
    /// to n-0.5 with a tick at every slot.
    pub(crate) fn slots(n: usize) -> KeyAxis {
        KeyAxis {
            range: -0.5..n.max(1) as f64 - 0.5,
            keys: (0..n).map(|i| i as f64).collect(),
        }
    }

    /// Time in seconds since the epoch, ticks at whole hours or days (UTC)
    /// with at most `max_ticks` ticks.
    pub(crate) fn time(range: Range<f64>, max_ticks: usize) -> KeyAxis {
        const HOUR: f64 = 3600.0;
        const DAY: f64 = 24.0 * HOUR;
        let span = range.end - range.start;
        let steps = [
            HOUR,
            2.0 * HOUR,
            3.0 * HOUR,
            6.0 * HOUR,
            12.0 * HOUR,
            DAY,
            2.0 * DAY,
            7.0 * DAY,
            14.0 * DAY,
            28.0 * DAY,
            91.0 * DAY,
            182.0 * DAY,
            364.0 * DAY,
        ];
        let step = steps
            .iter()
            .copied()
            .find(|s| span / s <= max_ticks.max(1) as f64)
            .unwrap_or_else(|| (span / max_ticks.max(1) as f64 / DAY).ceil() * DAY);
        let first = (range.start / step).ceil() * step;
        let keys = std::iter::successors(Some(first), |t| Some(t + step))
            .take_while(|t| *t <= range.end)
            .collect();
        KeyAxis { range, keys }
    }
}

impl Ranged for KeyAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let width = self.range.end - self.range.start;
        let frac = if width > 0.0 {
            (value - self.range.start) / width
        } else {
            0.5
        };
        limit.0 + (frac * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// A tick label formatter for a value axis from 0 to `top`: no decimals
/// unless the values are small.
pub(crate) fn value_label(top: f64) -> impl Fn(&f64) -> String {
    let decimals = if top >= 20.0 {
        0
    } else if top >= 2.0 {
        1
    } else {
        2
    };
    move |v: &f64| format!("{v:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_powers_of_two_covering_the_levels() {
        assert_eq!(level_ticks(16), vec![1.0, 2.0, 4.0, 8.0, 16.0]);
        assert_eq!(level_ticks(12), vec![1.0, 2.0, 4.0, 8.0, 16.0]);
        assert_eq!(level_ticks(1), vec![1.0, 2.0]);
    }

    use plotters::coord::ranged1d::BoldPoints;

    #[test]
    fn slots_map_centres_evenly() {
        let s = KeyAxis::slots(2);
        assert_eq!(s.map(&-0.5, (0, 100)), 0);
        assert_eq!(s.map(&0.0, (0, 100)), 25);
        assert_eq!(s.map(&1.0, (0, 100)), 75);
        assert_eq!(s.key_points(BoldPoints(3)), vec![0.0, 1.0]);
    }

    #[test]
    fn time_ticks_fall_on_midnights() {
        let day = 86400.0;
        // 2025-06-01T06:00Z to 2025-06-10T06:00Z.
        let start = 1_748_757_600.0;
        let axis = KeyAxis::time(start..start + 9.0 * day, 8);
        let keys = axis.key_points(BoldPoints(8));
        assert!(!keys.is_empty() && keys.len() <= 8, "{keys:?}");
        assert!(keys.iter().all(|t| t % day == 0.0), "{keys:?}");
    }

    #[test]
    fn value_labels_drop_needless_decimals() {
        assert_eq!(value_label(2000.0)(&0.0), "0");
        assert_eq!(value_label(5.0)(&2.5), "2.5");
        assert_eq!(value_label(0.5)(&0.25), "0.25");
    }

    #[test]
    fn range_pads_both_ends() {
        let r = level_range(&level_ticks(16));
        assert!(r.start < 1.0 && r.end > 16.0 && r.end < 32.0);
    }
}
