//! The knee rule on 10^4 samples: `choose_knee` on a capped curve measured
//! at 10 levels with 1,000 noisy buckets each, with and without its
//! bootstrap confidence (1,000 resamples by default). It runs once per
//! `preload tune` and once per `-P auto` decision, so its cost is the CPU a
//! tune spends deciding rather than reading.
//!
//! `cargo bench -p preload-tune --bench knee`

use criterion::{Criterion, criterion_group, criterion_main};
use preload_tune::synthetic::{capped, sample_curve};
use preload_tune::{KneeConfig, choose_knee};
use std::hint::black_box;

fn knee(c: &mut Criterion) {
    let levels = [1, 2, 4, 8, 10, 12, 14, 16, 32, 64];
    let samples = sample_curve(capped(600.0), &levels, 1_000, 0.10, 0.05, 1);
    let mut group = c.benchmark_group("knee_rule_10k_samples");
    group.sample_size(10);
    group.bench_function("with_bootstrap", |b| {
        b.iter(|| choose_knee(black_box(&samples), &KneeConfig::default()))
    });
    let point_only = KneeConfig {
        resamples: 0,
        ..KneeConfig::default()
    };
    group.bench_function("point_estimate", |b| {
        b.iter(|| choose_knee(black_box(&samples), &point_only))
    });
    group.finish();
}

criterion_group!(benches, knee);
criterion_main!(benches);
