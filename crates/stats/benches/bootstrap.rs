//! Bootstrap intervals on 10^4 samples, 1,000 resamples each: the median's
//! interval (`median_ci`, behind `relative_noise`) and the interval of the
//! relative change between two samples (`relative_change_ci`, behind every
//! `preload compare` verdict).
//!
//! `cargo bench -p preload-stats --bench bootstrap`

use criterion::{Criterion, criterion_group, criterion_main};
use preload_stats::{Draw, median_ci, relative_change_ci, seeded};
use std::hint::black_box;

/// `n` throughputs around `mean` with 10% normal noise, seeded.
fn sample(n: usize, mean: f64, seed: u64) -> Vec<f64> {
    let mut rng = seeded(seed);
    (0..n).map(|_| mean * (1.0 + 0.1 * rng.normal())).collect()
}

fn bootstrap(c: &mut Criterion) {
    let base = sample(10_000, 500.0, 1);
    let new = sample(10_000, 480.0, 2);
    let mut group = c.benchmark_group("bootstrap_10k_samples_1000_resamples");
    group.sample_size(10);
    group.bench_function("median_ci", |b| {
        b.iter(|| median_ci(black_box(&base), 1_000, 0.95, &mut seeded(7)))
    });
    group.bench_function("relative_change_ci", |b| {
        b.iter(|| {
            relative_change_ci(
                black_box(&base),
                black_box(&new),
                1_000,
                0.95,
                &mut seeded(7),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bootstrap);
criterion_main!(benches);
