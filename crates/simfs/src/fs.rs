//! The FUSE filesystem: a read-only passthrough whose reads go through the model.
//!
//! Metadata operations (lookup, getattr, readdir, readlink, statfs) are
//! answered at once from the backing directory; only `read` goes through the
//! [`Scheduler`]. Opening for writing fails with EROFS (the mount is also
//! mounted `ro`, so the kernel refuses most writes before they get here).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, InitFlags,
    KernelConfig, LockOwner, OpenAccMode, OpenFlags, ReplyAttr, ReplyData, ReplyDirectory,
    ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, Request,
};

use crate::bucket::Bucket;
use crate::faults::{FaultMatcher, FilePlan};
use crate::inodes::{Inodes, ROOT};
use crate::scheduler::{Scheduler, Task};

/// How long the kernel may trust entries and attributes (long enough to keep
/// the page cache across opens, short enough to notice a changed backing file).
const TTL: Duration = Duration::from_secs(5);

/// Kernel queue settings: past `congestion_threshold` background requests the
/// kernel stops reading ahead, so keep it well above 4 x readers (realfs.md).
const MAX_BACKGROUND: u16 = 256;
const CONGESTION_THRESHOLD: u16 = 192;

/// One open file handle: one stream.
struct Handle {
    file: File,
    /// Size at open (halved for a shrinking file); reads are clipped to it.
    size: u64,
    plan: FilePlan,
    first_read_done: AtomicBool,
    stream: Option<Arc<Mutex<Bucket>>>,
}

/// The filesystem handed to fuser.
pub(crate) struct SimFs {
    backing: PathBuf,
    inodes: Inodes,
    handles: Mutex<HashMap<u64, Arc<Handle>>>,
    next_fh: AtomicU64,
    faults: FaultMatcher,
    stream_bw: Option<u64>,
    no_cache: bool,
    sched: Scheduler,
}

impl SimFs {
    pub(crate) fn new(
        backing: PathBuf,
        faults: FaultMatcher,
        stream_bw: Option<u64>,
        no_cache: bool,
        sched: Scheduler,
    ) -> Self {
        Self {
            backing,
            inodes: Inodes::new(),
            handles: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            faults,
            stream_bw,
            no_cache,
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

    fn open_handle(&self, rel: &Path) -> Result<Handle, Errno> {
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
            size,
            plan,
            first_read_done: AtomicBool::new(false),
            stream: self
                .stream_bw
                .map(|bw| Arc::new(Mutex::new(Bucket::new(bw, Duration::ZERO)))),
        })
    }
}

fn time(secs: i64, nanos: i64) -> SystemTime {
    let nanos = u32::try_from(nanos).unwrap_or(0);
    match u64::try_from(secs) {
        Ok(s) => UNIX_EPOCH + Duration::new(s, nanos),
        Err(_) => UNIX_EPOCH,
    }
}

fn to_attr(ino: u64, m: &Metadata) -> FileAttr {
    FileAttr {
        ino: INodeNo(ino),
        size: m.len(),
        blocks: m.blocks(),
        atime: time(m.atime(), m.atime_nsec()),
        mtime: time(m.mtime(), m.mtime_nsec()),
        ctime: time(m.ctime(), m.ctime_nsec()),
        crtime: UNIX_EPOCH,
        kind: FileType::from_std(m.file_type()).unwrap_or(FileType::RegularFile),
        perm: (m.mode() & 0o7777) as u16,
        nlink: u32::try_from(m.nlink()).unwrap_or(u32::MAX),
        uid: m.uid(),
        gid: m.gid(),
        rdev: u32::try_from(m.rdev()).unwrap_or(0),
        blksize: u32::try_from(m.blksize()).unwrap_or(4096),
        flags: 0,
    }
}

/// Reads `buf.len()` bytes at `offset`, fewer only at end of file.
fn read_full(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

impl Filesystem for SimFs {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> std::io::Result<()> {
        let _ = config.set_max_background(MAX_BACKGROUND);
        let _ = config.set_congestion_threshold(CONGESTION_THRESHOLD);
        // The kernel offers 128 KiB here and refuses more; `mount` raises the
        // bdi's read_ahead_kb afterwards.
        if let Err(max) = config.set_max_readahead(1 << 20) {
            let _ = config.set_max_readahead(max);
        }
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
        match self.rel(parent).and_then(|p| self.attr(&p.join(name))) {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        match self.rel(ino).and_then(|p| self.attr(&p)) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let target = self
            .rel(ino)
            .and_then(|p| std::fs::read_link(self.backing.join(p)).map_err(Errno::from));
        match target {
            Ok(t) => reply.data(t.as_os_str().as_bytes()),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        if flags.acc_mode() != OpenAccMode::O_RDONLY || flags.0 & libc::O_TRUNC != 0 {
            return reply.error(Errno::EROFS);
        }
        match self.rel(ino).and_then(|p| self.open_handle(&p)) {
            Ok(handle) => {
                let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
                self.handles
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(fh, Arc::new(handle));
                let flags = if self.no_cache {
                    FopenFlags::FOPEN_DIRECT_IO
                } else {
                    FopenFlags::FOPEN_KEEP_CACHE
                };
                reply.opened(FileHandle(fh), flags);
            }
            Err(e) => reply.error(e),
        }
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
        let len = h.size.saturating_sub(offset).min(u64::from(size));
        let fails = h.plan.fails(offset, len);
        let extra = if !h.plan.stall.is_zero() && !h.first_read_done.swap(true, Ordering::Relaxed) {
            h.plan.stall
        } else {
            Duration::ZERO
        };
        let stream = h.stream.clone();
        let work = Box::new(move |buf: &mut Vec<u8>| {
            if fails {
                return reply.error(Errno::EIO);
            }
            // `len` is at most `size`, a u32. The buffer only ever grows, so
            // it is zero-filled once per worker, not once per request.
            let len = len as usize;
            if buf.len() < len {
                buf.resize(len, 0);
            }
            match read_full(&h.file, &mut buf[..len], offset) {
                Ok(n) => reply.data(&buf[..n]),
                Err(e) => reply.error(Errno::from(e)),
            }
        });
        self.sched.submit(Task {
            bytes: len,
            stream,
            extra,
            work,
        });
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
        let entries = match self.rel(ino).and_then(|rel| self.list(ino, &rel)) {
            Ok(e) => e,
            Err(e) => return reply.error(e),
        };
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(skip) {
            if reply.add(INodeNo(ino), i as u64 + 1, kind, name) {
                break;
            }
        }
        reply.ok();
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

type DirEntry = (u64, FileType, std::ffi::OsString);

impl SimFs {
    /// `.`, `..` and the entries of the directory `rel`, sorted by name so that
    /// readdir offsets stay valid between calls.
    fn list(&self, ino: INodeNo, rel: &Path) -> Result<Vec<DirEntry>, Errno> {
        let parent = if ino.0 == ROOT {
            ROOT
        } else {
            self.inodes.ino(rel.parent().unwrap_or(Path::new("")))
        };
        let mut out = vec![
            (ino.0, FileType::Directory, ".".into()),
            (parent, FileType::Directory, "..".into()),
        ];
        let mut names = Vec::new();
        for entry in std::fs::read_dir(self.backing.join(rel)).map_err(Errno::from)? {
            let entry = entry.map_err(Errno::from)?;
            let kind = entry
                .file_type()
                .ok()
                .and_then(FileType::from_std)
                .unwrap_or(FileType::RegularFile);
            names.push((entry.file_name(), kind));
        }
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in names {
            out.push((self.inodes.ino(&rel.join(&name)), kind, name));
        }
        Ok(out)
    }
}
