//! Which chunk a reader takes next: the front of the plan or one reader
//! per file first, around stalls either way.
//!
//! Readers take chunks from the front of the plan, each file's chunks in
//! order. A file whose reads stall (an HSM recall, a cold object behind a
//! gateway, a server that lost a lock) would otherwise collect every
//! reader: its chunks are consecutive in the plan, so each free reader
//! takes the next one and waits on the same stall while nothing else moves.
//!
//! So [`Scheduling::AroundStalls`] gives a file's next chunk to another
//! reader only once the file has answered: while a reader is still in the
//! first read call of a chunk (its open included), that file's other chunks
//! wait, and free readers take the front-most chunk of a file that is not
//! waiting. A healthy file answers within one read latency, so this costs
//! only a spreading of the first round of chunks over several files; a
//! stalled file holds one reader while other files have work.
//!
//! When every file with work left has a reader waiting on a first call,
//! a free reader still takes a chunk, since idling helps nobody: a file
//! whose wait is not yet suspect (shorter than a few typical first-call
//! latencies) with the fewest readers waiting, then the front-most; if all
//! are suspect, the one that has waited least. So one big file still gets
//! every reader at once, and a stalled file gets more readers only when
//! nothing else is left to read (its chunks are then read in parallel,
//! the quickest way through a stall that every request pays).
//!
//! [`Scheduling::SpreadFiles`] puts one reader on each file before it puts
//! two on any, and keeps each reader in a part of a file of its own. A
//! reader that finished a chunk goes on with the next chunk of its file
//! while nobody has taken it; else it takes the front-most chunk of a file
//! no reader is on; only when every file with work left has a reader does
//! it join the one with the fewest readers, not waiting on a first call,
//! front-most first (the tail of a big file is still shared, and nobody
//! idles while work remains). A reader that joins a file takes the middle
//! of the largest part nobody reads (by bytes), or the start of a part no
//! reader is about to go on into, never the chunk right behind another
//! reader's: readers that take turns at 32 MiB chunks of one file each read
//! ahead into the other's next chunk, and on the loopback MooseFS (2 GiB,
//! 8 shards, -P 16) the servers read 15-19% more than the tree that way and
//! the warm took 4.27 s against 3.76 s with a part per reader (GlusterFS:
//! 3.75 vs 3.79 s; reports/2026-12-03-vm/spread-parts). Several streams in
//! one file still cost MooseFS more than one stream each in several files;
//! the tune measures which a filesystem prefers (see `preload_tune`).
//!
//! Cost: one index per chunk and a few words per file and reader, under one
//! lock taken twice per chunk (not per read call); a pick looks at no more
//! than readers + 1 files.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::plan::Chunk;

/// How readers pick their next chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheduling {
    /// Always the front-most chunk left, so the chunks taken are a prefix
    /// of the plan (tune probes count fresh data that way).
    PlanOrder,
    /// The front-most chunk of a file that is not waiting on its first read
    /// (see the module documentation).
    #[default]
    AroundStalls,
    /// The front-most chunk of a file no reader is on; files are split
    /// across readers only when every file left has one (see the module
    /// documentation).
    SpreadFiles,
}

impl Scheduling {
    /// The name `preload warm --schedule` and the profile use: `front`,
    /// `spread` (`plan` is the tune's own).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheduling::PlanOrder => "plan",
            Scheduling::AroundStalls => "front",
            Scheduling::SpreadFiles => "spread",
        }
    }
}

impl std::str::FromStr for Scheduling {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "front" => Ok(Scheduling::AroundStalls),
            "spread" => Ok(Scheduling::SpreadFiles),
            "plan" => Ok(Scheduling::PlanOrder),
            _ => Err(format!("unknown schedule {s:?} (expected front or spread)")),
        }
    }
}

const NONE: usize = usize::MAX;
/// First-call latencies kept for the median.
const RECENT: usize = 32;
/// A wait longer than this many median first calls is suspect.
const SUSPECT_FACTOR: u32 = 4;
/// Shortest suspect wait (and the threshold before any call has answered).
const SUSPECT_FLOOR: Duration = Duration::from_millis(50);

