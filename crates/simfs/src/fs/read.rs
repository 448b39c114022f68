//! Open handles and the read path: server cache first, then the model.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use fuser::{Errno, ReplyData};

use super::SimFs;
use crate::backing::read_full;
use crate::faults::FilePlan;
use crate::scheduler::{Stream, Task};
use crate::server_cache::{FileId, ServerCache};

/// One open file handle: one stream.
pub(super) struct Handle {
    file: File,
    /// The backing file, as the server cache knows it.
    id: FileId,
    /// Size at open (halved for a shrinking file); reads are clipped to it.
    size: u64,
    plan: FilePlan,
    first_read_done: AtomicBool,
    stream: Arc<Stream>,
}

pub(super) type SharedCache = Arc<Mutex<ServerCache>>;

fn lock(cache: &SharedCache) -> MutexGuard<'_, ServerCache> {
    cache.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimFs {
    pub(super) fn open_handle(&self, rel: &Path) -> Result<Handle, Errno> {
        let file = File::open(self.backing.join(rel)).map_err(Errno::from)?;
        let meta = file.metadata().map_err(Errno::from)?;
        let plan = self.faults.plan(rel);
        let size = if plan.shrink {
            meta.len() / 2
        } else {
            meta.len()
        };
        Ok(Handle {
            file,
            id: (meta.dev(), meta.ino()),
            size,
            plan,
            first_read_done: AtomicBool::new(false),
            stream: Arc::new(Stream::new(self.stream_bw)),
        })
    }

    /// Answers a read of `size` bytes at `offset` of handle `h`: from the
    /// server cache when it has every block, else through the model.
    pub(super) fn serve_read(&self, h: &Arc<Handle>, offset: u64, size: u32, reply: ReplyData) {
        let len = h.size.saturating_sub(offset).min(u64::from(size));
        let fails = h.plan.fails(offset, len);
        let extra = if !h.plan.stall.is_zero() && !h.first_read_done.swap(true, Ordering::Relaxed) {
            h.plan.stall
        } else {
            Duration::ZERO
        };
        // The server cache answers only what the model would have answered
        // normally (no injected fault, no stall), and ignores reads at end of
        // file. A miss is cached as it arrives, so the cache's order is the
        // order requests came in, not the order concurrent workers finish them.
        let hit = self
            .server_cache
            .as_ref()
            .filter(|_| !fails && extra.is_zero() && len > 0)
            .is_some_and(|c| lock(c).serve(h.id, offset, len));
        let stream = Arc::clone(&h.stream);
        let counters = Arc::clone(&self.counters);
        let h = Arc::clone(h);
        let work = Box::new(move |buf: &mut Vec<u8>| {
            if fails {
                return reply.error(Errno::EIO);
            }
            // `len` is at most `size`, a u32. The buffer only ever grows, so
            // it is zero-filled once per worker, not once per request.
            let want = len as usize;
            if buf.len() < want {
                buf.resize(want, 0);
            }
            match read_full(&h.file, &mut buf[..want], offset) {
                Ok(n) => {
                    // Counted first: once the reader has its data it may
                    // look at the counters at once.
                    counters.served(n as u64);
                    reply.data(&buf[..n]);
                }
                Err(e) => reply.error(Errno::from(e)),
            }
        });
        if hit {
            self.sched.hit(len, work);
        } else {
            self.sched.submit(Task {
                bytes: len,
                stream,
                extra,
                work,
            });
        }
    }
}
