//! `cargo xtask bench` (being built).

pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("bench is not implemented yet")
}