/// The chunks not taken yet and the first calls still unanswered.
#[derive(Debug)]
pub(crate) struct Scheduler {
    mode: Scheduling,
    /// For each chunk, the next chunk of the same file in plan order.
    next_of_file: Vec<usize>,
    /// The first chunk not taken of each file that has one.
    fronts: BTreeSet<usize>,
    /// Per file: its first chunk not taken, or [`NONE`].
    front_of: Vec<usize>,
    /// Per chunk: taken by a reader.
    taken: Vec<bool>,
    /// Per reader: the chunk after the one it took last, in its file.
    then: Vec<usize>,
    /// Per file: readers in the first read call of one of its chunks.
    waiting: Vec<u32>,
    /// Per reader: the file and start of its unanswered first call.
    pending: Vec<Option<(usize, Instant)>>,
    /// Per file: readers reading one of its chunks.
    on: Vec<u32>,
    /// Per reader: the file of the chunk it is reading.
    current: Vec<Option<usize>>,
    /// Per file: two readers were on it at once (spread's parts, or
    /// neighbours at the front).
    shared: Vec<bool>,
    /// Latencies of the latest answered first calls.
    recent: VecDeque<Duration>,
    /// One past the last chunk taken.
    end: usize,
}

impl Scheduler {
    pub(crate) fn new(chunks: &[Chunk], files: usize, readers: usize, mode: Scheduling) -> Self {
        let mut next_of_file = vec![NONE; chunks.len()];
        let mut last = vec![NONE; files];
        let mut fronts = BTreeSet::new();
        let mut front_of = vec![NONE; files];
        for (i, c) in chunks.iter().enumerate() {
            match last[c.file] {
                NONE => {
                    fronts.insert(i);
                    front_of[c.file] = i;
                }
                prev => next_of_file[prev] = i,
            }
            last[c.file] = i;
        }
        Scheduler {
            mode,
            next_of_file,
            fronts,
            front_of,
            taken: vec![false; chunks.len()],
            then: vec![NONE; readers],
            waiting: vec![0; files],
            pending: vec![None; readers],
            on: vec![0; files],
            current: vec![None; readers],
            shared: vec![false; files],
            recent: VecDeque::with_capacity(RECENT),
            end: 0,
        }
    }

    /// True when every chunk was taken.
    pub(crate) fn drained(&self) -> bool {
        self.fronts.is_empty()
    }

    /// One past the last chunk taken: the chunks from here on were not.
    pub(crate) fn taken_end(&self) -> usize {
        self.end
    }

    /// Gives `reader` its next chunk, and counts it as on that chunk's file
    /// and waiting on its first call until [`Scheduler::answered`].
    pub(crate) fn take(&mut self, reader: usize, chunks: &[Chunk], now: Instant) -> Option<usize> {
        self.skipped(reader);
        let pos = self.pick(reader, chunks, now)?;
        let file = chunks[pos].file;
        self.taken[pos] = true;
        self.then[reader] = self.next_of_file[pos];
        // Only spread takes a chunk behind its file's front; the front
        // then stays where it is.
        if self.front_of[file] == pos {
            self.fronts.remove(&pos);
            let mut next = self.next_of_file[pos];
            while next != NONE && self.taken[next] {
                next = self.next_of_file[next];
            }
            self.front_of[file] = next;
            if next != NONE {
                self.fronts.insert(next);
            }
        }
        self.waiting[file] += 1;
        self.pending[reader] = Some((file, now));
        self.on[file] += 1;
        self.shared[file] |= self.on[file] > 1;
        self.current[reader] = Some(file);
        self.end = self.end.max(pos + 1);
        Some(pos)
    }

    /// `reader`'s first call returned: its file may have another reader.
    pub(crate) fn answered(&mut self, reader: usize, now: Instant) {
        if let Some(since) = self.unwait(reader) {
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(now.saturating_duration_since(since));
        }
    }

    /// `reader`'s chunk ended (read, or failed before its first call
    /// returned): it is on no file any more.
    pub(crate) fn finished(&mut self, reader: usize, now: Instant) {
        self.answered(reader, now);
        self.leave(reader);
    }

    /// Like [`Scheduler::finished`], for a chunk that was not read (its
    /// file had failed, or it was resident): no latency to learn from.
    pub(crate) fn skipped(&mut self, reader: usize) {
        self.unwait(reader);
        self.leave(reader);
    }

    /// True while no two readers have been on `file` at once: whoever
    /// reads it has had it to itself.
    pub(crate) fn never_shared(&self, file: usize) -> bool {
        !self.shared[file]
    }

    /// `reader` parks (a lower level): the rest of its part is nobody's,
    /// so a reader that joins the file may take it from its start.
    pub(crate) fn release(&mut self, reader: usize) {
        self.then[reader] = NONE;
    }

