//! Mount points: is something mounted there, does it really work, and
//! taking it down again.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::proc::run;

/// The filesystem type mounted exactly at `mnt`, if any (from
/// `/proc/self/mountinfo`; the last mount on top wins).
pub fn mounted(mnt: &Path) -> Option<String> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let want = mnt.to_string_lossy();
    let mut found = None;
    for line in info.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        if fields.len() > 4 && unescape(fields[4]) == want {
            found = fields.get(sep + 1).map(|t| (*t).to_owned());
        }
    }
    found
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks that `mnt` works: `stat -f` reports blocks, and a probe file
/// written through it reads back. Every step is bounded by `timeout` (a
/// hung FUSE server would otherwise hang us).
pub fn probe(mnt: &Path, timeout: Duration, log: &Path) -> Result<()> {
    let out = run(
        Command::new("stat").args(["-f", "-c", "%b %S"]).arg(mnt),
        timeout,
        log,
    )?;
    let blocks: u64 = out
        .split_whitespace()
        .next()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    if blocks == 0 {
        bail!(
            "`stat -f {}` shows no blocks: {}",
            mnt.display(),
            out.trim()
        );
    }
    let dir = mnt.to_owned();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(write_read(&dir));
    });
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(_) => bail!("probe file in {} hung for {timeout:?}", mnt.display()),
    }
}

/// Repeats [`probe`] until it passes or `total` has gone by (a fresh mount
/// may report no blocks for a moment); each try may take `per_try` (a hung
/// FUSE server fails it).
pub fn probe_until(mnt: &Path, total: Duration, per_try: Duration, log: &Path) -> Result<()> {
    let deadline = std::time::Instant::now() + total;
    loop {
        match probe(mnt, per_try, log) {
            Ok(()) => return Ok(()),
            Err(e) if std::time::Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

fn write_read(mnt: &Path) -> Result<()> {
    use std::io::Write;
    let path = mnt.join(format!(".realfs-probe-{}", std::process::id()));
    let data: Vec<u8> = (0..65536u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut f =
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(&data)
        .with_context(|| format!("writing {}", path.display()))?;
    f.sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    drop(f);
    let back = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    if back != data {
        bail!(
            "probe file {} read back {} bytes that differ",
            path.display(),
            back.len()
        );
    }
    Ok(())
}

/// Unmounts `mnt` if mounted: a plain `umount`, then a lazy one if it is
/// busy or hangs.
pub fn unmount(mnt: &Path, log: &Path) -> Result<()> {
    if mounted(mnt).is_none() {
        return Ok(());
    }
    let plain = run(
        Command::new("umount").arg(mnt),
        Duration::from_secs(30),
        log,
    );
    if let Err(e) = plain {
        eprintln!(
            "realfs: umount {} failed ({e:#}); unmounting lazily",
            mnt.display()
        );
        run(
            Command::new("umount").arg("-l").arg(mnt),
            Duration::from_secs(30),
            log,
        )?;
    }
    if mounted(mnt).is_some() {
        bail!("{} is still mounted; see {}", mnt.display(), log.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_mountinfo_octal() {
        assert_eq!(unescape(r"/a\040b"), "/a b");
        assert_eq!(unescape(r"/plain"), "/plain");
        assert_eq!(unescape(r"/end\04"), r"/end\04");
    }

    #[test]
    fn root_is_mounted() {
        assert!(mounted(Path::new("/")).is_some());
        assert!(mounted(Path::new("/definitely/not/a/mount")).is_none());
    }
}
