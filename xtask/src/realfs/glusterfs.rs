//! GlusterFS on loopback: a private `glusterd` bound to 127.0.0.1 (its own
//! working directory and CLI socket), volume `gv0` with one brick on host
//! `127.1` (the CLI rejects `127.0.0.1` and `localhost` as brick hosts), and
//! a `mount -t glusterfs` FUSE client.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::State;
use super::mount;
use super::proc::{self, run, wait_for};

/// The volume name.
const VOLUME: &str = "gv0";
/// How long glusterd and the CLI may take.
const READY: Duration = Duration::from_secs(60);

/// Starts glusterd (unless alive), creates and starts the volume, mounts.
pub fn up(st: &State) -> Result<()> {
    let vol = write_volfile(st)?;
    let pid_file = st.pid("glusterd");
    let log = st.log("glusterd");
    if proc::live_pid(&pid_file, "glusterd").is_none() {
        proc::stop_matching(&st.dir.to_string_lossy(), Duration::from_secs(10));
        proc::ensure_port_free(24007, "glusterd")?;
        run(
            Command::new("glusterd")
                .arg("-f")
                .arg(&vol)
                .arg("-p")
                .arg(&pid_file)
                .arg("-l")
                .arg(&log),
            READY,
            &st.log("glusterd-start"),
        )?;
    }
    let cli_log = st.log("gluster-cli");
    wait_for("glusterd to answer its CLI socket", READY, &log, || {
        if proc::live_pid(&pid_file, "glusterd").is_none() {
            bail!(
                "glusterd is not running; see {}:\n{}",
                log.display(),
                proc::tail(&log, 20)
            );
        }
        Ok(cli(st, &["volume", "list"], &cli_log).is_ok())
    })?;
    let list = cli(st, &["volume", "list"], &cli_log)?;
    if !list.lines().any(|l| l.trim() == VOLUME) {
        let brick = brick(st);
        if brick.exists() {
            // A brick left from a volume glusterd no longer knows carries
            // that volume's id and would be refused: start it afresh.
            std::fs::remove_dir_all(&brick)
                .with_context(|| format!("removing {}", brick.display()))?;
        }
        std::fs::create_dir_all(&brick).with_context(|| format!("creating {}", brick.display()))?;
        let spec = format!("127.1:{}", brick.display());
        cli(st, &["volume", "create", VOLUME, &spec, "force"], &cli_log)?;
    }
    cli(st, &["volume", "start", VOLUME, "force"], &cli_log)?;
    wait_for(
        "the brick to come online (gluster volume status)",
        READY,
        &cli_log,
        || {
            Ok(cli(st, &["volume", "status", VOLUME, "--xml"], &cli_log)
                .is_ok_and(|out| brick_online(&out)))
        },
    )?;
    let mnt = st.mnt();
    run(
        Command::new("mount")
            .args(["-t", "glusterfs", "-o"])
            .arg(format!("log-file={}", st.log("mount-client").display()))
            .arg(format!("127.0.0.1:/{VOLUME}"))
            .arg(&mnt),
        READY,
        &st.log("mount"),
    )
    .with_context(|| {
        format!(
            "mounting gv0 failed (client log: {})",
            st.log("mount-client").display()
        )
    })?;
    Ok(())
}

/// Unmounts, stops the volume and glusterd, then any brick of ours left.
pub fn down(st: &State) -> Result<()> {
    let mnt = st.mnt();
    mount::unmount(&mnt, &st.log("umount"))?;
    proc::stop_matching(&mnt.to_string_lossy(), Duration::from_secs(10));
    let pid_file = st.pid("glusterd");
    if let Some(pid) = proc::live_pid(&pid_file, "glusterd") {
        let log = st.log("gluster-cli");
        if let Err(e) = cli(st, &["volume", "stop", VOLUME, "force"], &log) {
            eprintln!("realfs: gluster volume stop failed ({e:#})");
        }
        if !proc::stop_pid(pid, Duration::from_secs(20)) {
            bail!(
                "glusterd (pid {pid}) does not stop; see {}",
                st.log("glusterd").display()
            );
        }
    }
    proc::stop_matching(&st.dir.to_string_lossy(), Duration::from_secs(10));
    Ok(())
}

/// Runs the gluster CLI on our glusterd's private socket.
fn cli(st: &State, args: &[&str], log: &Path) -> Result<String> {
    run(
        Command::new("gluster")
            .arg(format!("--glusterd-sock={}", socket(st).display()))
            .arg("--mode=script")
            .args(args),
        READY,
        log,
    )
}

/// Whether `gluster volume status --xml` shows the brick on host 127.1
/// online (its `<node>` has `<status>1</status>`).
fn brick_online(xml: &str) -> bool {
    xml.split("<node>").skip(1).any(|node| {
        let node = node.split("</node>").next().unwrap_or("");
        node.contains("<hostname>127.1</hostname>") && node.contains("<status>1</status>")
    })
}

fn socket(st: &State) -> PathBuf {
    st.dir.join("run").join("glusterd.socket")
}

fn brick(st: &State) -> PathBuf {
    st.dir.join("brick")
}

fn write_volfile(st: &State) -> Result<PathBuf> {
    let work = st.dir.join("glusterd");
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let vol = st.dir.join("glusterd.vol");
    let text = format!(
        "volume management\n\
         \x20   type mgmt/glusterd\n\
         \x20   option working-directory {}\n\
         \x20   option glusterd-sockfile {}\n\
         \x20   option transport-type socket\n\
         \x20   option transport.address-family inet\n\
         \x20   option transport.socket.bind-address 127.0.0.1\n\
         \x20   option transport.socket.listen-port 24007\n\
         \x20   option transport.socket.keepalive-time 10\n\
         \x20   option transport.socket.keepalive-interval 2\n\
         \x20   option transport.socket.read-fail-log off\n\
         \x20   option ping-timeout 0\n\
         \x20   option event-threads 1\n\
         \x20   option max-port 60999\n\
         end-volume\n",
        work.display(),
        socket(st).display(),
    );
    std::fs::write(&vol, text).with_context(|| format!("writing {}", vol.display()))?;
    Ok(vol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_the_brick_online() {
        let up = "<volume><volName>gv0</volName><node>\n<hostname>127.1</hostname>\n\
                  <path>/x/brick</path><status>1</status><port>49152</port></node></volume>";
        assert!(brick_online(up));
        assert!(!brick_online(&up.replace("<status>1", "<status>0")));
        assert!(!brick_online("<opRet>-1</opRet>"));
    }
}
