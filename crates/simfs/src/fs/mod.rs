//! The FUSE filesystem: a read-only passthrough whose reads go through the model.
//!
//! Reads go through the [`Scheduler`] (and the server-side cache, when the
//! model has one). Metadata requests (lookup, getattr, open, readdir,
//! readlink) are answered from the backing directory at once, and their
//! replies sent after the model's metadata latency, also by the scheduler's
//! timer: a session thread never sleeps, so slow metadata does not hold back
//! other requests. Opening for writing fails with EROFS (the mount is also
//! mounted `ro`, so the kernel refuses most writes before they get here).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fuser::{
    Errno, FileAttr, FileHandle, Filesystem, FopenFlags, Generation, INodeNo, InitFlags,
    KernelConfig, LockOwner, OpenAccMode, OpenFlags, ReplyAttr, ReplyData, ReplyDirectory,
    ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, Request,
};

mod read;

use read::{Handle, SharedCache};

use crate::backing::{list, to_attr};
use crate::faults::FaultMatcher;
use crate::inodes::Inodes;
use crate::model::Model;
use crate::scheduler::Scheduler;
use crate::server_cache::ServerCache;
use crate::stats::Counters;

/// How long the kernel may trust entries and attributes (long enough to keep
/// the page cache across opens, short enough to notice a changed backing file).
const TTL: Duration = Duration::from_secs(5);

/// Kernel queue settings unless the model names its own: past
/// `congestion_threshold` background requests the kernel stops reading
/// ahead, so keep it well above 4 x readers (realfs.md).
const MAX_BACKGROUND: u16 = 256;

/// The filesystem handed to fuser.
pub(crate) struct SimFs {
    backing: PathBuf,
    inodes: Inodes,
    handles: Mutex<HashMap<u64, Arc<Handle>>>,
    next_fh: AtomicU64,
    faults: FaultMatcher,
    stream_bw: Option<u64>,
    meta_latency: Duration,
    server_cache: Option<SharedCache>,
    no_cache: bool,
    max_background: u16,
    counters: Arc<Counters>,
    sched: Scheduler,
}

impl SimFs {
    /// The filesystem serving `backing` through `model` (its faults compiled
    /// in `faults`, its request timing in `sched`).
    pub(crate) fn new(
        backing: PathBuf,
        model: &Model,
        faults: FaultMatcher,
        sched: Scheduler,
    ) -> Self {
        Self {
            backing,
            inodes: Inodes::new(),
            handles: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            faults,
            stream_bw: model.stream_bw,
            meta_latency: model.meta_latency,
            server_cache: model
                .server_cache
                .map(|bytes| Arc::new(Mutex::new(ServerCache::new(bytes)))),
            no_cache: model.no_cache,
            max_background: model.max_background.unwrap_or(MAX_BACKGROUND),
            counters: sched.counters(),
            sched,
        }
    }

    fn rel(&self, ino: INodeNo) -> Result<PathBuf, Errno> {
        self.inodes.path(ino.0).ok_or(Errno::ENOENT)
    }

    fn attr(&self, rel: &Path) -> Result<FileAttr, Errno> {
        let meta = std::fs::symlink_metadata(self.backing.join(rel)).map_err(Errno::from)?;
        Ok(to_attr(self.inodes.ino(rel), &meta))
    }

    fn handle(&self, fh: FileHandle) -> Option<Arc<Handle>> {
        self.handles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&fh.0)
            .cloned()
    }

    /// Sends a metadata reply after the metadata latency (at once without one).
    fn meta_reply(&self, send: impl FnOnce() + Send + 'static) {
        self.counters.meta();
        if self.meta_latency.is_zero() {
            send();
        } else {
            self.sched
                .after(self.meta_latency, Box::new(move |_| send()));
        }
    }
}

impl Filesystem for SimFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        let _ = config.set_max_background(self.max_background);
        // Three quarters, as the kernel derives it when a daemon sets none.
        let threshold = (u32::from(self.max_background) * 3 / 4).max(1);
        let _ = config.set_congestion_threshold(u16::try_from(threshold).unwrap_or(u16::MAX));
        // The kernel offers 128 KiB here and refuses more; `mount` raises the
        // bdi's read_ahead_kb afterwards.
        if let Err(max) = config.set_max_readahead(1 << 20) {
            let _ = config.set_max_readahead(max);
        }
        // Without it the kernel sends one lookup or readdir per directory at
        // a time, so metadata latency would serialise readers of one directory.
        let _ = config.add_capabilities(InitFlags::FUSE_PARALLEL_DIROPS);
        if self.no_cache {
            // Lets mmap-based residency checks map direct-I/O files (they see 0 resident).
            let _ = config.add_capabilities(InitFlags::FUSE_DIRECT_IO_ALLOW_MMAP);
        }
        Ok(())
    }

    fn destroy(&mut self) {
        self.sched.shutdown();
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let attr = self.rel(parent).and_then(|p| self.attr(&p.join(name)));
        self.meta_reply(move || match attr {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        });
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let attr = self.rel(ino).and_then(|p| self.attr(&p));
        self.meta_reply(move || match attr {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        });
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let target = self
            .rel(ino)
            .and_then(|p| std::fs::read_link(self.backing.join(p)).map_err(Errno::from));
        self.meta_reply(move || match target {
            Ok(t) => reply.data(t.as_os_str().as_bytes()),
            Err(e) => reply.error(e),
        });
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let opened = if flags.acc_mode() != OpenAccMode::O_RDONLY || flags.0 & libc::O_TRUNC != 0 {
            Err(Errno::EROFS)
        } else {
            self.rel(ino).and_then(|p| self.open_handle(&p))
        };
        let opened = opened.map(|handle| {
            let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
            self.handles
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(fh, Arc::new(handle));
            fh
        });
        let flags = if self.no_cache {
            FopenFlags::FOPEN_DIRECT_IO
        } else {
            FopenFlags::FOPEN_KEEP_CACHE
        };
        self.meta_reply(move || match opened {
            Ok(fh) => reply.opened(FileHandle(fh), flags),
            Err(e) => reply.error(e),
        });
    }

    fn read(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let Some(h) = self.handle(fh) else {
            return reply.error(Errno::EBADF);
        };
        self.serve_read(&h, offset, size, reply);
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        self.handles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&fh.0);
        reply.ok();
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let entries = self
            .rel(ino)
            .and_then(|rel| list(&self.backing, &self.inodes, ino, &rel));
        let entries = match entries {
            Ok(e) => e,
            Err(e) => return self.meta_reply(move || reply.error(e)),
        };
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(skip) {
            if reply.add(INodeNo(ino), i as u64 + 1, kind, name) {
                break;
            }
        }
        self.meta_reply(move || reply.ok());
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        match crate::sys::statvfs(&self.backing) {
            Ok(s) => reply.statfs(
                s.f_blocks,
                s.f_bfree,
                s.f_bavail,
                s.f_files,
                s.f_ffree,
                s.f_bsize as u32,
                s.f_namemax as u32,
                s.f_frsize as u32,
            ),
            Err(e) => reply.error(Errno::from(e)),
        }
    }
}
