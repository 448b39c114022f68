//! The Slurm recipes of docs/fleet.md, run end to end on a real single-node
//! Slurm cluster (`.ci/slurm.sh up`: slurmctld, slurmd and munge from
//! Debian, on 127.0.0.1), over a cold simfs model: the job log must show
//! the warm before the ranks, and the ranks must find the model resident.
//!
//! Needs `SLURM_CONF` (`source target/slurm/env.sh`); without it the tests
//! skip loudly, and fail under `CI=true`.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use preload_simfs::testing::{TestMount, capped, create_file, require_fuse};

const MIB: u64 = 1 << 20;

fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The cluster's config, or None after a loud skip (a panic under CI=true).
fn slurm_conf() -> Option<PathBuf> {
    if let Some(conf) = std::env::var_os("SLURM_CONF") {
        return Some(PathBuf::from(conf));
    }
    let why = "SLURM_CONF is not set: start the cluster with `bash .ci/slurm.sh up` \
               and `source target/slurm/env.sh`";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; CI=true, so this is a failure");
    }
    eprintln!("SKIPPED: {why}");
    None
}

fn docs(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/slurm")
        .join(name)
}

/// 32 MiB of cold model on storage with 25 MiB/s per stream, 100 in all.
fn cold_model() -> TestMount {
    let mnt = TestMount::new(capped(2, 25, 100)).unwrap();
    for i in 0..2 {
        create_file(
            &mnt.backing().join(format!("model-0000{i}.safetensors")),
            16 * MIB,
            i,
        )
        .unwrap();
    }
    mnt
}

/// `sbatch --wait`, bounded; returns the job's log.
fn sbatch(args: &[&str], log: &Path) -> String {
    let out = Command::new("timeout")
        .arg("180")
        .arg("sbatch")
        .arg("--wait")
        .arg(format!("--output={}", log.display()))
        .args(args)
        .env("PRELOAD", assert_cmd::cargo::cargo_bin("preload"))
        .current_dir(log.parent().unwrap())
        .output()
        .expect("running sbatch");
    let text = std::fs::read_to_string(log).unwrap_or_default();
    assert!(
        out.status.success(),
        "sbatch {args:?}: {:?}\n{}{}\njob log:\n{text}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// A rank's `preload status --summary` line says the 32 MiB model was in
/// memory when it started ("total: 32.0 MiB of 32.0 MiB (99.9%) ...": all
/// but what the host's reclaim took, see `util::nearly_all`).
fn warmed_before(rank_line: &str) -> bool {
    let percent = rank_line
        .split_once("32.0 MiB of 32.0 MiB (")
        .and_then(|(_, rest)| rest.split_once("%)"))
        .and_then(|(p, _)| p.parse::<f64>().ok());
    percent.is_some_and(|p| p >= 99.0)
}

fn line_of(log: &str, needle: &str) -> usize {
    log.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in the job log:\n{log}"))
}

/// The leading `date +%s.%N` of a line.
fn stamp(line: &str) -> f64 {
    line.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn the_sbatch_recipe_warms_every_node_before_the_ranks_start() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    let Some(_) = slurm_conf() else { return };
    let mnt = cold_model();
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("job.log");
    let script = docs("warm-then-ranks.sbatch");
    let text = sbatch(
        &[
            "--export=ALL,PRELOAD_FLEET_BUDGET=200MiB/s",
            script.to_str().unwrap(),
            mnt.path().to_str().unwrap(),
        ],
        &log,
    );
    eprintln!("job log:\n{text}");
    let start = line_of(&text, "warm: start on 1 nodes");
    let warmed = line_of(&text, "warmed 2 of 2 files, 32.0 MiB");
    let done = line_of(&text, "warm: done");
    let rate = line_of(&text, "rate: at most 200.0 MiB/s");
    let ranks: Vec<&str> = text.lines().filter(|l| l.contains(" start: ")).collect();
    assert_eq!(ranks.len(), 2, "two ranks:\n{text}");
    let first_rank = line_of(&text, " start: ");
    assert!(start < warmed && warmed < done && rate < done && done < first_rank);
    for r in &ranks {
        assert!(warmed_before(r), "{r}");
    }
    // The storage saw the model once: one warm per node, ranks read RAM.
    let served = mnt.mounted().stats().bytes_served;
    assert!((32 * MIB..40 * MIB).contains(&served), "served {served}");
}

#[test]
fn the_prolog_warms_the_commented_paths_before_the_job_starts() {
    let _serial = serial();
    if !require_fuse() {
        return;
    }
    let Some(conf) = slurm_conf() else { return };
    let mnt = cold_model();
    let work = tempfile::tempdir().unwrap();
    let job = work.path().join("rank.sbatch");
    std::fs::write(
        &job,
        "#!/bin/bash\n#SBATCH --ntasks=1\n\
         echo \"$(date +%s.%N) rank start: $(\"$PRELOAD\" status --summary \"$1\")\"\n",
    )
    .unwrap();
    let log = work.path().join("job.log");
    let comment = format!("--comment=preload:{}", mnt.path().display());
    let text = sbatch(
        &[
            &comment,
            job.to_str().unwrap(),
            mnt.path().to_str().unwrap(),
        ],
        &log,
    );
    let rank = text
        .lines()
        .find(|l| l.contains("rank start"))
        .unwrap_or_else(|| panic!("no rank line:\n{text}"));
    assert!(warmed_before(rank), "{rank}");
    // The prolog's own log (.ci/slurm.sh points it into the cluster's dir).
    let prolog_log = conf.parent().unwrap().join("log/preload-prolog.log");
    let prolog = std::fs::read_to_string(&prolog_log).unwrap();
    let path = mnt.path().display().to_string();
    let began = prolog
        .lines()
        .rfind(|l| l.contains(&format!(": warm {path}")))
        .unwrap_or_else(|| panic!("the prolog did not warm {path}:\n{prolog}"));
    let tail = &prolog[prolog.rfind(began).unwrap()..];
    eprintln!("prolog log:\n{tail}\njob log:\n{text}");
    assert!(tail.contains("warmed 2 of 2 files, 32.0 MiB"), "{tail}");
    let ended = tail
        .lines()
        .find(|l| l.contains("warm exited 0"))
        .unwrap_or_else(|| panic!("{tail}"));
    assert!(
        stamp(ended) <= stamp(rank),
        "the prolog's warm ended after the job started"
    );
}
