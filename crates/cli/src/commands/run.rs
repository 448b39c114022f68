//! `preload run PATH... -- CMD`: warm PATH while CMD loads it.
//!
//! CMD starts at once; the warm reads in loader order (small files, then
//! shards in index order: [`preload_core::order`]) with every reader at the
//! front, so the bytes CMD needs next are the ones in flight. preload exits
//! with CMD's status; a warm that fails never fails CMD (its errors are
//! warnings). When CMD exits first the warm stops: it would serve nobody.
//!
//! Signals: SIGINT, SIGTERM and SIGHUP stop the warm and are passed on to
//! CMD, except those the kernel sent to the whole foreground process group
//! (Ctrl-C at a terminal): CMD, in preload's group, got that one itself,
//! and a second copy would interrupt its clean-up (Python's second
//! KeyboardInterrupt). preload then waits for CMD and exits with its status.
//!
//! What CMD found resident: measured by CMD's major page faults (`wait4`
//! rusage, CMD and the children it waited for). A major fault is a page of
//! a mapped file touched before it was in the page cache, so CMD waited for
//! the storage; safetensors, numpy memmaps and `torch.load(mmap=True)` map
//! their files. It cannot see loaders that `read()` (no faults: they would
//! need the storage's own counters), nor how many bytes one fault brought
//! (up to the readahead window). The other candidates are worse: sampling
//! residency at CMD's frontier needs its position (`/proc/PID/fdinfo` moves
//! only for `read`, not `pread` or mappings), and `/proc/PID/io`
//! `read_bytes` counts block-device I/O, nothing for FUSE.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use preload_core::{CancelToken, CoreError, human_bytes, pagecache, par};
use preload_schema::{Residency, RunReport, SCHEMA_VERSION, WarmSummary};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::low_level::siginfo::Cause;

use crate::args::{RunArgs, WarmArgs};
use preload_tune::Beside;

use crate::commands;
use crate::config::WarmConfig;
use crate::exit::Exit;
use crate::output;

/// `preload run`, resolved.
#[derive(Debug)]
pub struct RunConfig {
    pub warm: WarmConfig,
    pub command: Vec<OsString>,
    pub json: Option<PathBuf>,
}

impl RunConfig {
    pub fn resolve(args: &RunArgs) -> Result<RunConfig> {
        // The warm flags mean what they mean for `warm`: one resolution.
        let warm = WarmArgs {
            input: args.input.clone(),
            read: args.read.clone(),
            max_bytes: None,
            max_rate: None,
            backoff: false,
            no_skip_resident: false,
            json: false,
            quiet: args.quiet,
        };
        Ok(RunConfig {
            warm: WarmConfig::resolve(&warm)?,
            command: args.command.clone(),
            json: args.json.clone(),
        })
    }
}

/// Runs `preload run` and turns its outcome into the process's exit code.
pub fn main(args: &RunArgs) -> ExitCode {
    match RunConfig::resolve(args).and_then(|cfg| run(&cfg)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            diag!("{}", crate::output::error_line(&err));
            Exit::Fatal.into()
        }
    }
}

/// How CMD ended.
struct Ended {
    status: i32,
    seconds: f64,
    usage: libc::rusage,
}

