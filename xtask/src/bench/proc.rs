//! Runs a child process and measures it: wall time, and peak RSS from the
//! `rusage` that `wait4(2)` returns when reaping it.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// What one measured run of a child gave.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Wall time from spawn to reap, seconds.
    pub seconds: f64,
    /// `ru_maxrss` of the child, KiB. For a process tree this is the peak of
    /// the largest single process (the child or a descendant it reaped), not
    /// the sum.
    pub peak_rss_kib: u64,
    /// The child's stdout when captured, else empty.
    pub stdout: String,
    /// Exit status.
    pub status: ExitStatus,
}

/// Runs `cmd` to completion. Stdout is captured when `capture` is true, else
/// discarded; stderr is inherited.
pub fn run_measured(cmd: &mut Command, capture: bool) -> Result<Measured> {
    cmd.stdin(Stdio::null()).stdout(if capture {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    // Force fork + exec instead of posix_spawn: a vfork child shares our
    // address space, and the kernel records that mm's peak RSS (all of
    // xtask's) into the child's `ru_maxrss` at exec. A forked child has its
    // own mm whose peak starts at the few anonymous pages it copied.
    // The forked child still starts with a copy of our resident anonymous
    // pages, so first give the heap's free pages back to the OS: what is
    // left (~1-2 MiB) is the floor of every measurement.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory and takes malloc's locks.
    unsafe {
        libc::malloc_trim(0);
    }
    // SAFETY: the closure does nothing, so it is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| Ok(()));
    }
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)
            .context("cannot read the child's stdout")?;
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero bytes are a valid `rusage` (plain integers and timevals).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child (std never waits for it
        // unless asked), and both pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if r == -1 && err.kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        bail!("wait4 on {pid} failed: {err}");
    }
    let seconds = start.elapsed().as_secs_f64();
    // `child` is dropped without waiting: we have reaped it ourselves.
    drop(child);
    use std::os::unix::process::ExitStatusExt;
    Ok(Measured {
        seconds,
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        stdout,
        status: ExitStatus::from_raw(status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_rss_of_a_child_that_touches_memory() {
        let small = run_measured(Command::new("true").arg("x"), false).unwrap();
        assert!(small.status.success());
        assert!(small.peak_rss_kib > 0);
        // `sort` of 64 MiB of input holds it in memory.
        let big = run_measured(
            Command::new("sh").args([
                "-c",
                "head -c 67108864 /dev/zero | tr '\\0' 'a' | sort >/dev/null",
            ]),
            false,
        )
        .unwrap();
        assert!(big.status.success());
        assert!(
            big.peak_rss_kib > small.peak_rss_kib + 32 * 1024,
            "sort of 64 MiB: {} KiB vs true: {} KiB",
            big.peak_rss_kib,
            small.peak_rss_kib
        );
    }

    #[test]
    fn freed_parent_heap_does_not_count_for_the_child() {
        // 64 KiB blocks stay below malloc's mmap threshold: they live in the
        // heap, and freeing all but the last leaves ~63 MiB of free pages there.
        let mut v: Vec<Vec<u8>> = (0..1000).map(|_| vec![1u8; 64 << 10]).collect();
        v.drain(..999);
        let m = run_measured(&mut Command::new("true"), false).unwrap();
        assert!(
            m.peak_rss_kib < 16 * 1024,
            "`true` after freeing 63 MiB: {} KiB",
            m.peak_rss_kib
        );
        drop(v);
    }

    #[test]
    fn captures_stdout_and_exit_status() {
        let m = run_measured(Command::new("sh").args(["-c", "echo hi; exit 3"]), true).unwrap();
        assert_eq!(m.stdout, "hi\n");
        assert_eq!(m.status.code(), Some(3));
        assert!(m.seconds >= 0.0);
    }
}
