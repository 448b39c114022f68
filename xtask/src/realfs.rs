//! `cargo xtask realfs`: real distributed filesystems on loopback, for
//! integration tests and benchmarks.
//!
//! ```text
//! cargo xtask realfs install [FS...|all]   apt-get the packages (default: all)
//! cargo xtask realfs up FS                 start, mount, print the mount point last
//! cargo xtask realfs down FS|all           unmount and stop what `up` started
//! cargo xtask realfs status [FS...]        what is up and where
//! cargo xtask realfs env                   `export PRELOAD_REALFS_<FS>='<mount>'` per mount that is up
//! ```
//!
//! FS is `moosefs`, `glusterfs`, `sshfs` (default options: keeps no page
//! cache across opens) or `sshfs-cache` (`-o kernel_cache`). Everything
//! listens on 127.0.0.1 only. State lives under `<workspace>/target/realfs/`
//! and survives `down` (delete that folder for a fresh start); each backend
//! keeps `logs/` (one file per daemon and per command) and `run/` (pid
//! files) there, and mounts at `<state>/mnt`. `up` is idempotent: a
//! working mount is probed (`stat -f` shows blocks, a probe file writes and
//! reads back) and its path printed; a broken one is unmounted and rebuilt.
//! All waits are bounded; a daemon that dies or never gets ready fails `up`
//! with the path and tail of its log.
//!
//! - **moosefs** (`target/realfs/moosefs/`): `mfsmaster` (ports 9419-9421),
//!   two `mfschunkserver`s (`cs1`, `cs2`, ports 9422 and 9423, 256 MiB
//!   reserved each), `mfsmount` on `mnt` with goal 1, all run in the
//!   foreground (`-f`, so their errors reach `logs/`) as detached children
//!   with pid files. MooseFS refuses 127.x between master and chunkservers,
//!   so the master remaps 127.0.0.0/24 to the multicast label
//!   239.255.255.0/24 and the chunkservers and `mfsmount` run with
//!   `LD_PRELOAD=shim.so`, compiled at `up` from C embedded here, whose
//!   `connect()` maps 239.255.255.N back to 127.0.0.N and refuses any other
//!   non-loopback address. Ready when `mfscli -SCS` lists both chunkservers
//!   with space. Stop: `umount`, then `mfschunkserver stop`, `mfsmaster
//!   stop` (the master saves its metadata).
//! - **glusterfs** (`target/realfs/glusterfs/`): `glusterd` with a private
//!   volfile (working directory `glusterd/`, bound to 127.0.0.1:24007, its
//!   CLI socket `run/glusterd.socket`), one brick `brick/` on host `127.1`
//!   in volume `gv0`, and a `mount -t glusterfs` FUSE client. The bricks'
//!   own pid files, sockets and logs go to `/var/run/gluster` and
//!   `/var/log/glusterfs`. Stop: `umount`, `volume stop gv0 force`, TERM to
//!   glusterd.
//! - **sshfs**, **sshfs-cache** (`target/realfs/sshd/` holds a private
//!   `sshd` on 127.0.0.1:2222 with its own host and client keys, shared by
//!   both; each variant exports and mounts its own `target/realfs/<fs>/`
//!   `export` and `mnt`). `down` stops sshd once neither is mounted.
//!
//! `install` runs `apt-get update` once (only if a package is missing) and
//! `apt-get install -y --no-install-recommends` with
//! `DEBIAN_FRONTEND=noninteractive`; where the machine has no
//! `/usr/sbin/policy-rc.d`, a refusing one is in place during the install so
//! that no packaged service starts on a public address.
//!
//! How long each step takes and how fast each backend reads, measured:
//! docs/realfs.md.

mod glusterfs;
mod install;
mod moosefs;
mod mount;
pub(crate) mod proc;
mod shim;
mod sshfs;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A filesystem backend that `realfs` can bring up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fs {
    /// MooseFS: master, two chunkservers, `mfsmount`.
    Moosefs,
    /// GlusterFS: glusterd, one brick, FUSE client.
    Glusterfs,
    /// sshfs with default options (no page cache kept across opens).
    Sshfs,
    /// sshfs with `-o kernel_cache`.
    SshfsCache,
}

impl Fs {
    /// Every backend, in the order `all` uses.
    pub const ALL: [Fs; 4] = [Fs::Moosefs, Fs::Glusterfs, Fs::Sshfs, Fs::SshfsCache];

    /// The name used on the command line and as the state folder.
    pub fn name(self) -> &'static str {
        match self {
            Fs::Moosefs => "moosefs",
            Fs::Glusterfs => "glusterfs",
            Fs::Sshfs => "sshfs",
            Fs::SshfsCache => "sshfs-cache",
        }
    }

    fn parse(s: &str) -> Result<Fs> {
        Fs::ALL
            .into_iter()
            .find(|fs| fs.name() == s)
            .with_context(|| format!("unknown filesystem `{s}` (expected moosefs, glusterfs, sshfs, sshfs-cache or all)"))
    }

    /// The environment variable `env` prints for this backend's mount point.
    pub fn env_var(self) -> String {
        format!(
            "PRELOAD_REALFS_{}",
            self.name().to_uppercase().replace('-', "_")
        )
    }
}

impl fmt::Display for Fs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One backend's state folder and the paths inside it.
#[derive(Debug, Clone)]
pub struct State {
    /// `<workspace>/target/realfs/<fs>`.
    pub dir: PathBuf,
}

impl State {
    fn new(root: &Path, name: &str) -> State {
        State {
            dir: root.join(name),
        }
    }

