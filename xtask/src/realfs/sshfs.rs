//! stub
use super::State;
use anyhow::Result;
use std::path::{Path, PathBuf};
pub fn sshd_dir(r: &Path) -> PathBuf {
    r.join("sshd")
}
pub fn up(_r: &Path, _s: &State, _c: bool) -> Result<()> {
    anyhow::bail!("todo")
}
pub fn down(_r: &Path, _s: &State) -> Result<()> {
    Ok(())
}
