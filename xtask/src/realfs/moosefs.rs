//! MooseFS on loopback: one master, two chunkservers and `mfsmount`, each
//! in the foreground as a detached child (errors reach `logs/`), the
//! chunkservers and the client behind the `connect()` shim (see
//! `mfs_shim.c` and the module docs of `realfs`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::State;
use super::proc::{self, Daemon, run, wait_for};
use super::{mount, shim};

/// The master's port for clients (mfsmount, mfscli).
const CLIENT_PORT: u16 = 9421;
/// The chunkservers: name and listen port.
const CHUNKSERVERS: [(&str, u16); 2] = [("cs1", 9422), ("cs2", 9423)];
/// The master's address as chunkservers see it: they refuse 127.x, the
/// shim maps this label back to 127.0.0.1.
const MASTER_LABEL: &str = "239.255.255.1";
/// How long each daemon may take to get ready.
const READY: Duration = Duration::from_secs(60);

/// Starts master, chunkservers and the mount (reusing daemons still alive).
pub fn up(st: &State) -> Result<()> {
    let shim = shim::build(&st.dir, &st.log("cc-shim"))?;
    write_configs(st)?;
    let mut started: Vec<Daemon> = Vec::new();

    let master_cfg = st.dir.join("mfsmaster.cfg");
    if proc::live_pid(&st.pid("master"), "mfsmaster").is_none() {
        stop_leftovers(st, "mfsmaster");
        for port in [9419, 9420, CLIENT_PORT] {
            proc::ensure_port_free(port, "mfsmaster")?;
        }
        let mut cmd = Command::new("mfsmaster");
        cmd.args(["-f", "-a", "-c"]).arg(&master_cfg).arg("start");
        started.push(Daemon::spawn(
            "mfsmaster",
            &mut cmd,
            &st.log("master"),
            &st.pid("master"),
        )?);
    }
    let log = st.log("master");
    wait_for("mfsmaster to listen on 127.0.0.1:9421", READY, &log, || {
        check_all(&mut started)?;
        Ok(proc::port_open(CLIENT_PORT))
    })?;

    for (name, port) in CHUNKSERVERS {
        if proc::live_pid(&st.pid(name), "mfschunkserver").is_none() {
            let cfg = st.dir.join(name).join("mfschunkserver.cfg");
            stop_leftovers(st, &cfg.to_string_lossy());
            proc::ensure_port_free(port, name)?;
            let mut cmd = Command::new("mfschunkserver");
            cmd.env("LD_PRELOAD", &shim)
                .arg("-f")
                .arg("-c")
                .arg(&cfg)
                .arg("start");
            started.push(Daemon::spawn(name, &mut cmd, &st.log(name), &st.pid(name))?);
        }
    }
    let cli_log = st.log("mfscli");
    wait_for(
        "both chunkservers to register with space (mfscli -SCS)",
        READY,
        &cli_log,
        || {
            check_all(&mut started)?;
            chunkservers_ready(&cli_log)
        },
    )?;

    let mnt = st.mnt();
    let mut cmd = Command::new("mfsmount");
    cmd.env("LD_PRELOAD", &shim)
        .arg(&mnt)
        .args(["-f", "-H", "127.0.0.1", "-P"])
        .arg(CLIENT_PORT.to_string());
    let mut client = Daemon::spawn(
        "mfsmount",
        &mut cmd,
        &st.log("mfsmount"),
        &st.pid("mfsmount"),
    )?;
    wait_for("mfsmount to mount", READY, &st.log("mfsmount"), || {
        client.check()?;
        Ok(mount::mounted(&mnt).is_some())
    })?;
    run(
        Command::new("mfssetgoal").arg("1").arg(&mnt),
        READY,
        &st.log("mfssetgoal"),
    )?;
    Ok(())
}

/// Unmounts, then stops the chunkservers and the master with their own
/// `stop` command (TERM, then KILL, by pid file if that fails).
pub fn down(st: &State) -> Result<()> {
    let mnt = st.mnt();
    mount::unmount(&mnt, &st.log("umount"))?;
    if let Some(pid) = proc::live_pid(&st.pid("mfsmount"), "mfsmount") {
        proc::stop_pid(pid, Duration::from_secs(10));
    }
    proc::stop_matching(&mnt.to_string_lossy(), Duration::from_secs(5));
    let stops: Vec<_> = CHUNKSERVERS
        .iter()
        .map(|(name, _)| {
            let cfg = st.dir.join(name).join("mfschunkserver.cfg");
            let st = st.clone();
            let name = name.to_string();
            std::thread::spawn(move || stop_daemon(&st, &name, "mfschunkserver", &cfg))
        })
        .collect();
    for s in stops {
        s.join()
            .map_err(|_| anyhow::anyhow!("chunkserver stop thread panicked"))??;
    }
    stop_daemon(st, "master", "mfsmaster", &st.dir.join("mfsmaster.cfg"))?;
    Ok(())
}

fn stop_daemon(st: &State, name: &str, program: &str, cfg: &Path) -> Result<()> {
    let Some(pid) = proc::live_pid(&st.pid(name), program) else {
        stop_leftovers(st, &cfg.to_string_lossy());
        return Ok(());
    };
    let log = st.log(&format!("{name}-stop"));
    if let Err(e) = run(
        Command::new(program).arg("-c").arg(cfg).arg("stop"),
        Duration::from_secs(60),
        &log,
    ) {
        eprintln!("realfs: `{program} stop` failed ({e:#}); signalling pid {pid}");
    }
    if !proc::stop_pid(pid, Duration::from_secs(30)) {
        bail!(
            "{name} (pid {pid}) does not stop; see {}",
            st.log(name).display()
        );
    }
    Ok(())
}

