//! One module per subcommand: resolved config in, exit code out.

pub mod cache;
pub mod regress;
pub mod tune;
pub mod warm;
