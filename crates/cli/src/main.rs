//! The `preload` binary: parse -> resolve -> run -> exit code.
//!
//! `args` is what the user typed (clap), `parse` the typed values, `config`
//! the settings resolved from them, `commands` one module per subcommand
//! (each drives the library crates: core, tune, bench, compare, report),
//! `output` what is printed and `exit` the exit codes.

// Every diagnostic goes through `diag!`: std's stderr macros panic when
// stderr is closed (see below).
#![deny(clippy::print_stderr)]

/// `eprintln!` that never panics. Diagnostics go to stderr, which may be a
/// closed pipe (a log collector that died) or closed outright (`2>&-`):
/// std's macro panics there, and a warm would die with 101 over a message
/// nobody can read. A warm goes on and exits with its own code.
macro_rules! diag {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`diag!`] without the newline (`eprint!`).
macro_rules! diag_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod commands;
mod config;
mod exit;
mod output;
mod parse;
mod rate;

use std::process::ExitCode;

use clap::Parser;
use preload_core::CancelToken;

use crate::args::{Cli, Command};
use crate::config::{Inputs, WarmConfig};
use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version go to stdout as clap prints them.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            diag_part!("{}", output::usage_error(&e));
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    // run handles its own signals: it passes them on to CMD.
    if let Command::Run(args) = &cli.command {
        return commands::run::main(args);
    }
    let cancel = install_signal_handler();
    match run(cli.command, &cancel) {
        Ok(exit) => exit.into(),
        Err(err) => {
            diag!("{}", output::error_line(&err));
            Exit::Fatal.into()
        }
    }
}

fn run(command: Command, cancel: &CancelToken) -> anyhow::Result<Exit> {
    match command {
        Command::Warm(args) => commands::warm::run(&WarmConfig::resolve(&args)?, cancel),
        Command::Status(args) => commands::cache::status(
            &Inputs::resolve(&args.cache.input)?,
            args.cache.json,
            args.cache.summary,
            config::parse_percent(args.min.as_deref())?,
        ),
        Command::Evict(args) => {
            commands::cache::evict(&Inputs::resolve(&args.input)?, args.json, args.summary)
        }
        Command::Tune(args) => commands::tune::run(&args, cancel),
        Command::Bench(args) => commands::bench::run(&args, cancel),
        Command::Report(args) => commands::report::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Completions(args) => commands::docs::completions(args.shell),
        Command::Man(args) => commands::docs::man(&args.dir),
        Command::Run(_) => unreachable!("handled in main"),
        Command::FleetProbe(args) => {
            commands::fleet_probe::run(&args.units, args.parallelism.max(1), args.deadline, cancel)
        }
    }
}

/// First SIGINT/SIGTERM: ask the workers to stop, so the run ends with a
/// partial summary. A second one: exit at once.
fn install_signal_handler() -> CancelToken {
    let cancel = CancelToken::new();
    let handle = cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if handle.is_cancelled() {
            output::progress::clear_line();
            std::process::exit(Exit::Interrupted.code().into());
        }
        handle.cancel();
    });
    if let Err(e) = installed {
        output::warn(&format!("cannot install the Ctrl-C handler: {e}"));
    }
    cancel
}
