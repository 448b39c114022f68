//! `realfs install`: the Debian packages each backend needs, installed
//! non-interactively with `apt-get` (skipping those already installed).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::Fs;
use super::proc::run;

/// Debian's hook that tells maintainer scripts not to start services.
const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// The packages `fs` needs.
pub fn packages(fs: Fs) -> &'static [&'static str] {
    match fs {
        Fs::Moosefs => &[
            "moosefs-master",
            "moosefs-chunkserver",
            "moosefs-client",
            "moosefs-cli",
            "fuse3",
        ],
        Fs::Glusterfs => &["glusterfs-server", "glusterfs-client"],
        Fs::Sshfs | Fs::SshfsCache => &["openssh-server", "sshfs"],
    }
}

/// Whether dpkg reports `pkg` as fully installed.
fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout) == "install ok installed")
        .unwrap_or(false)
}

/// Installs the packages of every backend in `fss`.
///
/// Services shipped by the packages must not start (they would listen on
/// every address): where the machine has no `policy-rc.d`, a refusing one is
/// put in place for the duration of the install.
pub fn install(fss: &[Fs], log_dir: &Path) -> Result<()> {
    let mut missing: Vec<&str> = Vec::new();
    for fs in fss {
        for pkg in packages(*fs) {
            if !missing.contains(pkg) && !installed(pkg) {
                missing.push(pkg);
            }
        }
    }
    if missing.is_empty() {
        eprintln!("realfs: all packages already installed");
        return Ok(());
    }
    eprintln!("realfs: installing {}", missing.join(" "));
    std::fs::create_dir_all(log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
    let policy = Path::new(POLICY_RC_D);
    let own_policy = !policy.exists();
    if own_policy {
        write_policy(policy)?;
    }
    let result = apt(&missing, log_dir);
    if own_policy {
        std::fs::remove_file(policy).with_context(|| format!("removing {POLICY_RC_D}"))?;
    }
    result?;
    let still: Vec<&str> = missing.iter().copied().filter(|p| !installed(p)).collect();
    if !still.is_empty() {
        bail!(
            "apt-get left these packages uninstalled: {}",
            still.join(" ")
        );
    }
    Ok(())
}

fn write_policy(policy: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(
        policy,
        "#!/bin/sh\n# written by cargo xtask realfs install\nexit 101\n",
    )
    .with_context(|| format!("writing {}", policy.display()))?;
    std::fs::set_permissions(policy, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("chmod {}", policy.display()))
}

fn apt(pkgs: &[&str], log_dir: &Path) -> Result<()> {
    let apt_get = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .env("NEEDRESTART_MODE", "a");
        cmd
    };
    run(
        &mut apt_get(&["-q", "update"]),
        Duration::from_secs(300),
        &log_dir.join("apt-update.log"),
    )?;
    let mut args = vec![
        "-q",
        "-y",
        "--no-install-recommends",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        "install",
    ];
    args.extend_from_slice(pkgs);
    run(
        &mut apt_get(&args),
        Duration::from_secs(900),
        &log_dir.join("apt-install.log"),
    )?;
    Ok(())
}
