//! `--max-rate`: a per-process rate, or a fleet budget split fairly.
//!
//! Forms: `200MiB/s` (this process), `1GiB/s/8` (a budget shared by 8
//! processes), `1GiB/s/fleet` (shared by the fleet, whose size comes from
//! the environment). The `/s` may be left out (`200MiB`). The fleet size is
//! read from, in order:
//! - `PRELOAD_FLEET_SIZE`: set it yourself, e.g. in Kubernetes from the
//!   Deployment's `replicas`, the Job's `parallelism`, or the number of
//!   nodes a DaemonSet runs on (Kubernetes exposes none of these to a pod);
//! - `SLURM_JOB_NUM_NODES`, then `SLURM_NNODES`: set by Slurm in every job
//!   step; with `srun --ntasks-per-node=1` it is the number of warms.

use anyhow::Result;

use crate::config::parse_size;

/// Variables holding the fleet size, first found wins.
pub const FLEET_SIZE_VARS: [&str; 3] =
    ["PRELOAD_FLEET_SIZE", "SLURM_JOB_NUM_NODES", "SLURM_NNODES"];

/// `--max-rate`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxRate {
    /// The budget as written, bytes per second.
    pub total: u64,
    /// Processes sharing it.
    pub members: u64,
    /// `flag` for `TOTAL/N`, the variable for `TOTAL/fleet`, None for a plain rate.
    pub members_from: Option<String>,
}

impl MaxRate {
    /// This process's share, bytes per second.
    pub fn per_process(&self) -> u64 {
        (self.total / self.members.max(1)).max(1)
    }
}

/// Parses `--max-rate`; `env` looks a variable up (the process environment
/// in the binary, a map in tests).
pub fn parse_max_rate(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<MaxRate> {
    let bad = |why: &str| anyhow::anyhow!("invalid --max-rate {s:?}: {why}");
    let mut parts = s.trim().split('/');
    let size = parts.next().unwrap_or_default();
    let mut rest: Vec<&str> = parts.collect();
    if rest.first() == Some(&"s") {
        rest.remove(0);
    }
    let total = parse_size(size, "--max-rate")?;
    if total == 0 {
        return Err(bad("a rate must be positive"));
    }
    let (members, members_from) = match rest.as_slice() {
        [] => (1, None),
        ["fleet"] => fleet_size(env).map_err(|why| bad(&why))?,
        [n] => match n.parse::<u64>() {
            Ok(n) if n > 0 => (n, Some("flag".to_string())),
            _ => {
                return Err(bad(
                    "the share is TOTAL/N with N a positive number, or TOTAL/fleet",
                ));
            }
        },
        _ => return Err(bad("expected RATE, TOTAL/N or TOTAL/fleet (e.g. 1GiB/s/8)")),
    };
    let rate = MaxRate {
        total,
        members,
        members_from,
    };
    if rate.per_process() < 4096 {
        return Err(bad(&format!(
            "a share of {} bytes/s is below one page per second",
            rate.per_process()
        )));
    }
    Ok(rate)
}

fn fleet_size(
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<(u64, Option<String>), String> {
    for var in FLEET_SIZE_VARS {
        if let Some(v) = env(var) {
            return match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok((n, Some(var.to_string()))),
                _ => Err(format!("{var}={v:?} is not a positive number")),
            };
        }
    }
    Err(format!(
        "the fleet size is unknown: none of {} is set (in Kubernetes set PRELOAD_FLEET_SIZE \
         to the replica count; under Slurm run inside a job)",
        FLEET_SIZE_VARS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone())
    }

    #[test]
    fn plain_rates_with_and_without_per_second() {
        let none = env_of(&[("SLURM_JOB_NUM_NODES", "64")]);
        let r = parse_max_rate("200MiB/s", &none).unwrap();
        assert_eq!((r.total, r.members, r.members_from), (200 * MIB, 1, None));
        assert_eq!(parse_max_rate("200MiB", &none).unwrap().total, 200 * MIB);
    }

    #[test]
    fn explicit_shares_divide() {
        let env = env_of(&[]);
        let r = parse_max_rate("1GiB/s/8", &env).unwrap();
        assert_eq!(r.per_process(), 128 * MIB);
        assert_eq!(r.members_from.as_deref(), Some("flag"));
        assert_eq!(
            parse_max_rate("1GiB/8", &env).unwrap().per_process(),
            128 * MIB
        );
        for bad in [
            "8KiB/s/4",
            "1GiB/s/0",
            "1GiB/s/x",
            "1GiB/s/2/3",
            "0/s",
            "fast",
        ] {
            assert!(parse_max_rate(bad, &env).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_fleet_size_comes_from_the_environment_preload_first() {
        let slurm = env_of(&[("SLURM_JOB_NUM_NODES", "4"), ("SLURM_NNODES", "9")]);
        let r = parse_max_rate("400MiB/s/fleet", &slurm).unwrap();
        assert_eq!(
            (r.per_process(), r.members_from.as_deref()),
            (100 * MIB, Some("SLURM_JOB_NUM_NODES"))
        );
        let both = env_of(&[("SLURM_JOB_NUM_NODES", "4"), ("PRELOAD_FLEET_SIZE", "2")]);
        assert_eq!(parse_max_rate("400MiB/s/fleet", &both).unwrap().members, 2);
        let err = parse_max_rate("400MiB/s/fleet", &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("PRELOAD_FLEET_SIZE"), "{err}");
        let junk = env_of(&[("PRELOAD_FLEET_SIZE", "many")]);
        assert!(parse_max_rate("1GiB/s/fleet", &junk).is_err());
    }
}
