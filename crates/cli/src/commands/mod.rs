//! One module per subcommand: resolved config in, exit code out.

pub mod bench;
pub mod cache;
pub mod compare;
pub mod docs;
pub mod fleet_probe;
pub mod fleet_tune;
pub mod regress;
pub mod report;
pub mod run;
pub mod tune;
pub mod warm;
