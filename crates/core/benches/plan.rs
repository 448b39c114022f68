//! Chunk planning of 10^5 files: `Plan::new` at the default 32 MiB chunk on
//! a tree shaped like a model repository (mostly small files, a few
//! multi-GiB shards), the CPU a warm spends before its first read.
//!
//! `cargo bench -p preload-core --bench plan`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use preload_core::plan::{DEFAULT_CHUNK_SIZE, Plan};
use preload_core::walk::FileEntry;
use std::path::PathBuf;

/// 10^5 entries: every hundredth a 4 GiB shard, the rest 0 to 64 KiB.
fn files() -> Vec<FileEntry> {
    (0..100_000u64)
        .map(|i| FileEntry {
            path: PathBuf::from(format!("model/{:03}/{i:06}.bin", i % 1000)),
            size: if i % 100 == 0 {
                4 << 30
            } else {
                (i * 7919) % (64 << 10)
            },
            dev: 1,
            ino: i + 1,
        })
        .collect()
}

fn plan(c: &mut Criterion) {
    let files = files();
    let mut group = c.benchmark_group("plan_100k_files");
    group.sample_size(20);
    group.bench_function("default_chunk", |b| {
        b.iter_batched(
            || files.clone(),
            |f| Plan::new(f, DEFAULT_CHUNK_SIZE),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);
