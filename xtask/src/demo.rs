//! `cargo xtask demo` (being built).

pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("demo is not implemented yet")
}