/// Stops strays of ours (matching `needle`, which names our state dir) that
/// lost their pid file.
fn stop_leftovers(st: &State, needle: &str) {
    let ours = st.dir.to_string_lossy();
    for (pid, line) in proc::find(needle) {
        if line.contains(ours.as_ref()) {
            eprintln!("realfs: stopping leftover pid {pid}: {line}");
            proc::stop_pid(pid, Duration::from_secs(30));
        }
    }
}

fn check_all(ds: &mut [Daemon]) -> Result<()> {
    ds.iter_mut().try_for_each(Daemon::check)
}

/// Whether `mfscli -SCS` lists both chunkservers with nonzero total space.
fn chunkservers_ready(log: &Path) -> Result<bool> {
    let Ok(out) = run(
        Command::new("mfscli")
            .args(["-H", "127.0.0.1", "-P"])
            .arg(CLIENT_PORT.to_string())
            .args(["-p", "-SCS"]),
        Duration::from_secs(20),
        log,
    ) else {
        return Ok(false);
    };
    Ok(CHUNKSERVERS
        .iter()
        .all(|(_, port)| cs_line_has_space(&out, *port)))
}

/// Finds the porcelain (`-p`) `-SCS` line of the chunkserver on `port`
/// (tab-separated: label, ip, port, id, labels, version, load, maintenance,
/// hdd chunks, used bytes, total bytes, ...) and checks its total space.
fn cs_line_has_space(out: &str, port: u16) -> bool {
    out.lines().any(|l| {
        let f: Vec<&str> = l.split('\t').collect();
        f.len() > 10
            && f[0].starts_with("chunk servers")
            && f[2] == port.to_string()
            && f[10].parse::<u64>().is_ok_and(|t| t > 0)
    })
}

fn write_configs(st: &State) -> Result<()> {
    let d = &st.dir;
    let master = d.join("master");
    mkdir(&master)?;
    let metadata = master.join("metadata.mfs");
    if !metadata.exists() && !master.join("metadata.mfs.back").exists() {
        let empty = Path::new("/var/lib/mfs/metadata.mfs.empty");
        std::fs::copy(empty, &metadata).with_context(|| {
            format!("copying {} (is moosefs-master installed?)", empty.display())
        })?;
    }
    write(
        &d.join("mfsexports.cfg"),
        "127.0.0.1 / rw,alldirs,admin,maproot=0:0\n",
    )?;
    write(&d.join("mfstopology.cfg"), "")?;
    write(
        &d.join("mfsmaster.cfg"),
        &format!(
            "WORKING_USER = mfs\nWORKING_GROUP = mfs\nNICE_LEVEL = 0\n\
             DATA_PATH = {}\nEXPORTS_FILENAME = {}\nTOPOLOGY_FILENAME = {}\n\
             MATOML_LISTEN_HOST = 127.0.0.1\nMATOCS_LISTEN_HOST = 127.0.0.1\n\
             MATOCL_LISTEN_HOST = 127.0.0.1\nMATOCL_LISTEN_PORT = {CLIENT_PORT}\n\
             REMAP_BITS = 24\nREMAP_SOURCE_IP_CLASS = 127.0.0.0\n\
             REMAP_DESTINATION_IP_CLASS = 239.255.255.0\n",
            master.display(),
            d.join("mfsexports.cfg").display(),
            d.join("mfstopology.cfg").display(),
        ),
    )?;
    for (name, port) in CHUNKSERVERS {
        let cs = d.join(name);
        let hdd = cs.join("hdd");
        mkdir(&hdd)?;
        write(&cs.join("mfshdd.cfg"), &format!("{}\n", hdd.display()))?;
        write(
            &cs.join("mfschunkserver.cfg"),
            &format!(
                "WORKING_USER = mfs\nWORKING_GROUP = mfs\nNICE_LEVEL = 0\n\
                 DATA_PATH = {}\nHDD_CONF_FILENAME = {}\n\
                 MASTER_HOST = {MASTER_LABEL}\nMASTER_PORT = 9420\nBIND_HOST = 127.0.0.1\n\
                 CSSERV_LISTEN_HOST = 127.0.0.1\nCSSERV_LISTEN_PORT = {port}\n",
                cs.display(),
                cs.join("mfshdd.cfg").display(),
            ),
        )?;
    }
    run(
        Command::new("chown")
            .args(["-R", "mfs:mfs"])
            .arg(&master)
            .arg(d.join("cs1"))
            .arg(d.join("cs2")),
        Duration::from_secs(60),
        &st.log("chown"),
    )?;
    Ok(())
}

fn mkdir(p: &Path) -> Result<()> {
    std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))
}

fn write(p: &Path, text: &str) -> Result<()> {
    std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chunkserver_space_from_mfscli() {
        let out = "chunk servers:\t239.255.255.1\t9422\t1\t-\t3.0.117\t0\tmaintenance_off\t0\t13935411200\t97572749312\t-\t0\t0\t0\n\
                   chunk servers:\t239.255.255.1\t9423\t2\t-\t3.0.117\t0\tmaintenance_off\t0\t0\t0\t-\t0\t0\t0\n";
        assert!(cs_line_has_space(out, 9422));
        assert!(!cs_line_has_space(out, 9423), "no space yet");
        assert!(!cs_line_has_space(out, 9424), "not listed");
    }
}
