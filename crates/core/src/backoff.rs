//! Back-off: halve the readers when throughput collapses while their number
//! holds.
//!
//! Shared storage under too many readers does not always slow down
//! gracefully: it can throttle, or collapse (huggingface_hub #4893: a
//! download that ramps to 2.3 GB/s and then falls to 0.1-1 MB/s at the same
//! concurrency). On a fleet it happens when other nodes start their warm:
//! this node's readers did not change, the storage's answer did. Reading
//! harder then only deepens the collapse, so the engine halves the level
//! (TCP's multiplicative decrease) and never raises it again in this run:
//! a warm is short, and the readers that caused the collapse are usually
//! still there.
//!
//! The rule, checked every control interval while the queue is not
//! drained: the throughput of the last [`BackOffRule::window`] is below
//! [`BackOffRule::collapse`] x the best such window seen at the current
//! level, and the level has held for at least [`BackOffRule::settle`].
//! Not on by default: a tree whose first files are already cached reads
//! at memory speed and then at storage speed, which looks the same.

use std::collections::VecDeque;
use std::time::Duration;

/// When to back off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackOffRule {
    /// Throughput is averaged over this window (default 1 s).
    pub window: Duration,
    /// A window below this fraction of the level's best window is a
    /// collapse (default 1/3).
    pub collapse: f64,
    /// Time at a level before its windows count (default 2 s): the ramp
    /// after a start or a change is not a collapse.
    pub settle: Duration,
}

impl Default for BackOffRule {
    fn default() -> Self {
        BackOffRule {
            window: Duration::from_secs(1),
            collapse: 1.0 / 3.0,
            settle: Duration::from_secs(2),
        }
    }
}

/// One back-off, for the summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackOffEvent {
    /// Time since the run started.
    pub at: Duration,
    /// Level before.
    pub from: usize,
    /// Level after (half of `from`, at least 1).
    pub to: usize,
    /// The level's best window, MiB/s.
    pub peak_mib_s: f64,
    /// The window that collapsed, MiB/s.
    pub now_mib_s: f64,
}

/// The rule's state over one run.
#[derive(Debug)]
pub struct BackOff {
    rule: BackOffRule,
    /// (interval end, interval length, MiB/s) of the recent intervals.
    recent: VecDeque<(Duration, Duration, f64)>,
    /// The level seen last and when it started.
    level: usize,
    level_since: Duration,
    peak: f64,
    cap: Option<usize>,
    events: Vec<BackOffEvent>,
}

impl BackOff {
    /// A fresh state.
    pub fn new(rule: BackOffRule) -> Self {
        BackOff {
            rule,
            recent: VecDeque::new(),
            level: 0,
            level_since: Duration::ZERO,
            peak: 0.0,
            cap: None,
            events: Vec::new(),
        }
    }

    /// Feeds one control interval that ended at `now`, `dt` long, read at
    /// `mib_s` by `level` workers; returns the most workers allowed from
    /// now on (None: no cap).
    pub fn observe(
        &mut self,
        now: Duration,
        dt: Duration,
        level: usize,
        mib_s: f64,
    ) -> Option<usize> {
        if level != self.level {
            self.level = level;
            self.level_since = now.saturating_sub(dt);
            self.peak = 0.0;
            self.recent.clear();
        }
        self.recent.push_back((now, dt, mib_s));
        let mut covered: Duration = self.recent.iter().map(|r| r.1).sum();
        // The fewest recent intervals that cover the window.
        while let Some(&(_, len, _)) = self.recent.front() {
            if covered.saturating_sub(len) < self.rule.window {
                break;
            }
            covered -= len;
            self.recent.pop_front();
        }
        if covered < self.rule.window || now.saturating_sub(self.level_since) < self.rule.settle {
            return self.cap;
        }
        let mib: f64 = self.recent.iter().map(|r| r.2 * r.1.as_secs_f64()).sum();
        let window_mib_s = mib / covered.as_secs_f64();
        self.peak = self.peak.max(window_mib_s);
        if level > 1 && window_mib_s < self.rule.collapse * self.peak {
            let to = (level / 2).max(1);
            self.events.push(BackOffEvent {
                at: now,
                from: level,
                to,
                peak_mib_s: self.peak,
                now_mib_s: window_mib_s,
            });
            self.cap = Some(to);
        }
        self.cap
    }

