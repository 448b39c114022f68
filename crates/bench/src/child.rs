//! Child processes run and measured: wall time, exit status, peak RSS and
//! user/system CPU from the `rusage` that `wait4(2)` returns. The one
//! child-process harness of the house: `preload bench` and `cargo xtask
//! bench` both measure through [`run_measured`].

use std::io::{self, Read};
use std::process::{Command, Stdio};
use std::time::Instant;

/// How a child process ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRun {
    /// Wall time from spawn to exit, seconds.
    pub elapsed_s: f64,
    /// Exit code; `128 + signal` when a signal killed it (as a shell reports it).
    pub exit_status: i32,
    /// Peak resident set of the largest single process among the child and
    /// the descendants it waited for, KiB (Linux folds reaped descendants'
    /// peaks into `ru_maxrss` as a maximum, not a sum).
    pub peak_rss_kib: u64,
    /// User CPU of the child and its reaped descendants, seconds.
    pub user_s: f64,
    /// System CPU of the child and its reaped descendants, seconds.
    pub system_s: f64,
    /// The child's standard output when captured, else empty.
    pub stdout: Vec<u8>,
}

/// Where a child's standard output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStdout {
    /// Discarded.
    Null,
    /// Onto our standard error, so our stdout stays machine-readable.
    Stderr,
    /// Read into [`ChildRun::stdout`].
    Capture,
}

/// Runs `cmd` to completion with stdin closed and measures it.
///
/// Peak RSS is honest: the child is forked, not vforked (`posix_spawn`
/// shares our address space, and the kernel records that mm's peak, all
/// of ours, into the child's `ru_maxrss` at exec); and since a forked child
/// starts with a copy of our resident heap, the heap's free pages are given
/// back first (`malloc_trim`), leaving a floor of ~1-2 MiB.
pub fn run_measured(cmd: &mut Command, stdout: ChildStdout) -> io::Result<ChildRun> {
    cmd.stdin(Stdio::null()).stdout(match stdout {
        ChildStdout::Null => Stdio::null(),
        ChildStdout::Stderr => Stdio::from(io::stderr()),
        ChildStdout::Capture => Stdio::piped(),
    });
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory and takes malloc's locks.
    unsafe {
        libc::malloc_trim(0);
    }
    // A pre_exec hook makes std fork + exec instead of posix_spawn.
    // SAFETY: the closure does nothing, so it is async-signal-safe.
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| Ok(()));
    }
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let mut captured = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut captured)?;
    }
    let (status, usage) = wait4(child.id() as libc::pid_t)?;
    let elapsed_s = start.elapsed().as_secs_f64();
    Ok(ChildRun {
        elapsed_s,
        exit_status: exit_code(status).unwrap_or(-1),
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        user_s: seconds(usage.ru_utime),
        system_s: seconds(usage.ru_stime),
        stdout: captured,
    })
}

