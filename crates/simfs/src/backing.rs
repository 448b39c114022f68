//! Reading the backing directory: attributes, file contents, directory listings.

use std::fs::{File, Metadata};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fuser::{Errno, FileAttr, FileType, INodeNo};

use crate::inodes::{Inodes, ROOT};

fn time(secs: i64, nanos: i64) -> SystemTime {
    let nanos = u32::try_from(nanos).unwrap_or(0);
    match u64::try_from(secs) {
        Ok(s) => UNIX_EPOCH + Duration::new(s, nanos),
        Err(_) => UNIX_EPOCH,
    }
}

pub(crate) fn to_attr(ino: u64, m: &Metadata) -> FileAttr {
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
pub(crate) fn read_full(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
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

pub(crate) type DirEntry = (u64, FileType, std::ffi::OsString);

/// `.`, `..` and the entries of the directory `rel` of `backing`, sorted by
/// name so that readdir offsets stay valid between calls.
pub(crate) fn list(
    backing: &Path,
    inodes: &Inodes,
    ino: INodeNo,
    rel: &Path,
) -> Result<Vec<DirEntry>, Errno> {
    let parent = if ino.0 == ROOT {
        ROOT
    } else {
        inodes.ino(rel.parent().unwrap_or(Path::new("")))
    };
    let mut out = vec![
        (ino.0, FileType::Directory, ".".into()),
        (parent, FileType::Directory, "..".into()),
    ];
    let mut names = Vec::new();
    for entry in std::fs::read_dir(backing.join(rel)).map_err(Errno::from)? {
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
        out.push((inodes.ino(&rel.join(&name)), kind, name));
    }
    Ok(out)
}
