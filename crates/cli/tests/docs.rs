//! Shell completions and man pages, checked where users meet them: the bash
//! script in a real bash (`complete -p`, then the completion function asked
//! as readline would ask it), the man pages as roff files on disk.

mod util;

use std::process::Command;

use util::preload;

/// Writes `preload completions bash` to a file and returns (dir, script path).
fn bash_script() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("preload.bash");
    let out = preload().args(["completions", "bash"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&script, &out.stdout).unwrap();
    (dir, script)
}

/// What bash offers after typing `words` (the last one being completed),
/// computed by the function `complete -p preload` names, as readline calls it.
fn complete(script: &std::path::Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source '{script}'
spec=$(complete -p preload) || exit 9
func=$(sed -n 's/.*-F \([^ ]*\) .*/\1/p' <<<"$spec")
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$func" preload "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script = script.display(),
        words = quoted.join(" "),
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash is installed");
    assert!(
        out.status.success(),
        "bash failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_registers_a_completion_for_preload() {
    let (_dir, script) = bash_script();
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c"])
        .arg(format!(
            "source '{}' && complete -p preload",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = String::from_utf8_lossy(&out.stdout);
    assert!(
        spec.starts_with("complete ") && spec.contains("-F "),
        "{spec}"
    );
}

#[test]
fn bash_completes_subcommands() {
    let (_dir, script) = bash_script();
    assert_eq!(complete(&script, &["preload", "wa"]), ["warm"]);
    let all = complete(&script, &["preload", ""]);
    for sub in [
        "warm", "status", "evict", "tune", "bench", "report", "compare", "run",
    ] {
        assert!(all.iter().any(|w| w == sub), "{sub} missing from {all:?}");
    }
}

#[test]
fn bash_completes_flags_and_their_values() {
    let (_dir, script) = bash_script();
    assert_eq!(
        complete(&script, &["preload", "bench", "--no-drop"]),
        ["--no-drop-caches"]
    );
    let warm = complete(&script, &["preload", "warm", "--me"]);
    assert_eq!(warm, ["--method"]);
    // Values clap knows (a ValueEnum) are offered after the flag.
    let methods = complete(&script, &["preload", "warm", "--method", ""]);
    assert_eq!(methods, ["read", "willneed", "mmap"]);
}

#[test]
fn unknown_shell_is_refused_with_the_accepted_ones() {
    preload()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bash"))
        .stderr(predicates::str::contains("zsh"))
        .stderr(predicates::str::contains("fish"));
}

#[test]
fn man_pages_are_generated_for_every_visible_command() {
    let dir = tempfile::tempdir().unwrap();
    preload().arg("man").arg(dir.path()).assert().success();
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "preload-bench.1",
            "preload-compare.1",
            "preload-completions.1",
            "preload-evict.1",
            "preload-report.1",
            "preload-run.1",
            "preload-status.1",
            "preload-tune.1",
            "preload-warm.1",
            "preload.1",
        ]
    );
    let main = std::fs::read_to_string(dir.path().join("preload.1")).unwrap();
    assert!(
        main.starts_with(".ie"),
        "roff: {}",
        &main[..80.min(main.len())]
    );
    assert!(main.contains(".TH preload 1"), "title missing");
    // Exit codes live in the man page too, not only the README.
    assert!(main.contains(".SH \"EXIT STATUS\""));
    for code in ["\\fB0\\fR", "\\fB4\\fR", "\\fB6\\fR", "\\fB130\\fR"] {
        assert!(main.contains(code), "exit code {code} missing");
    }
    // The hidden generator is not a documented command.
    assert!(!main.contains("preload-man"));
    let bench = std::fs::read_to_string(dir.path().join("preload-bench.1")).unwrap();
    assert!(
        bench.contains("no\\-drop\\-caches"),
        "bench page lacks its flags"
    );
}
