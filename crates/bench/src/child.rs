//! Shell commands run as child processes, timed, with their peak memory.

use std::io;
use std::process::{Command, Stdio};
use std::time::Instant;

/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChildRun {
    /// Wall time from spawn to exit, seconds.
    pub elapsed_s: f64,
    /// Exit code; `128 + signal` when a signal killed it (as a shell reports it).
    pub exit_status: i32,
    /// Peak resident set of the process and the descendants it waited for, KiB.
    pub peak_rss_kib: u64,
}

/// Where a child's standard output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStdout {
    /// Discarded.
    Null,
    /// Onto our standard error, so our stdout stays machine-readable.
    Stderr,
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

/// Runs `sh -c script` with stdin closed and waits for it with `wait4(2)`,
/// whose rusage gives the peak RSS (Linux folds the reaped descendants'
/// peak into `ru_maxrss`, so a pipeline's `cat`s count).
pub fn run_shell(script: &str, stdout: ChildStdout) -> io::Result<ChildRun> {
    let out = match stdout {
        ChildStdout::Null => Stdio::null(),
        ChildStdout::Stderr => Stdio::from(io::stderr()),
    };
    let start = Instant::now();
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(out)
        .spawn()?;
    let (status, usage) = wait4(child.id() as libc::pid_t)?;
    let elapsed_s = start.elapsed().as_secs_f64();
    let exit_status = exit_code(status).unwrap_or(-1);
    Ok(ChildRun {
        elapsed_s,
        exit_status,
        peak_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
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
}
