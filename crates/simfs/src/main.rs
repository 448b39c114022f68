//! `preload-simfs BACKING MOUNTPOINT [model flags]`: mount, say ready, serve
//! until SIGINT/SIGTERM (or an unmount from outside), unmount, exit 0.

mod cli;
mod parse;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use preload_simfs::{clean_stale_mount, mount};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // A model that cannot be served is a usage error (exit 2), said before mounting.
    if let Err(reason) = cli.model().validate() {
        cli::Cli::command()
            .error(ErrorKind::ArgumentConflict, reason)
            .exit();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preload-simfs: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn write_ready_file(path: &Path, mountpoint: &Path) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, format!("ready {}\n", mountpoint.display()))
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("cannot write ready file {}", path.display()))
}

fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let (tx, stop) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .context("cannot install the SIGINT/SIGTERM handler")?;

    if clean_stale_mount(&cli.mountpoint)? {
        eprintln!(
            "preload-simfs: {}: stale mount from a crashed run (transport endpoint is not connected); detached it",
            cli.mountpoint.display()
        );
    }
    let model = cli.model();
    let mounted = mount(&cli.backing, &cli.mountpoint, model.clone())
        .with_context(|| format!("cannot mount {}", cli.backing.display()))?;
    eprintln!(
        "preload-simfs: serving {} at {}: {model} (read_ahead_kb {})",
        mounted.backing().display(),
        mounted.path().display(),
        mounted
            .read_ahead_kb()
            .map_or_else(|| "unknown".to_owned(), |kb| kb.to_string()),
    );
    // The file first: whoever saw the stdout line may look for it at once.
    if let Some(ready) = &cli.ready_file {
        write_ready_file(ready, mounted.path())?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "ready {}", mounted.path().display())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    drop(stdout);

    loop {
        match stop.recv_timeout(Duration::from_millis(200)) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if !mounted.is_alive() => {
                eprintln!("preload-simfs: unmounted from outside; exiting");
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    if let Some(ready) = &cli.ready_file {
        let _ = std::fs::remove_file(ready);
    }
    let stats = mounted.stats();
    mounted.unmount()?;
    eprintln!("preload-simfs: unmounted; {stats}");
    Ok(())
}
