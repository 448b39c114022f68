//! sshfs on loopback: a private `sshd` on 127.0.0.1:2222 (own host key,
//! one generated client key, internal sftp), shared by the two variants,
//! each of which mounts its own `export` folder: `sshfs` with default
//! options (no page cache across opens) and `sshfs-cache` with
//! `-o kernel_cache`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::proc::{self, Daemon, run, wait_for};
use super::{Fs, State, mount};

/// The port the private sshd listens on (127.0.0.1 only).
const PORT: u16 = 2222;
/// How long sshd and the mount may take.
const READY: Duration = Duration::from_secs(30);

/// The sshd's state folder, `<root>/sshd`.
pub fn sshd_dir(root: &Path) -> PathBuf {
    root.join("sshd")
}

/// Starts the sshd unless it runs, then mounts this variant's export.
pub fn up(root: &Path, st: &State, kernel_cache: bool) -> Result<()> {
    let sshd = State {
        dir: sshd_dir(root),
    };
    sshd.create()?;
    ensure_sshd(&sshd)?;
    let export = st.dir.join("export");
    std::fs::create_dir_all(&export).with_context(|| format!("creating {}", export.display()))?;
    let mut opts = format!(
        "IdentityFile={},IdentitiesOnly=yes,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,\
         BatchMode=yes,LogLevel=ERROR",
        sshd.dir.join("id_ed25519").display()
    );
    if kernel_cache {
        opts.push_str(",kernel_cache");
    }
    run(
        Command::new("sshfs")
            .args(["-F", "/dev/null", "-p"])
            .arg(PORT.to_string())
            .args(["-o", &opts])
            .arg(format!("root@127.0.0.1:{}", export.display()))
            .arg(st.mnt()),
        READY,
        &st.log("sshfs"),
    )
    .with_context(|| {
        format!(
            "mounting over sshfs failed (sshd log: {})",
            sshd.log("sshd").display()
        )
    })?;
    Ok(())
}

/// Unmounts this variant; stops the sshd once neither variant is mounted.
pub fn down(root: &Path, st: &State) -> Result<()> {
    let mnt = st.mnt();
    mount::unmount(&mnt, &st.log("umount"))?;
    proc::stop_matching(&mnt.to_string_lossy(), Duration::from_secs(5));
    let others_up = [Fs::Sshfs, Fs::SshfsCache]
        .iter()
        .any(|fs| mount::mounted(&root.join(fs.name()).join("mnt")).is_some());
    if others_up {
        eprintln!("realfs: leaving sshd up for the other sshfs mount");
        return Ok(());
    }
    let sshd = State {
        dir: sshd_dir(root),
    };
    if let Some(pid) = proc::live_pid(&sshd.pid("sshd"), "sshd")
        && !proc::stop_pid(pid, Duration::from_secs(10))
    {
        bail!(
            "sshd (pid {pid}) does not stop; see {}",
            sshd.log("sshd").display()
        );
    }
    proc::stop_matching(&sshd.dir.to_string_lossy(), Duration::from_secs(5));
    Ok(())
}

/// Starts the sshd in the foreground (`-D -e`: errors reach its log) unless
/// it already runs and answers.
fn ensure_sshd(sshd: &State) -> Result<()> {
    let cfg = write_config(sshd)?;
    let pid_file = sshd.pid("sshd");
    if proc::live_pid(&pid_file, &cfg.to_string_lossy()).is_some() && proc::port_open(PORT) {
        return Ok(());
    }
    proc::stop_matching(&sshd.dir.to_string_lossy(), Duration::from_secs(5));
    proc::ensure_port_free(PORT, "sshd")?;
    std::fs::create_dir_all("/run/sshd").context("creating /run/sshd")?;
    let log = sshd.log("sshd");
    run(
        Command::new("/usr/sbin/sshd").arg("-t").arg("-f").arg(&cfg),
        READY,
        &sshd.log("sshd-check"),
    )?;
    // sshd re-executes itself and so must be started by absolute path.
    let mut cmd = Command::new("/usr/sbin/sshd");
    cmd.args(["-D", "-e", "-f"]).arg(&cfg);
    let mut daemon = Daemon::spawn("sshd", &mut cmd, &log, &pid_file)?;
    wait_for("sshd to listen on 127.0.0.1:2222", READY, &log, || {
        daemon.check()?;
        Ok(proc::port_open(PORT))
    })
}

/// Writes keys (once) and `sshd_config`; returns the config's path.
fn write_config(sshd: &State) -> Result<PathBuf> {
    let d = &sshd.dir;
    for (key, comment) in [
        ("ssh_host_ed25519_key", "realfs host"),
        ("id_ed25519", "realfs client"),
    ] {
        let path = d.join(key);
        if !path.exists() {
            run(
                Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
                    .arg(&path),
                READY,
                &sshd.log("ssh-keygen"),
            )?;
        }
    }
    let public = d.join("id_ed25519.pub");
    let authorized = d.join("authorized_keys");
    std::fs::copy(&public, &authorized)
        .with_context(|| format!("copying {} to {}", public.display(), authorized.display()))?;
    let cfg = d.join("sshd_config");
    let text = format!(
        "# private sshd for cargo xtask realfs sshfs\n\
         ListenAddress 127.0.0.1:{PORT}\n\
         AddressFamily inet\n\
         HostKey {}\n\
         PidFile none\n\
         AuthorizedKeysFile {}\n\
         PermitRootLogin prohibit-password\n\
         AllowUsers root\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         StrictModes no\n\
         AllowTcpForwarding no\n\
         AllowAgentForwarding no\n\
         X11Forwarding no\n\
         PermitTunnel no\n\
         PrintMotd no\n\
         Subsystem sftp internal-sftp\n",
        d.join("ssh_host_ed25519_key").display(),
        authorized.display(),
    );
    std::fs::write(&cfg, text).with_context(|| format!("writing {}", cfg.display()))?;
    Ok(cfg)
}
