//! The strategies a bench compares, and the interleaved order they run in.

use std::fmt;

/// One way of getting the data into the page cache (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// One file after another, one stream, 1 MiB reads: what a loader does.
    Sequential,
    /// `find PATH -type f | xargs -P 32 -I{} cat {} >/dev/null`.
    Xargs,
    /// preload with the saved profile of the filesystem, else `-P auto`.
    Preload,
    /// preload at a fixed parallelism.
    PreloadFixed(usize),
    /// No warming: the `--then` command alone from a cold cache.
    LoadOnly,
    /// `preload run`: the loader starts at once, the warm (the `preload`
    /// strategy's level, loader order) runs beside it and stops when it
    /// exits. Only with a loader command.
    Run,
}

impl Strategy {
    /// The strategy list of a bench: sequential, xargs, preload, one
    /// `preload-pN` per level (deduplicated, in the order given) and
    /// `load-only` when there is a loader command.
    pub fn list(levels: &[usize], with_loader: bool) -> Vec<Strategy> {
        let mut out = vec![Strategy::Sequential, Strategy::Xargs, Strategy::Preload];
        for &n in levels {
            if !out.contains(&Strategy::PreloadFixed(n)) {
                out.push(Strategy::PreloadFixed(n));
            }
        }
        if with_loader {
            out.push(Strategy::LoadOnly);
            out.push(Strategy::Run);
        }
        out
    }

    /// Parallelism of the xargs pipeline.
    pub const XARGS_PARALLELISM: usize = 32;
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Sequential => f.write_str("sequential"),
            Strategy::Xargs => f.write_str("xargs"),
            Strategy::Preload => f.write_str("preload"),
            Strategy::PreloadFixed(n) => write!(f, "preload-p{n}"),
            Strategy::LoadOnly => f.write_str("load-only"),
            Strategy::Run => f.write_str("run"),
        }
    }
}

/// The order of round `round`: every strategy once, starting one further
/// along each round, so a slow drift of the storage (a server cache
/// filling, a neighbour's job) spreads over all strategies instead of
/// always hitting the last one.
pub fn round_order(strategies: &[Strategy], round: usize) -> Vec<Strategy> {
    let n = strategies.len();
    (0..n).map(|i| strategies[(round + i) % n.max(1)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_schema() {
        let names: Vec<String> = Strategy::list(&[4, 16, 4], true)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            names,
            [
                "sequential",
                "xargs",
                "preload",
                "preload-p4",
                "preload-p16",
                "load-only",
                "run"
            ]
        );
        assert_eq!(Strategy::list(&[], false).len(), 3);
    }

    #[test]
    fn rounds_rotate_the_start() {
        let s = Strategy::list(&[8], false);
        assert_eq!(round_order(&s, 0), s);
        assert_eq!(round_order(&s, 1)[0], Strategy::Xargs);
        assert_eq!(round_order(&s, 1)[3], Strategy::Sequential);
        assert_eq!(round_order(&s, 4), s);
        for r in 0..8 {
            let mut o = round_order(&s, r);
            o.sort_by_key(ToString::to_string);
            let mut all = s.clone();
            all.sort_by_key(ToString::to_string);
            assert_eq!(o, all, "every strategy once per round");
        }
    }
}
