//! Processes: commands run with a time limit and their output captured in a
//! log file, daemons started in the foreground with a pid file, and the
//! checks and signals that find and stop them again.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How often process and command waits poll.
const POLL: Duration = Duration::from_millis(50);
/// How often [`wait_for`] retries (its checks may run CLIs costing ~0.1 s).
const WAIT_POLL: Duration = Duration::from_millis(150);

/// Runs `cmd` to completion within `timeout`, stdout and stderr going to
/// `log` (a file, not a pipe: commands that fork a daemon leave it holding
/// their output, and a pipe would then never close). Returns the output;
/// fails with it when the command fails or runs too long.
pub fn run(cmd: &mut Command, timeout: Duration, log: &Path) -> Result<String> {
    let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out
        .try_clone()
        .with_context(|| format!("reopening {}", log.display()))?;
    let shown = show(cmd);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("starting {shown}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "`{shown}` took over {timeout:?} (output in {}):\n{}",
                log.display(),
                tail(log, 20)
            );
        }
        std::thread::sleep(POLL);
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    if !status.success() {
        bail!(
            "`{shown}` failed with {status} (output in {}):\n{}",
            log.display(),
            tail(log, 20)
        );
    }
    Ok(text)
}

/// The command line of `cmd`, for messages.
pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// The last `n` lines of a log file (empty if it cannot be read).
pub fn tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A daemon started by this run, kept in the foreground so its errors land
/// in its log, detached into its own process group so it outlives us.
#[derive(Debug)]
pub struct Daemon {
    /// Short name used in messages.
    pub name: String,
    /// Where stdout and stderr go.
    pub log: PathBuf,
    child: Child,
}

impl Daemon {
    /// Spawns `cmd`, appending its output to `log` and writing its pid to
    /// `pid_file`.
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path, pid_file: &Path) -> Result<Daemon> {
        use std::os::unix::process::CommandExt;
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let err = out
            .try_clone()
            .with_context(|| format!("reopening {}", log.display()))?;
        let shown = show(cmd);
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {name}: {shown}"))?;
        std::fs::write(pid_file, format!("{}\n", child.id()))
            .with_context(|| format!("writing {}", pid_file.display()))?;
        Ok(Daemon {
            name: name.to_owned(),
            log: log.to_owned(),
            child,
        })
    }

    /// Fails, quoting the log, if the daemon has already exited.
    pub fn check(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited with {status} (log {}):\n{}",
                self.name,
                self.log.display(),
                tail(&self.log, 20)
            );
        }
        Ok(())
    }
}

/// Polls `ready` until it returns true, failing after `timeout` with a
/// message naming `what` and the tail of `log`. An error from `ready` (a
/// daemon died) fails at once.
pub fn wait_for(
    what: &str,
    timeout: Duration,
    log: &Path,
    mut ready: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while !ready()? {
        if Instant::now() > deadline {
            bail!(
                "timed out after {timeout:?} waiting for {what}; see {}:\n{}",
                log.display(),
                tail(log, 20)
            );
        }
        std::thread::sleep(WAIT_POLL);
    }
    Ok(())
}

/// The pid recorded in `pid_file`, if the file exists and parses.
pub fn read_pid(pid_file: &Path) -> Option<u32> {
    std::fs::read_to_string(pid_file).ok()?.trim().parse().ok()
}

/// The command line of a live (not zombie) process.
pub fn cmdline(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(") ")?.1.chars().next()?;
    if state == 'Z' || state == 'X' {
        return None;
    }
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        String::from_utf8_lossy(&raw)
            .replace('\0', " ")
            .trim_end()
            .to_owned(),
    )
}

/// The pid in `pid_file` if that process is alive and its command line
/// contains `expect` (guards against a recycled pid).
pub fn live_pid(pid_file: &Path, expect: &str) -> Option<u32> {
    let pid = read_pid(pid_file)?;
    cmdline(pid).filter(|c| c.contains(expect)).map(|_| pid)
}

/// Live processes whose command line contains `needle`, with that line.
pub fn find(needle: &str) -> Vec<(u32, String)> {
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found: Vec<(u32, String)> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter_map(|pid| {
            cmdline(pid)
                .filter(|c| c.contains(needle))
                .map(|c| (pid, c))
        })
        .collect();
    found.sort();
    found
}

/// Sends `signal` (a `kill` name such as `TERM`) to `pid`, ignoring errors.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Stops `pid`: TERM, then KILL if it is still alive after `grace`.
/// Returns whether it is gone.
pub fn stop_pid(pid: u32, grace: Duration) -> bool {
    if cmdline(pid).is_none() {
        return true;
    }
    signal(pid, "TERM");
    if wait_gone(pid, grace) {
        return true;
    }
    signal(pid, "KILL");
    wait_gone(pid, Duration::from_secs(5))
}

/// Waits up to `timeout` for `pid` to exit.
pub fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while cmdline(pid).is_some() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
    true
}

/// Stops every process whose command line contains `needle` (a path
/// private to our state dir, so only what we started matches).
pub fn stop_matching(needle: &str, grace: Duration) {
    for (pid, line) in find(needle) {
        eprintln!("realfs: stopping leftover pid {pid}: {line}");
        stop_pid(pid, grace);
    }
}

/// Fails if something already listens on 127.0.0.1:`port` (a daemon about
/// to start there would die or, worse, we would talk to a stranger).
pub fn ensure_port_free(port: u16, who: &str) -> Result<()> {
    if port_open(port) {
        bail!(
            "port 127.0.0.1:{port}, needed by {who}, is taken by another process (see `ss -ltnp`)"
        );
    }
    Ok(())
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}
