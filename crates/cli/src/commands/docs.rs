//! Documentation generated from the clap definitions, so it never drifts
//! from the flags: shell completions (clap_complete) and man pages
//! (clap_mangen).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;
use preload_schema::name::escaped;

use crate::args::Cli;
use crate::exit::Exit;

/// `preload completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> anyhow::Result<Exit> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "preload", &mut script);
    crate::output::stdout(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

/// `preload man DIR`: `preload.1` and one `preload-CMD.1` per subcommand
/// (clap names a built subcommand's page after its parent: `preload-warm`).
pub fn man(dir: &Path) -> anyhow::Result<Exit> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", escaped(dir)))?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    write_page(dir, cmd.clone(), true)?;
    // Man pages are for installed commands; the hidden generator is not one.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_page(dir, sub.clone(), false)?;
    }
    Ok(Exit::Success)
}

fn write_page(dir: &Path, cmd: clap::Command, exit_codes: bool) -> anyhow::Result<()> {
    let man = clap_mangen::Man::new(cmd);
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)?;
    if exit_codes {
        exit_status_section(&mut page)?;
    }
    std::fs::write(&path, page).with_context(|| format!("writing {}", escaped(&path)))
}

/// The documented exit codes (README, "Exit codes") as an EXIT STATUS
/// section of preload(1): where man readers look for them.
fn exit_status_section(page: &mut Vec<u8>) -> anyhow::Result<()> {
    use std::io::Write;
    writeln!(page, ".SH \"EXIT STATUS\"")?;
    for (code, meaning) in crate::exit::DOCUMENTED {
        writeln!(page, ".TP\n\\fB{code}\\fR\n{meaning}")?;
    }
    Ok(())
}