    fn unwait(&mut self, reader: usize) -> Option<Instant> {
        let (file, since) = self.pending[reader].take()?;
        self.waiting[file] -= 1;
        Some(since)
    }

    fn leave(&mut self, reader: usize) {
        if let Some(file) = self.current[reader].take() {
            self.on[file] -= 1;
        }
    }

    fn pick(&self, reader: usize, chunks: &[Chunk], now: Instant) -> Option<usize> {
        let &front = self.fronts.first()?;
        let mut waiting_fronts = Vec::new();
        match self.mode {
            Scheduling::PlanOrder => return Some(front),
            // A waiting file has a reader in its first call, so this looks
            // at no more than readers + 1 fronts.
            Scheduling::AroundStalls => {
                for &pos in &self.fronts {
                    if self.waiting[chunks[pos].file] == 0 {
                        return Some(pos);
                    }
                    waiting_fronts.push(pos);
                }
            }
            // A file passed over has a reader on it: again at most
            // readers + 1 fronts.
            Scheduling::SpreadFiles => {
                let then = self.then[reader];
                if then != NONE && !self.taken[then] {
                    return Some(then);
                }
                let mut fewest: Option<(u32, usize)> = None;
                for &pos in &self.fronts {
                    let file = chunks[pos].file;
                    let on = self.on[file];
                    if on == 0 {
                        return Some(pos);
                    }
                    if self.waiting[file] > 0 {
                        waiting_fronts.push(pos);
                    } else if fewest.is_none_or(|(n, _)| on < n) {
                        fewest = Some((on, pos));
                    }
                }
                if let Some((_, pos)) = fewest {
                    return Some(self.join(chunks[pos].file, chunks));
                }
            }
        }
        let pos = self.around_waits(&waiting_fronts, chunks, now)?;
        Some(match self.mode {
            Scheduling::SpreadFiles => self.join(chunks[pos].file, chunks),
            _ => pos,
        })
    }

    /// Where a reader joining `file` starts: of each run of chunks nobody
    /// took, it could have the whole run when no reader is about to go on
    /// into it, else the half behind its middle (by bytes); the largest of
    /// those, on a tie one nobody goes on into, then the front-most. Looks
    /// at the file's chunks from its front, once per join.
    fn join(&self, file: usize, chunks: &[Chunk]) -> usize {
        let front = self.front_of[file];
        // (bytes the joiner gets, nobody else goes on into them, where it
        // starts): on a tie a part nobody goes on into.
        let mut best = (0, false, front);
        let mut pos = front;
        while pos != NONE {
            if self.taken[pos] {
                pos = self.next_of_file[pos];
                continue;
            }
            let start = pos;
            let mut run = Vec::new();
            while pos != NONE && !self.taken[pos] {
                run.push(pos);
                pos = self.next_of_file[pos];
            }
            let bytes: u64 = run.iter().map(|&p| chunks[p].len).sum();
            // A reader whose last chunk is right before the run goes on
            // into it.
            let owned = self.then.contains(&start);
            let got = if owned {
                // The first chunk at or past the middle (the owner keeps
                // at least half), else the last; a run of one chunk is
                // the joiner's whole.
                let mut before = 0;
                let mut at = run.len() - 1;
                for (i, &p) in run.iter().enumerate() {
                    if 2 * before >= bytes {
                        at = i;
                        break;
                    }
                    before += chunks[p].len;
                }
                let at = if run.len() == 1 { 0 } else { at.max(1) };
                let behind: u64 = run[..at].iter().map(|&p| chunks[p].len).sum();
                (bytes - behind, false, run[at])
            } else {
                (bytes, true, start)
            };
            if (got.0, got.1) > (best.0, best.1) {
                best = got;
            }
        }
        best.2
    }

    /// Every file with work left has a reader waiting on its first call: a
    /// young wait with the fewest readers waiting, then the front-most; if
    /// every wait is suspect, the one that has waited least.
    fn around_waits(&self, fronts: &[usize], chunks: &[Chunk], now: Instant) -> Option<usize> {
        let mut since: HashMap<usize, Instant> = HashMap::new();
        for &(file, t) in self.pending.iter().flatten() {
            since
                .entry(file)
                .and_modify(|s| *s = (*s).min(t))
                .or_insert(t);
        }
        let waited = |pos: usize| {
            since
                .get(&chunks[pos].file)
                .map_or(Duration::ZERO, |&t| now.saturating_duration_since(t))
        };
        let suspect = self.suspect_after();
        fronts
            .iter()
            .copied()
            .filter(|&pos| waited(pos) <= suspect)
            .min_by_key(|&pos| (self.waiting[chunks[pos].file], pos))
            .or_else(|| fronts.iter().copied().min_by_key(|&pos| (waited(pos), pos)))
    }

