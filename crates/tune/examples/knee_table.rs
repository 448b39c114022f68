//! Prints the knee rule's acceptance table: each synthetic curve, clean and
//! with 10% noise plus 5% outlier buckets, and the knee it chooses.
//!
//! `cargo run -p preload-tune --example knee_table`

use preload_tune::synthetic::{capped, powers, retrograde, sample_curve, usl};
use preload_tune::{KneeConfig, LevelSamples, choose_knee};

type Curve = Box<dyn Fn(usize) -> f64>;

fn main() {
    let l12 = [1, 2, 4, 8, 12, 16, 32];
    let cases: Vec<(&str, Curve, Vec<usize>, f64)> = vec![
        (
            "cap 400 (knee 8)",
            Box::new(capped(400.0)),
            powers(64),
            0.10,
        ),
        (
            "cap 600 (knee 12)",
            Box::new(capped(600.0)),
            l12.to_vec(),
            0.10,
        ),
        (
            "linear 50P",
            Box::new(|p| 50.0 * p as f64),
            powers(64),
            0.10,
        ),
        ("flat 300", Box::new(|_| 300.0), powers(64), 0.10),
        ("retrograde peak 8", Box::new(retrograde), powers(64), 0.10),
        (
            "USL 0.03/0.0005 (peak 44)",
            Box::new(usl(100.0, 0.03, 0.0005)),
            powers(64),
            0.05,
        ),
    ];
    println!("| curve | noise | knee | saturated | confidence | tolerance | knee set |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (name, curve, levels, cv) in &cases {
        let clean: Vec<LevelSamples> = sample_curve(curve, levels, 3, 0.0, 0.0, 0);
        let noisy = sample_curve(curve, levels, 30, *cv, 0.05, 1);
        for (label, samples) in [("none", clean), ("cv+5% outliers", noisy)] {
            let c = choose_knee(&samples, &KneeConfig::default()).expect("samples");
            println!(
                "| {name} | {label} | {} | {} | {:.3} | {:.3} | {:?} |",
                c.knee, c.saturated, c.confidence, c.tolerance, c.knee_set
            );
        }
    }
}
