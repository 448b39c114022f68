//! `cargo xtask dist` builds a directory that installs by copying: the
//! installed binary runs, its bash completion loads from the installed
//! path and completes, the man pages are where `man` looks.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `cmd`, which must succeed; its output.
fn succeed(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn dist_output_installs_and_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    // The dev profile: the same files as a release dist, without an LTO build in CI.
    succeed(
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["dist", "--debug", "--out"])
            .arg(&dist),
    );

    let prefix = tmp.path().join("prefix");
    std::fs::create_dir_all(&prefix).unwrap();
    copy_tree(&dist, &prefix);

    for bin in ["preload", "preload-simfs"] {
        let v = Command::new(prefix.join("bin").join(bin))
            .arg("--version")
            .output()
            .unwrap();
        assert!(v.status.success(), "{bin} --version failed");
        assert!(String::from_utf8_lossy(&v.stdout).starts_with(bin));
    }
    let man1 = prefix.join("share/man/man1");
    for page in [
        "preload.1",
        "preload-warm.1",
        "preload-bench.1",
        "preload-completions.1",
    ] {
        assert!(man1.join(page).is_file(), "{page} not installed");
    }
    assert!(prefix.join("share/zsh/site-functions/_preload").is_file());
    assert!(
        prefix
            .join("share/fish/vendor_completions.d/preload.fish")
            .is_file()
    );

    // The installed bash script, in a real bash, completes a subcommand.
    let script = prefix.join("share/bash-completion/completions/preload");
    let program = format!(
        r#"export PATH='{bin}':"$PATH"
source '{script}'
complete -p preload >/dev/null || exit 9
COMP_WORDS=(preload tu); COMP_CWORD=1
_preload preload tu preload
printf '%s\n' "${{COMPREPLY[@]}}""#,
        bin = prefix.join("bin").display(),
        script = script.display()
    );
    let out = succeed(Command::new("bash").args(["--norc", "--noprofile", "-c", &program]));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tune\n");
}
