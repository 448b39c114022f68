//! `cargo xtask realfs`: real distributed filesystems on loopback (being built).

pub fn main(_args: &[String]) -> anyhow::Result<()> {
    anyhow::bail!("realfs is not implemented yet")
}
