//! `preload bench PATH`: cold-start comparison of warming strategies.

use anyhow::{Result, bail};
use preload_core::CancelToken;

use crate::args::BenchArgs;
use crate::exit::Exit;

pub fn run(_args: &BenchArgs, _cancel: &CancelToken) -> Result<Exit> {
    bail!("preload bench is not built yet")
}
