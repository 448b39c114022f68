//! `cargo xtask gen` (being built).

pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("gen is not implemented yet")
}
