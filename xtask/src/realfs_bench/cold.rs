//! Cold runs without drop_caches: `preload evict` on the tree through the
//! mount and on the servers' backing folders, checked with `preload status`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::bench::cache::Preload;

/// Resident fraction under which a tree or backing folder counts as cold.
const COLD: f64 = 0.01;

/// `preload evict` on the tree and each backing folder, twice at most;
/// returns the resident fractions after (tree, worst backing folder).
pub(super) fn make_cold(preload: &Preload, dir: &Path, backing: &[PathBuf]) -> Result<(f64, f64)> {
    let mut last = (1.0, 1.0);
    for _ in 0..2 {
        let mut server: f64 = 0.0;
        for b in backing {
            evict_backing(preload, b)?;
            server = server.max(preload.resident_fraction(b)?);
        }
        preload.evict(dir)?;
        last = (preload.resident_fraction(dir)?, server);
        if last.0 < COLD && last.1 < COLD {
            break;
        }
    }
    if last.0 >= COLD || last.1 >= COLD {
        eprintln!(
            "realfs-bench: not cold after two evictions (tree {:.1}%, backing {:.1}%): run marked",
            last.0 * 100.0,
            last.1 * 100.0
        );
    }
    Ok(last)
}

/// `preload evict` on a server's folder, again when it fails: a MooseFS
/// chunkserver renames and deletes chunk files on its own (a fresh tree's
/// extra copies), and a file gone between the walk and the evict fails it.
fn evict_backing(preload: &Preload, dir: &Path) -> Result<()> {
    for attempt in 0.. {
        match preload.evict(dir) {
            Ok(_) => return Ok(()),
            Err(e) if attempt < 4 => {
                eprintln!("realfs-bench: {e:#}; again in 1 s");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}