fn run(cfg: &RunConfig) -> Result<u8> {
    // Created up front, so a bad path fails before CMD starts.
    let report_file = cfg
        .json
        .as_ref()
        .map(|p| File::create(p).with_context(|| format!("creating {}", p.display())))
        .transpose()?;
    let stop_warm = CancelToken::new();
    let pid = Arc::new(AtomicI32::new(0));
    let forwarded = Arc::new(Mutex::new(Vec::new()));
    let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP])
        .context("installing signal handlers")?;
    let signal_handle = signals.handle();
    {
        let (stop_warm, pid, forwarded) = (stop_warm.clone(), pid.clone(), forwarded.clone());
        std::thread::spawn(move || {
            for origin in signals.forever() {
                stop_warm.cancel();
                let child = pid.load(Ordering::SeqCst);
                if child > 0 && origin.cause != Cause::Kernel {
                    // SAFETY: kill only reads its arguments; child is our
                    // own child, not reaped before preload exits.
                    unsafe { libc::kill(child, origin.signal) };
                    forwarded.lock().expect("lock").push(origin.signal);
                }
            }
        });
    }
    if stop_warm.is_cancelled() {
        // A signal before CMD started: start nothing.
        return Ok(Exit::Interrupted.code());
    }
    let start = Instant::now();
    let child = match std::process::Command::new(&cfg.command[0])
        .args(&cfg.command[1..])
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            // The shell's codes: 127 not found, 126 found but not runnable.
            let code = if e.kind() == io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            diag!(
                "preload: cannot run {}: {e}",
                cfg.command[0].to_string_lossy()
            );
            return Ok(code);
        }
    };
    pid.store(child.id() as i32, Ordering::SeqCst);
    let waiter = {
        let (stop_warm, child_pid) = (stop_warm.clone(), child.id() as libc::pid_t);
        std::thread::spawn(move || {
            let ended = wait_for(child_pid, start);
            // CMD is done: a warm still running would serve nobody.
            stop_warm.cancel();
            ended
        })
    };
    let mut warnings = Vec::new();
    let (warm, resident_at_start) = warm(cfg, &stop_warm, &mut warnings);
    let warm_s = warm.as_ref().map_or(0.0, |w| w.elapsed_s);
    let ended = waiter
        .join()
        .map_err(|_| anyhow::anyhow!("the thread waiting for CMD panicked"))?
        .context("waiting for CMD")?;
    signal_handle.close();
    let report = RunReport {
        kind: "run".into(),
        schema_version: SCHEMA_VERSION,
        command: cfg
            .command
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        exit_status: ended.status,
        cmd_s: ended.seconds,
        warm_s,
        warm_finished: warm
            .as_ref()
            .is_some_and(|w| !w.interrupted && w.failed.is_empty()),
        resident_at_start,
        cmd_major_faults: u64::try_from(ended.usage.ru_majflt).unwrap_or(0),
        cmd_minor_faults: u64::try_from(ended.usage.ru_minflt).unwrap_or(0),
        cmd_peak_rss_kib: u64::try_from(ended.usage.ru_maxrss).unwrap_or(0),
        signals_forwarded: forwarded.lock().expect("lock").clone(),
        warm,
        warnings,
    };
    if !cfg.warm.quiet {
        diag_part!("{}", describe(&report));
    }
    if let (Some(mut f), Some(path)) = (report_file, &cfg.json) {
        io::Write::write_all(&mut f, output::json(&report).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(u8::try_from(ended.status.clamp(0, 255)).unwrap_or(1))
}

/// The warm, until it is done or stopped; its error becomes a warning.
/// Also the residency of the files when it started (CMD had just started).
fn warm(
    cfg: &RunConfig,
    stop: &CancelToken,
    warnings: &mut Vec<String>,
) -> (Option<WarmSummary>, Residency) {
    let w = &cfg.warm;
    let mut warmer = commands::warm::warmer(w, Beside::Loader, stop);
    let prepared = match warmer.prepare() {
        Ok(p) => p,
        // CMD ended (or a signal came) while the files were being found:
        // no warm was wanted any more, nothing to warn about.
        Err(CoreError::Cancelled) => return (None, Residency::default()),
        Err(e) => {
            let msg = format!("not warming: {e}");
            output::warn(&msg);
            warnings.push(msg);
            return (None, Residency::default());
        }
    };
    // Measured before the first read, so in parallel: file by file it
    // delayed the warm by a lookup per file (seconds on slow metadata).
    let files = &prepared.plan.files;
    let resident_at_start = par::map_all(files, |f| {
        pagecache::exact_resident_bytes(&f.path, 0, f.size)
    })
    .into_iter()
    .zip(files)
    .fold(Residency::default(), |acc, (resident, f)| {
        acc.plus(Residency {
            resident_bytes: resident.unwrap_or(0),
            total_bytes: f.size,
            unknown_bytes: if resident.is_some() { 0 } else { f.size },
            ..Residency::default()
        })
    });
    if let Some(m) = preload_core::memory_warning(&prepared.memory) {
        output::warn(&m);
    }
    let summary = warmer.read(prepared);
    warnings.extend(summary.warnings.iter().map(|w| w.message.clone()));
    (Some(summary), resident_at_start)
}

/// Waits for `pid` with `wait4(2)`, whose rusage covers CMD and the
/// children it waited for.
fn wait_for(pid: libc::pid_t, start: Instant) -> io::Result<Ended> {
    let (status, usage) = preload_bench::child::wait4(pid)?;
    let status = preload_bench::child::exit_code(status).unwrap_or(1);
    Ok(Ended {
        status,
        seconds: start.elapsed().as_secs_f64(),
        usage,
    })
}

/// The report on stderr.
fn describe(r: &RunReport) -> String {
    let warm = match &r.warm {
        Some(w) => format!(
            "warm {} in {:.2} s ({:.0} MiB/s, P={}, {} order){}",
            human_bytes(w.bytes),
            r.warm_s,
            w.throughput_mib_s,
            w.parallelism,
            w.order,
            if r.warm_finished {
                ", finished"
            } else {
                ", stopped early"
            }
        ),
        None => "no warm".into(),
    };
    let start = at_start(&r.resident_at_start);
    let joined = (r.warm.as_ref().and_then(|w| w.joined.as_ref()))
        .map(|j| format!("preload run: {}\n", output::summary::joined(j)))
        .unwrap_or_default();
    format!(
        "preload run: CMD exited {} after {:.2} s; {warm}\n{joined}\
         preload run: {start} when CMD started; CMD took {} major page faults \
         (pages of mapped files it reached before they were cached)\n",
        r.exit_status, r.cmd_s, r.cmd_major_faults
    )
}

/// What was resident when CMD started, said only as far as it was measured:
/// with no warm nothing was planned (0 of 0 bytes is not "100%"), and pages
/// of files this user does not own cannot be counted exactly.
fn at_start(r: &Residency) -> String {
    if r.total_bytes == 0 {
        return "residency not measured (no warm)".into();
    }
    if r.is_unknown() {
        return format!(
            "residency of {} unknown (not the files' owner)",
            human_bytes(r.total_bytes)
        );
    }
    let known = r.total_bytes - r.unknown_bytes;
    let percent = output::summary::percent(r.resident_bytes as f64 / known as f64);
    if r.unknown_bytes > 0 {
        format!(
            "{percent} resident of the {} measured ({} unknown)",
            human_bytes(known),
            human_bytes(r.unknown_bytes)
        )
    } else {
        format!("{percent} resident")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn residency(resident: u64, total: u64, unknown: u64) -> Residency {
        Residency {
            resident_bytes: resident,
            total_bytes: total,
            unknown_bytes: unknown,
            ..Residency::default()
        }
    }

    #[test]
    fn residency_at_start_is_said_only_as_far_as_it_was_measured() {
        assert_eq!(
            at_start(&residency(0, 0, 0)),
            "residency not measured (no warm)"
        );
        assert_eq!(
            at_start(&residency(0, 8 << 20, 8 << 20)),
            "residency of 8.0 MiB unknown (not the files' owner)"
        );
        assert_eq!(at_start(&residency(2 << 20, 8 << 20, 0)), "25.0% resident");
        assert_eq!(
            at_start(&residency(2 << 20, 8 << 20, 4 << 20)),
            "50.0% resident of the 4.0 MiB measured (4.0 MiB unknown)"
        );
    }
}
