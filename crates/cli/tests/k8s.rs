//! The Kubernetes manifests of docs/k8s validate offline against the
//! Kubernetes schemas (PyPI's kubernetes-validate, which ships them, in a
//! venv this test creates under target/). Nothing here runs a cluster.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned: its schemas are Kubernetes 1.37's.
const VALIDATOR: &str = "kubernetes-validate==1.37.0";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The validator, installed into target/k8s-venv on first use. None after
/// a loud skip (a panic under CI=true) when no venv can be made.
fn validator() -> Option<PathBuf> {
    let venv = repo().join("target/k8s-venv");
    let bin = venv.join("bin/kubernetes-validate");
    if bin.exists() {
        return Some(bin);
    }
    let run = |cmd: &mut Command| {
        cmd.output().map_err(|e| e.to_string()).and_then(|o| {
            o.status
                .success()
                .then_some(())
                .ok_or_else(|| String::from_utf8_lossy(&o.stderr).into_owned())
        })
    };
    let made = run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).and_then(|()| {
        run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", VALIDATOR]))
    });
    match made {
        Ok(()) => Some(bin),
        Err(e) => {
            let why = format!("cannot install {VALIDATOR} into {}: {e}", venv.display());
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}; CI=true, so this is a failure (apt-get install python3-venv)");
            }
            eprintln!("SKIPPED: {why}");
            None
        }
    }
}

fn validate(bin: &Path, file: &Path) -> (bool, String) {
    let out = Command::new(bin)
        .arg("--strict")
        .arg(file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_manifests_validate_and_a_misspelt_field_does_not() {
    let Some(bin) = validator() else { return };
    let dir = repo().join("docs/k8s");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    manifests.sort();
    assert_eq!(manifests.len(), 2, "{manifests:?}");
    for m in &manifests {
        let (ok, text) = validate(&bin, m);
        eprint!("{text}");
        assert!(ok, "{} does not validate:\n{text}", m.display());
    }
    // The validator is strict: a typo in a probe is caught, so a pass above
    // means something.
    let good = std::fs::read_to_string(dir.join("daemonset.yaml")).unwrap();
    let bad = good.replacen("exec:", "exce:", 1);
    assert_ne!(good, bad);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.yaml");
    std::fs::write(&file, bad).unwrap();
    let (ok, text) = validate(&bin, &file);
    assert!(!ok, "a misspelt field passed:\n{text}");
}