    /// Creates the folder and its `logs/` and `run/` (not `mnt/`: on a
    /// dead FUSE mount even `create_dir_all` fails).
    pub(crate) fn create(&self) -> Result<()> {
        for d in [self.dir.clone(), self.logs(), self.dir.join("run")] {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
        }
        Ok(())
    }

    /// The mount point.
    pub fn mnt(&self) -> PathBuf {
        self.dir.join("mnt")
    }

    fn logs(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// `logs/<name>.log`.
    pub fn log(&self, name: &str) -> PathBuf {
        self.logs().join(format!("{name}.log"))
    }

    /// `run/<name>.pid`.
    pub fn pid(&self, name: &str) -> PathBuf {
        self.dir.join("run").join(format!("{name}.pid"))
    }
}

/// `<workspace>/target/realfs`.
fn root() -> Result<PathBuf> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let ws = manifest.parent().context("xtask has no parent folder")?;
    let ws = ws
        .canonicalize()
        .with_context(|| format!("resolving {}", ws.display()))?;
    Ok(ws.join("target").join("realfs"))
}

/// Entry point: `args` are what follows `realfs` on the command line.
pub fn main(args: &[String]) -> Result<()> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = root()?;
    match args.as_slice() {
        ["install", fss @ ..] => install::install(&parse_many(fss, true)?, &root.join("logs")),
        ["up", fs] => up(&root, Fs::parse(fs)?),
        ["down", fss @ ..] if !fss.is_empty() => {
            for fs in parse_many(fss, false)? {
                down(&root, fs)?;
            }
            Ok(())
        }
        ["status", fss @ ..] => {
            for fs in parse_many(fss, true)? {
                status(&root, fs);
            }
            Ok(())
        }
        ["env"] => {
            for fs in Fs::ALL {
                let mnt = State::new(&root, fs.name()).mnt();
                if mount::mounted(&mnt).is_some() {
                    println!("export {}='{}'", fs.env_var(), mnt.display());
                }
            }
            Ok(())
        }
        _ => bail!(
            "usage: cargo xtask realfs install [FS...] | up FS | down FS... | status [FS...] | env\n\
             FS: moosefs, glusterfs, sshfs, sshfs-cache (or all, except for up)"
        ),
    }
}

/// Parses filesystem names; `all` (or nothing, where `empty_is_all`) means
/// every backend.
fn parse_many(names: &[&str], empty_is_all: bool) -> Result<Vec<Fs>> {
    if (names.is_empty() && empty_is_all) || names.contains(&"all") {
        return Ok(Fs::ALL.to_vec());
    }
    names.iter().map(|n| Fs::parse(n)).collect()
}

/// How long one probe of a mount may take before it counts as hung.
const PROBE_TRY: Duration = Duration::from_secs(20);
/// How long a mount found already there may take to pass a probe.
const PROBE_EXISTING: Duration = Duration::from_secs(2);
/// How long a fresh mount may take to pass a probe.
const PROBE_FRESH: Duration = Duration::from_secs(30);

fn up(root: &Path, fs: Fs) -> Result<()> {
    let st = State::new(root, fs.name());
    st.create()?;
    let mnt = st.mnt();
    let probe_log = st.log("probe");
    if mount::mounted(&mnt).is_some() {
        match mount::probe_until(&mnt, PROBE_EXISTING, PROBE_TRY, &probe_log) {
            Ok(()) => {
                eprintln!("realfs: {fs} is already up");
                println!("{}", mnt.display());
                return Ok(());
            }
            Err(e) => {
                eprintln!("realfs: {fs} is mounted but broken ({e:#}); restarting it");
                down(root, fs)?;
            }
        }
    }
    std::fs::create_dir_all(&mnt).with_context(|| format!("creating {}", mnt.display()))?;
    let t = Instant::now();
    match fs {
        Fs::Moosefs => moosefs::up(&st)?,
        Fs::Glusterfs => glusterfs::up(&st)?,
        Fs::Sshfs | Fs::SshfsCache => sshfs::up(root, &st, fs == Fs::SshfsCache)?,
    }
    mount::probe_until(&mnt, PROBE_FRESH, PROBE_TRY, &probe_log)
        .with_context(|| format!("{fs} mounted at {} but does not work", mnt.display()))?;
    eprintln!("realfs: {fs} up in {:.1} s", t.elapsed().as_secs_f64());
    println!("{}", mnt.display());
    Ok(())
}

fn down(root: &Path, fs: Fs) -> Result<()> {
    let st = State::new(root, fs.name());
    if !st.dir.exists() {
        eprintln!("realfs: {fs} was never started");
        return Ok(());
    }
    st.create()?;
    let t = Instant::now();
    match fs {
        Fs::Moosefs => moosefs::down(&st)?,
        Fs::Glusterfs => glusterfs::down(&st)?,
        Fs::Sshfs | Fs::SshfsCache => sshfs::down(root, &st)?,
    }
    eprintln!("realfs: {fs} down in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

fn status(root: &Path, fs: Fs) {
    let st = State::new(root, fs.name());
    let mnt = st.mnt();
    let state = match mount::mounted(&mnt) {
        Some(kind) => format!("up ({kind}) at {}", mnt.display()),
        None => "down".to_owned(),
    };
    println!("{fs}: {state}");
    let procs = match fs {
        Fs::Moosefs | Fs::Glusterfs => proc::find(&st.dir.to_string_lossy()),
        Fs::Sshfs | Fs::SshfsCache => {
            let mut p = proc::find(&mnt.to_string_lossy());
            p.extend(proc::find(
                &sshfs::sshd_dir(root).join("sshd_config").to_string_lossy(),
            ));
            p
        }
    };
    for (pid, line) in procs {
        println!("  pid {pid}: {line}");
    }
}