/// A `timeval` in seconds.
pub fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Reaps `pid` with `wait4(2)`: its raw wait status and the rusage, which
/// covers the child and the children it waited for.
pub fn wait4(pid: libc::pid_t) -> io::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is the caller's own unreaped child (std::process::Child
        // never waits on drop); status and usage are valid for writes.
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc == pid {
            return Ok((status, usage));
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// A shell's view of a wait status: the exit code, or 128 + the signal
/// that killed it; None for neither (stopped, continued).
pub fn exit_code(status: libc::c_int) -> Option<i32> {
    if libc::WIFEXITED(status) {
        Some(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Some(128 + libc::WTERMSIG(status))
    } else {
        None
    }
}

/// Runs `sh -c script` through [`run_measured`]; the rusage covers the
/// shell's descendants, so a pipeline's `cat`s count.
pub fn run_shell(script: &str, stdout: ChildStdout) -> io::Result<ChildRun> {
    run_measured(Command::new("sh").arg("-c").arg(script), stdout)
}

/// Quotes `s` for a POSIX shell: single quotes, with `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The seed-style warming pipeline over `path`: `find` lists the regular
/// files, `xargs` runs `cat` on `parallelism` of them at once. A path that
/// starts with `-` gets `./` so `find` does not take it for an option.
pub fn xargs_script(path: &str, parallelism: usize) -> String {
    let path = if path.starts_with('-') {
        format!("./{path}")
    } else {
        path.to_owned()
    };
    format!(
        "find {} -type f | xargs -P {parallelism} -I{{}} cat {{}} >/dev/null",
        shell_quote(&path)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_signals_are_reported() {
        let ok = run_shell("true", ChildStdout::Null).unwrap();
        assert_eq!(ok.exit_status, 0);
        assert!(ok.peak_rss_kib > 0);
        assert_eq!(
            run_shell("exit 7", ChildStdout::Null).unwrap().exit_status,
            7
        );
        let killed = run_shell("kill -KILL $$", ChildStdout::Null).unwrap();
        assert_eq!(killed.exit_status, 128 + libc::SIGKILL);
    }

    #[test]
    fn awkward_paths_survive_quoting() {
        let dir = tempfile::tempdir().unwrap();
        let weird = dir.path().join("it's a $HOME `dir`");
        std::fs::create_dir(&weird).unwrap();
        std::fs::write(weird.join("f"), b"x").unwrap();
        let script = format!("test -f {}/f", shell_quote(weird.to_str().unwrap()));
        assert_eq!(
            run_shell(&script, ChildStdout::Null).unwrap().exit_status,
            0
        );
        // xargs itself parses quotes in its input: a quote in a file name
        // breaks the classic pipeline (one of the flaws preload fixes), so
        // it fails here, while the quoting of PATH for the shell held.
        let run = run_shell(&xargs_script(weird.to_str().unwrap(), 4), ChildStdout::Null);
        assert_ne!(run.unwrap().exit_status, 0);
        let spaced = dir.path().join("a $HOME `dir`");
        std::fs::create_dir(&spaced).unwrap();
        std::fs::write(spaced.join("f"), b"x").unwrap();
        let run = run_shell(
            &xargs_script(spaced.to_str().unwrap(), 4),
            ChildStdout::Null,
        );
        assert_eq!(run.unwrap().exit_status, 0);
        assert!(xargs_script("-rf", 2).starts_with("find './-rf'"));
    }

    #[test]
    fn measures_rss_and_cpu_of_a_child_that_works() {
        let _alone = crate::MEMORY_TESTS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let small = run_measured(&mut Command::new("true"), ChildStdout::Null).unwrap();
        assert!(small.peak_rss_kib > 0);
        // `sort` of 64 MiB of input holds it in memory and spends CPU on it.
        let big = run_shell(
            "head -c 67108864 /dev/zero | tr '\\0' 'a' | sort >/dev/null",
            ChildStdout::Null,
        )
        .unwrap();
        assert_eq!(big.exit_status, 0);
        assert!(
            big.peak_rss_kib > small.peak_rss_kib + 32 * 1024,
            "sort of 64 MiB: {} KiB vs true: {} KiB",
            big.peak_rss_kib,
            small.peak_rss_kib
        );
        assert!(big.user_s + big.system_s > 0.0, "{big:?}");
    }

    #[test]
    fn freed_parent_heap_does_not_count_for_the_child() {
        let _alone = crate::MEMORY_TESTS
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // 64 KiB blocks stay below malloc's mmap threshold: they live in the
        // heap, and freeing all but the last leaves ~63 MiB of free pages there.
        let mut v: Vec<Vec<u8>> = (0..1000).map(|_| vec![1u8; 64 << 10]).collect();
        v.drain(..999);
        let m = run_measured(&mut Command::new("true"), ChildStdout::Null).unwrap();
        assert!(
            m.peak_rss_kib < 16 * 1024,
            "`true` after freeing 63 MiB: {} KiB",
            m.peak_rss_kib
        );
        drop(v);
    }

    #[test]
    fn captures_stdout() {
        let m = run_shell("echo hi; exit 3", ChildStdout::Capture).unwrap();
        assert_eq!(m.stdout, b"hi\n");
        assert_eq!(m.exit_status, 3);
    }
}
