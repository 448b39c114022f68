//! The MooseFS `LD_PRELOAD` shim: C source embedded here (`mfs_shim.c`),
//! compiled with `cc` into a state folder. Its `connect()` maps the
//! master's remap label 239.255.255.N back to 127.0.0.N and refuses every
//! other address that is not loopback, so nothing can leave the machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use super::proc::run;

/// The shim's C source.
pub const SOURCE: &str = include_str!("mfs_shim.c");

/// Writes `dir/shim.c` and compiles `dir/shim.so` (only when the source
/// changed); `log` receives the compiler's output. Returns the library.
pub fn build(dir: &Path, log: &Path) -> Result<PathBuf> {
    let src = dir.join("shim.c");
    let so = dir.join("shim.so");
    if so.exists() && std::fs::read_to_string(&src).is_ok_and(|s| s == SOURCE) {
        return Ok(so);
    }
    std::fs::write(&src, SOURCE).with_context(|| format!("writing {}", src.display()))?;
    run(
        Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&so)
            .arg(&src)
            .arg("-ldl"),
        Duration::from_secs(60),
        log,
    )
    .context("compiling the MooseFS connect() shim (is a C compiler installed?)")?;
    Ok(so)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs bash's `/dev/tcp` connect to `ip:port` under the shim.
    fn connect_via_shim(so: &Path, ip: &str, port: u16) -> std::process::Output {
        Command::new("bash")
            .env("LD_PRELOAD", so)
            .arg("-c")
            .arg(format!("exec 3<>/dev/tcp/{ip}/{port}"))
            .output()
            .expect("bash runs")
    }

    #[test]
    fn maps_the_label_to_loopback_and_refuses_the_rest() {
        let dir = std::env::temp_dir().join(format!("realfs-shim-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let so = build(&dir, &dir.join("cc.log")).expect("shim compiles");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();

        let mapped = connect_via_shim(&so, "239.255.255.1", port);
        assert!(mapped.status.success(), "label -> 127.0.0.1: {mapped:?}");
        let loopback = connect_via_shim(&so, "127.0.0.1", port);
        assert!(loopback.status.success(), "loopback passes: {loopback:?}");
        // TEST-NET-1 (never routed): the shim must refuse it before the kernel sees it.
        let away = connect_via_shim(&so, "192.0.2.1", 9);
        assert!(!away.status.success());
        let err = String::from_utf8_lossy(&away.stderr);
        assert!(
            err.contains("Network is unreachable"),
            "refused by the shim: {err}"
        );
        let other_label = connect_via_shim(&so, "239.255.254.1", port);
        assert!(
            !other_label.status.success(),
            "only 239.255.255.0/24 is mapped"
        );

        let _ = std::fs::remove_dir_all(&dir);
    }
}
