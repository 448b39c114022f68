//! Times `Warmer::run` on a tree that is already resident: the engine's own
//! cost of a warm call, the baseline for the Python binding's overhead
//! (reports/2026-12-01-vm/loader/python_overhead.py).
//!
//!     cargo run --release -p preload-core --example hot_warm -- DIR [RUNS]

use std::time::Instant;

use preload_core::Warmer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: hot_warm DIR [RUNS]")?;
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    Warmer::new([&dir]).parallelism(16).run()?;
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let s = Warmer::new([&dir]).parallelism(16).run().expect("warm");
            assert!(s.failed.is_empty());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("{:.2}", times[runs / 2]);
    Ok(())
}
