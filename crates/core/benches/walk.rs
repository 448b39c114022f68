//! Walking a tree of 10^5 files (100 directories of 1,000 empty files, made
//! in a temporary directory by the setup, so the metadata is cached and the
//! figure is the walk's own CPU cost), through the public `walk` API with
//! no filter and with an `--include` glob.
//!
//! `cargo bench -p preload-core --bench walk`

use criterion::{Criterion, criterion_group, criterion_main};
use preload_core::walk::{Filter, walk};
use std::fs::{File, create_dir};
use std::path::PathBuf;

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d:03}"));
        create_dir(&sub).expect("mkdir");
        for f in 0..1000 {
            let ext = if f % 10 == 0 { "safetensors" } else { "json" };
            File::create(sub.join(format!("f{f:04}.{ext}"))).expect("create");
        }
    }
    dir
}

fn walk_tree(c: &mut Criterion) {
    let dir = tree();
    let inputs = [PathBuf::from(dir.path())];
    let everything = Filter::default();
    let shards = Filter::new(&["*.safetensors".to_string()], &[]).expect("glob");
    assert_eq!(
        walk(&inputs, &everything).expect("walk").files.len(),
        100_000
    );
    let mut group = c.benchmark_group("walk_100k_files");
    group.sample_size(10);
    group.bench_function("no_filter", |b| b.iter(|| walk(&inputs, &everything)));
    group.bench_function("include_glob", |b| b.iter(|| walk(&inputs, &shards)));
    group.finish();
}

criterion_group!(benches, walk_tree);
criterion_main!(benches);
