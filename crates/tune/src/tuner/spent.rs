//! What a tune has read so far against its byte budget: the bytes its
//! probes counted and the bytes the storage served for them (readahead past
//! the units), the larger of which the budget bounds.

use preload_schema::Probe;

/// Share of what is left of the byte budget that the probes after the
/// curve leave unspent: the storage serves more than the tune sees (its
/// readahead past the measured guard; simfs counted 1-9% more than the
/// tunes reported on the shape matrix), and those probes may take all that
/// is left. Without it, slot-bound's tunes made simfs serve 1.5% more than
/// the budget.
pub(super) const UNSEEN_SHARE: f64 = 0.10;

/// Bytes a tune has spent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Spent {
    /// Bytes the probes read.
    pub(super) counted: u64,
    /// Bytes the storage served for them, never less than counted.
    pub(super) served: u64,
    /// The most one probe's storage served past what it counted, per
    /// reader: what each stream had read ahead when its probe stopped.
    pub(super) ahead_per_reader: u64,
    /// Of `served`: what the probes' readahead brought in after their
    /// stops ([`crate::SamplePool::landed_late`]).
    pub(super) landed_late: u64,
}

impl Spent {
    /// Adds one probe's bytes.
    pub(super) fn add(&mut self, probe: &Probe) {
        self.counted += probe.bytes;
        self.served += probe.served_bytes.max(probe.bytes);
        let ahead = probe.served_bytes.saturating_sub(probe.bytes) / probe.level.max(1) as u64;
        self.ahead_per_reader = self.ahead_per_reader.max(ahead);
    }

    /// Takes the pool's count of bytes landed after the probes' stops
    /// (`total`, cumulative) into what was served.
    pub(super) fn landed(&mut self, total: u64) {
        self.served += total.saturating_sub(self.landed_late);
        self.landed_late = self.landed_late.max(total);
    }

    /// What is left of `limit`, the larger of counted and served spent.
    pub(super) fn unspent(&self, limit: u64) -> u64 {
        limit.saturating_sub(self.counted.max(self.served))
    }

    /// What the probes after the curve may still have served under
    /// `limit`: what is left of it, less [`UNSEEN_SHARE`] of that.
    pub(super) fn left(&self, limit: u64) -> u64 {
        let left = self.unspent(limit);
        left - (left as f64 * UNSEEN_SHARE) as u64
    }

    /// Served bytes per counted byte so far (1 before the first probe).
    pub(super) fn overshoot(&self) -> f64 {
        if self.counted > 0 {
            (self.served as f64 / self.counted as f64).max(1.0)
        } else {
            1.0
        }
    }

    /// What probes may still read under `limit`, in counted bytes: [`Self::left`],
    /// less the share the storage serves past what is counted (at the rate
    /// seen so far), so that the served bytes stay within it.
    pub(super) fn left_of(&self, limit: u64) -> u64 {
        (self.left(limit) as f64 / self.overshoot()) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(bytes: u64, served_bytes: u64) -> Probe {
        Probe {
            level: 1,
            phase: preload_schema::ProbePhase::Sweep,
            bytes,
            elapsed_s: 1.0,
            resident_before: 0.0,
            buckets: Vec::new(),
            steady_mib_s: 0.0,
            latency: Default::default(),
            served_bytes,
            reads_per_reader: 0.0,
        }
    }

    #[test]
    fn what_is_left_leaves_room_for_the_bytes_served_past_the_counted() {
        let mut spent = Spent::default();
        assert_eq!(spent.left_of(1000), 900);
        spent.add(&probe(100, 120));
        // 880 left of the budget, 792 without the unseen share; at 1.2
        // served per counted byte, probes may count 660 more.
        assert_eq!(spent.left_of(1000), 660);
        // A probe whose served bytes were not measured counts as read.
        spent.add(&probe(100, 0));
        assert_eq!((spent.counted, spent.served), (200, 220));
        assert_eq!(spent.left_of(100), 0);
        assert_eq!(spent.left(1000), 702);
    }

    #[test]
    fn the_readahead_per_reader_is_the_most_any_probe_showed() {
        let mut spent = Spent::default();
        let mut at = |level, bytes, served| {
            let mut p = probe(bytes, served);
            p.level = level;
            spent.add(&p);
        };
        at(4, 100 << 20, 108 << 20);
        at(16, 400 << 20, 416 << 20);
        assert_eq!(spent.ahead_per_reader, 2 << 20);
    }
}
