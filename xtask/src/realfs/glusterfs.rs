//! stub
use super::State;
use anyhow::Result;
pub fn up(_s: &State) -> Result<()> {
    anyhow::bail!("todo")
}
pub fn down(_s: &State) -> Result<()> {
    Ok(())
}