    /// The back-offs so far.
    pub fn events(&self) -> &[BackOffEvent] {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: Duration = Duration::from_millis(250);

    /// Feeds `rates` one 250 ms interval each at the level the rule allows
    /// (starting at `level`); returns the levels used.
    fn drive(rule: BackOffRule, level: usize, rates: &[f64]) -> (Vec<usize>, BackOff) {
        drive_every(TICK, rule, level, rates)
    }

    fn drive_every(
        tick: Duration,
        rule: BackOffRule,
        level: usize,
        rates: &[f64],
    ) -> (Vec<usize>, BackOff) {
        let mut b = BackOff::new(rule);
        let mut level = level;
        let mut used = Vec::new();
        for (i, &r) in rates.iter().enumerate() {
            used.push(level);
            let now = tick * (i as u32 + 1);
            if let Some(cap) = b.observe(now, tick, level, r) {
                level = level.min(cap);
            }
        }
        (used, b)
    }

    #[test]
    fn a_collapse_at_a_held_level_halves_it_once_per_settle() {
        // 3 s at 200 MiB/s, then 5 MiB/s for good.
        let mut rates = vec![200.0; 12];
        rates.extend([5.0; 20]);
        let (used, b) = drive(BackOffRule::default(), 16, &rates);
        let ev = b.events();
        assert_eq!(ev[0].from, 16);
        assert_eq!(ev[0].to, 8);
        assert!(ev[0].peak_mib_s > 190.0 && ev[0].now_mib_s < 66.7, "{ev:?}");
        // After the halving, the new level starts from scratch: its own
        // peak is the collapsed rate, so no further halving follows.
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(*used.last().unwrap(), 8);
    }

    /// Regression: the engine's intervals are a little longer than asked
    /// (ticks of 50 ms, a busy machine); the window of 4 x 260 ms was cut to
    /// 3 intervals, never covered 1 s, and no collapse was ever seen.
    #[test]
    fn intervals_longer_than_a_quarter_second_still_fill_the_window() {
        let mut rates = vec![200.0; 12];
        rates.extend([5.0; 12]);
        let tick = Duration::from_millis(260);
        let (_, b) = drive_every(tick, BackOffRule::default(), 16, &rates);
        assert_eq!(b.events().len(), 1, "{:?}", b.events());
    }

    #[test]
    fn a_repeated_collapse_halves_again() {
        let mut rates = vec![200.0; 12];
        rates.extend([5.0; 12]);
        rates.extend([100.0; 12]);
        rates.extend([2.0; 12]);
        let (used, b) = drive(BackOffRule::default(), 16, &rates);
        assert_eq!(b.events().len(), 2, "{:?}", b.events());
        assert_eq!(*used.last().unwrap(), 4);
    }

    #[test]
    fn noise_and_the_ramp_are_not_a_collapse() {
        // A slow first second (the ramp), then +-40% noise around 100.
        let mut rates = vec![1.0, 5.0, 20.0, 50.0];
        rates.extend((0..40).map(|i| if i % 2 == 0 { 60.0 } else { 140.0 }));
        let (used, b) = drive(BackOffRule::default(), 16, &rates);
        assert!(b.events().is_empty(), "{:?}", b.events());
        assert!(used.iter().all(|&l| l == 16));
    }

    #[test]
    fn one_reader_is_never_halved() {
        let mut rates = vec![200.0; 12];
        rates.extend([1.0; 12]);
        let (_, b) = drive(BackOffRule::default(), 1, &rates);
        assert!(b.events().is_empty());
    }
}
