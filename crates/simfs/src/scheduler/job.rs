//! The units the scheduler moves around: streams, read tasks, timed jobs.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::bucket::Bucket;

/// The work to run at a job's deadline; it gets a reusable buffer.
pub(crate) type Work = Box<dyn FnOnce(&mut Vec<u8>) + Send>;

/// One stream (open file handle), as the model sees it.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    state: Mutex<StreamState>,
}

#[derive(Debug, Default)]
pub(super) struct StreamState {
    /// The stream's own bandwidth cap, if any.
    pub(super) bucket: Option<Bucket>,
    /// Its read requests received and not yet answered; the stream is active
    /// (counts for contention) while this is above zero.
    pub(super) outstanding: usize,
}

impl Stream {
    /// A stream capped at `stream_bw` bytes per second, if given.
    pub(crate) fn new(stream_bw: Option<u64>) -> Self {
        let bucket = stream_bw.map(|bw| Bucket::new(bw, Duration::ZERO));
        Self {
            state: Mutex::new(StreamState {
                bucket,
                outstanding: 0,
            }),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One read request on its way through the model.
pub(crate) struct Task {
    /// Bytes the request will transfer (what the caps are charged).
    pub(crate) bytes: u64,
    /// The stream it belongs to.
    pub(crate) stream: Arc<Stream>,
    /// Extra delay on top of the model (an injected stall).
    pub(crate) extra: Duration,
    /// Reads and replies.
    pub(crate) work: Work,
}

/// What the timer hands to a worker.
pub(super) enum Job {
    /// A read through the model: holds a slot and its stream active until done.
    Read(Task),
    /// Anything else that is only delayed (metadata replies, server-cache hits).
    Plain(Work),
}

pub(super) struct Timed {
    pub(super) at: Instant,
    pub(super) seq: u64,
    pub(super) job: Job,
}

impl PartialEq for Timed {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}