    /// How long a first call may take before its file is suspected of a
    /// stall: a few times the median of recent first calls.
    fn suspect_after(&self) -> Duration {
        let mut recent: Vec<Duration> = self.recent.iter().copied().collect();
        recent.sort_unstable();
        recent
            .get(recent.len() / 2)
            .map_or(SUSPECT_FLOOR, |&m| (m * SUSPECT_FACTOR).max(SUSPECT_FLOOR))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sizes[f]` chunks of file f, files one after the other.
    fn chunks(sizes: &[usize]) -> Vec<Chunk> {
        sizes
            .iter()
            .enumerate()
            .flat_map(|(file, &n)| {
                (0..n).map(move |k| Chunk {
                    file,
                    offset: k as u64,
                    len: 1,
                })
            })
            .collect()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_file_waiting_on_its_first_read_gets_no_second_reader_while_others_have_work() {
        let c = chunks(&[16, 4, 4]);
        let mut s = Scheduler::new(&c, 3, 4, Scheduling::AroundStalls);
        let t0 = Instant::now();
        // Reader 0 takes file 0's first chunk and stalls in its first call.
        assert_eq!(s.take(0, &c, t0), Some(0));
        // The others go to the other files, not to chunk 1 of file 0.
        assert_eq!(c[s.take(1, &c, t0).unwrap()].file, 1);
        assert_eq!(c[s.take(2, &c, t0).unwrap()].file, 2);
        s.answered(1, t0 + ms(1));
        s.answered(2, t0 + ms(1));
        // As long as files 1 and 2 have chunks, file 0 waits.
        let mut t = t0 + ms(2);
        let mut taken = Vec::new();
        for _ in 0..8 {
            let pos = s.take(3, &c, t).unwrap();
            s.answered(3, t + ms(1));
            t += ms(10);
            taken.push(c[pos].file);
        }
        assert!(taken[..6].iter().all(|&f| f != 0), "{taken:?}");
        // Then, with nothing else left, idle readers take the stalled file's
        // chunks, in order.
        assert_eq!(taken[6..], [0, 0]);
        assert_eq!(s.take(1, &c, t), Some(3));
    }

    #[test]
    fn chunks_of_a_file_are_taken_in_order_and_one_big_file_gets_every_reader() {
        let c = chunks(&[8]);
        let mut s = Scheduler::new(&c, 1, 4, Scheduling::AroundStalls);
        let t = Instant::now();
        let got: Vec<usize> = (0..4).map(|r| s.take(r, &c, t).unwrap()).collect();
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(s.taken_end(), 4);
    }

    #[test]
    fn the_front_of_the_plan_goes_first_once_files_answer() {
        let c = chunks(&[3, 3, 3]);
        let mut s = Scheduler::new(&c, 3, 2, Scheduling::AroundStalls);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        assert_eq!(s.take(1, &c, t), Some(3), "file 0 is waiting: file 1");
        s.answered(0, t);
        s.answered(1, t);
        assert_eq!(s.take(0, &c, t), Some(1), "back to the front");
        s.answered(0, t);
        assert_eq!(s.take(1, &c, t), Some(2));
    }

    #[test]
    fn without_a_free_file_readers_spread_then_avoid_the_longest_wait() {
        let c = chunks(&[8, 8]);
        let mut s = Scheduler::new(&c, 2, 6, Scheduling::AroundStalls);
        let t0 = Instant::now();
        assert_eq!(s.take(0, &c, t0), Some(0));
        assert_eq!(s.take(1, &c, t0), Some(8));
        // Both waits are young: the readers spread, front first on a tie.
        assert_eq!(s.take(2, &c, t0), Some(1));
        assert_eq!(s.take(3, &c, t0), Some(9));
        // File 1 answers; file 0 goes on waiting far past the median.
        s.answered(1, t0 + ms(2));
        s.answered(3, t0 + ms(2));
        let late = t0 + ms(500);
        assert_eq!(s.take(1, &c, late), Some(10));
        assert_eq!(s.take(3, &c, late), Some(11), "file 1's wait is young");
        // Only suspect waits left: the one that has waited least.
        let later = late + ms(400);
        assert_eq!(s.take(4, &c, later), Some(12));
    }

    #[test]
    fn plan_order_takes_a_prefix() {
        let c = chunks(&[4, 4]);
        let mut s = Scheduler::new(&c, 2, 3, Scheduling::PlanOrder);
        let t = Instant::now();
        let got: Vec<usize> = (0..3).map(|r| s.take(r, &c, t).unwrap()).collect();
        assert_eq!(got, [0, 1, 2]);
        assert_eq!(s.taken_end(), 3);
    }

    #[test]
    fn interleaved_chunks_of_a_file_keep_their_order() {
        // A tune shard: units of files in shuffled order.
        let c: Vec<Chunk> = [(1, 0), (0, 5), (1, 1), (0, 2)]
            .iter()
            .map(|&(file, offset)| Chunk {
                file,
                offset,
                len: 1,
            })
            .collect();
        let mut s = Scheduler::new(&c, 2, 1, Scheduling::AroundStalls);
        let t = Instant::now();
        let mut got = Vec::new();
        while let Some(pos) = s.take(0, &c, t) {
            s.answered(0, t);
            got.push(pos);
        }
        assert_eq!(got, [0, 1, 2, 3]);
        assert!(s.drained());
    }

    #[test]
    fn spread_gives_each_file_one_reader_who_keeps_it() {
        let c = chunks(&[3, 3, 3, 3]);
        let mut s = Scheduler::new(&c, 4, 2, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        assert_eq!(s.take(1, &c, t), Some(3), "file 0 has a reader: file 1");
        // Each reader goes on with its own file: the front-most free one.
        let mut got = Vec::new();
        for _ in 0..2 {
            for r in 0..2 {
                s.finished(r, t);
                got.push(s.take(r, &c, t).unwrap());
            }
        }
        assert_eq!(got, [1, 4, 2, 5]);
        s.finished(0, t);
        assert_eq!(s.take(0, &c, t), Some(6), "file 0 done: the next file");
    }

    #[test]
    fn spread_splits_a_file_only_when_every_file_left_has_a_reader() {
        // Front of the plan would put all four readers on file 0.
        let c = chunks(&[8, 2, 1]);
        let mut s = Scheduler::new(&c, 3, 4, Scheduling::SpreadFiles);
        let t = Instant::now();
        let take = |r: usize, s: &mut Scheduler| {
            let pos = s.take(r, &c, t).unwrap();
            s.answered(r, t);
            pos
        };
        assert_eq!(
            [take(0, &mut s), take(1, &mut s), take(2, &mut s)],
            [0, 8, 10]
        );
        // No file is free: the fewest readers, front-most on a tie, in the
        // middle of what reader 0 has not read (it keeps chunks 1 to 4).
        assert_eq!(take(3, &mut s), 5);
        s.finished(2, t);
        assert_eq!(take(2, &mut s), 9, "file 1 has one reader, file 0 two");
        // Files 1 and 2 are done: every reader ends on file 0, each in the
        // middle of the largest part left, never right behind a reader.
        s.finished(2, t);
        s.finished(1, t);
        assert_eq!([take(1, &mut s), take(2, &mut s)], [3, 2]);
        // Each reader goes on with its own part: 0 with 1, 3 with 6.
        s.finished(0, t);
        s.finished(3, t);
        assert_eq!([take(0, &mut s), take(3, &mut s)], [1, 6]);
        assert!(!s.drained());
    }

    #[test]
    fn a_file_is_shared_from_the_first_time_two_readers_are_on_it() {
        let c = chunks(&[8, 1]);
        let mut s = Scheduler::new(&c, 2, 2, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        assert_eq!(s.take(1, &c, t), Some(8));
        s.finished(0, t);
        assert_eq!(s.take(0, &c, t), Some(1));
        assert!(s.never_shared(0) && s.never_shared(1));
        s.finished(1, t);
        // Reader 1 joins file 0: its part is read by two readers now, and
        // stays shared after one leaves.
        assert_eq!(s.take(1, &c, t), Some(5));
        assert!(!s.never_shared(0));
        s.finished(1, t);
        assert!(!s.never_shared(0) && s.never_shared(1));
    }

    #[test]
    fn spread_readers_of_one_file_each_read_a_part_of_it_in_order() {
        let c = chunks(&[8]);
        let mut s = Scheduler::new(&c, 1, 2, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        s.answered(0, t);
        // Not chunk 1, which reader 0 reads ahead into.
        assert_eq!(s.take(1, &c, t), Some(5));
        s.answered(1, t);
        let mut got = [Vec::new(), Vec::new()];
        while !s.drained() {
            for (r, seen) in got.iter_mut().enumerate() {
                s.finished(r, t);
                if let Some(pos) = s.take(r, &c, t) {
                    s.answered(r, t);
                    seen.push(pos);
                }
            }
        }
        // Reader 1's part ends first; it joins again in the middle of
        // reader 0's rest (chunks 3 and 4: the later one).
        assert_eq!(got, [vec![1, 2, 3], vec![6, 7, 4]]);
    }

    #[test]
    fn spread_splits_a_run_by_bytes_even_when_its_last_chunk_is_most_of_it() {
        // Chunks of 1, 1 and 30 bytes after the owner's: no chunk starts
        // at or past the middle, so the joiner takes the last, the 30.
        let len = [1u64, 1, 1, 30];
        let c: Vec<Chunk> = len
            .iter()
            .scan(0, |off, &len| {
                let chunk = Chunk {
                    file: 0,
                    offset: *off,
                    len,
                };
                *off += len;
                Some(chunk)
            })
            .collect();
        let mut s = Scheduler::new(&c, 1, 2, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        assert_eq!(s.take(1, &c, t), Some(3));
        // Left: chunks 1 and 2, reader 0 goes on into 1: a joiner gets 2.
        assert_eq!(s.join(0, &c), 2);
    }

    #[test]
    fn spread_takes_a_part_nobody_goes_on_into_from_its_start() {
        let c = chunks(&[8]);
        let mut s = Scheduler::new(&c, 1, 3, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        assert_eq!(s.take(1, &c, t), Some(5), "the later half of 1..=7");
        // Reader 1 read chunk 5 and parks (a lower level): 6 and 7 are
        // nobody's. Reader 2 could have 3..=4 behind reader 0 or 6..=7
        // whole: as many bytes, and nobody reads into 6.
        s.finished(1, t);
        s.release(1);
        assert_eq!(s.take(2, &c, t), Some(6));
    }

    #[test]
    fn every_chunk_is_taken_once_whatever_the_order_readers_come_back() {
        for mode in [
            Scheduling::PlanOrder,
            Scheduling::AroundStalls,
            Scheduling::SpreadFiles,
        ] {
            for seed in 0..50u64 {
                let c = chunks(&[16, 3, 1, 40, 2, 9]);
                let readers = 1 + (seed % 9) as usize;
                let mut s = Scheduler::new(&c, 6, readers, mode);
                let t = Instant::now();
                let mut seen = vec![0u32; c.len()];
                let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                while !s.drained() {
                    // xorshift: which reader comes back next.
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let r = (rng % readers as u64) as usize;
                    s.finished(r, t);
                    if let Some(pos) = s.take(r, &c, t) {
                        s.answered(r, t);
                        seen[pos] += 1;
                    }
                }
                assert!(seen.iter().all(|&n| n == 1), "{mode:?} {seed}: {seen:?}");
            }
        }
    }

    #[test]
    fn spread_keeps_a_second_reader_off_a_stalled_file_and_never_idles() {
        let c = chunks(&[8, 8]);
        let mut s = Scheduler::new(&c, 2, 4, Scheduling::SpreadFiles);
        let t0 = Instant::now();
        // File 0 stalls in its first call; file 1 answers.
        assert_eq!(s.take(0, &c, t0), Some(0));
        assert_eq!(s.take(1, &c, t0), Some(8));
        s.answered(1, t0 + ms(1));
        // Both files have a reader: the one not waiting gets a part of it.
        assert_eq!(s.take(2, &c, t0 + ms(2)), Some(13));
        // Now both have a reader waiting; still nobody idles.
        assert_eq!(s.take(3, &c, t0 + ms(2)), Some(5));
    }

    #[test]
    fn a_skipped_chunk_frees_its_file_for_spread() {
        let c = chunks(&[2, 2]);
        let mut s = Scheduler::new(&c, 2, 2, Scheduling::SpreadFiles);
        let t = Instant::now();
        assert_eq!(s.take(0, &c, t), Some(0));
        s.skipped(0);
        assert_eq!(s.take(1, &c, t), Some(1), "file 0 is free again");
    }

    #[test]
    fn schedules_parse_by_their_names() {
        for mode in [Scheduling::AroundStalls, Scheduling::SpreadFiles] {
            assert_eq!(mode.as_str().parse::<Scheduling>(), Ok(mode));
        }
        assert!("sideways".parse::<Scheduling>().is_err());
    }
}
