//! Prints the `-P auto` controller's simulation table: for each curve of the
//! acceptance list, clean and with 10% noise, where 20 seeded simulated warms
//! of 400 intervals first settled, where they ended, how long settling took
//! and how often the level moved after it.
//!
//! `cargo run -p preload-tune --example auto_simulation_table`

use preload_tune::AutoConfig;
use preload_tune::stats::median;
use preload_tune::synthetic::{Simulation, acceptance_curves, simulate};

/// `(level, how many)` for each distinct level, ascending.
fn histogram(mut levels: Vec<usize>) -> Vec<(usize, usize)> {
    levels.sort_unstable();
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for l in levels {
        match counts.last_mut() {
            Some((v, c)) if *v == l => *c += 1,
            _ => counts.push((l, 1)),
        }
    }
    counts
}

fn main() {
    println!(
        "| curve | noise | first settled (20 seeds) | settled after 400 intervals | intervals to settle: median / max | changes after settling (400 intervals), max |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for (name, curve, _, _) in acceptance_curves() {
        for cv in [0.0, 0.10] {
            let sims: Vec<Simulation> = (1..=20)
                .map(|s| simulate(&*curve, cv, s, AutoConfig::default(), 400))
                .collect();
            let first = histogram(sims.iter().filter_map(|s| s.first).collect());
            let settled = histogram(sims.iter().filter_map(|s| s.settled).collect());
            let after: Vec<f64> = sims
                .iter()
                .filter_map(|s| s.after.map(|a| a as f64))
                .collect();
            let changes = sims.iter().map(|s| s.changes_after).max().unwrap_or(0);
            println!(
                "| {name} | {cv} | {first:?} | {settled:?} | {} / {} | {changes} |",
                median(&after),
                after.iter().copied().fold(0.0, f64::max)
            );
        }
    }
}
