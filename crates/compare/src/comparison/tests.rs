//! Known-answer tests of [`compare`] on synthetic samples.

use super::*;
use crate::fixtures::{bench, noisy, tune};
use crate::{FailOn, exit_code};

fn opts(seed: u64) -> CompareConfig {
    CompareConfig {
        resamples: 2_000,
        seed,
        ..Default::default()
    }
}

/// A bench of `sequential` and `preload`, 5 runs each, `spread` noise.
fn bench5(seq: f64, pre: f64, spread: f64, seed: u64) -> ResultFile {
    bench(
        "nfs4",
        &[
            ("sequential", noisy(seq, spread, 5, seed)),
            ("preload", noisy(pre, spread, 5, seed + 1000)),
        ],
    )
}

/// A tune at levels 1, 4, 16, 40 buckets each, `spread` noise.
fn tune40(scale: f64, spread: f64, seed: u64, knee: usize) -> ResultFile {
    let levels = [(1, 100.0), (4, 380.0), (16, 800.0)]
        .iter()
        .map(|&(l, m)| (l, noisy(m * scale, spread, 40, seed + l as u64)))
        .collect::<Vec<_>>();
    tune("nfs4", &levels, knee, &[knee])
}

/// Overall verdicts of `compare(base(seed), new(seed))` over 20 seeds.
fn verdicts(base: impl Fn(u64) -> ResultFile, new: impl Fn(u64) -> ResultFile) -> Vec<Verdict> {
    verdicts_n(20, base, new)
}

/// [`verdicts`] over `n` seeds.
fn verdicts_n(
    n: u64,
    base: impl Fn(u64) -> ResultFile,
    new: impl Fn(u64) -> ResultFile,
) -> Vec<Verdict> {
    (0..n)
        .map(|s| compare(&base(s), &new(100 + s), &opts(s)).unwrap().overall)
        .collect()
}

fn count(v: &[Verdict], which: Verdict) -> usize {
    v.iter().filter(|&&x| x == which).count()
}

#[test]
fn identical_distributions_are_within_noise() {
    let v = verdicts(
        |s| bench5(100.0, 400.0, 0.10, s),
        |s| bench5(100.0, 400.0, 0.10, s),
    );
    assert!(count(&v, Verdict::WithinNoise) >= 19, "bench: {v:?}");
    let v = verdicts(|s| tune40(1.0, 0.10, s, 16), |s| tune40(1.0, 0.10, s, 16));
    assert!(count(&v, Verdict::WithinNoise) >= 19, "tune: {v:?}");
}

#[test]
fn halved_throughput_with_five_runs_is_a_regression() {
    for spread in [0.05, 0.10] {
        let v = verdicts(
            |s| bench5(100.0, 400.0, spread, s),
            |s| bench5(50.0, 200.0, spread, s),
        );
        assert_eq!(count(&v, Verdict::Regressed), 20, "spread {spread}: {v:?}");
    }
    let c = compare(
        &bench5(100.0, 400.0, 0.1, 1),
        &bench5(50.0, 200.0, 0.1, 2),
        &opts(1),
    )
    .unwrap();
    for item in &c.items {
        assert_eq!(item.verdict, Verdict::Regressed, "{item:?}");
        assert!(
            item.ci_high < -item.threshold && item.p_value < 0.05,
            "{item:?}"
        );
        assert!(item.ci_low <= -0.5 && -0.5 <= item.ci_high, "{item:?}");
        assert_eq!((item.base_n, item.new_n), (5, 5));
    }
    assert!(c.regressed());
    assert_eq!(exit_code(&c, FailOn::Regressed), 1);
}

#[test]
fn doubled_throughput_is_an_improvement() {
    let v = verdicts(
        |s| bench5(100.0, 400.0, 0.10, s),
        |s| bench5(200.0, 800.0, 0.10, s),
    );
    assert_eq!(count(&v, Verdict::Improved), 20, "{v:?}");
    let v = verdicts(|s| tune40(1.0, 0.10, s, 16), |s| tune40(2.0, 0.10, s, 16));
    assert_eq!(count(&v, Verdict::Improved), 20, "{v:?}");
    let c = compare(
        &bench5(100.0, 400.0, 0.1, 1),
        &bench5(200.0, 800.0, 0.1, 2),
        &opts(1),
    )
    .unwrap();
    assert!(!c.regressed() && c.changed());
    assert_eq!(exit_code(&c, FailOn::Regressed), 0);
    assert_eq!(exit_code(&c, FailOn::AnyChange), 1);
}

#[test]
fn three_percent_with_ten_percent_noise_is_within_noise() {
    let v = verdicts(
        |s| bench5(100.0, 400.0, 0.10, s),
        |s| bench5(97.0, 388.0, 0.10, s),
    );
    assert!(count(&v, Verdict::WithinNoise) >= 19, "bench: {v:?}");
    // At most 5% false alarms, judged on 100 seeds: 20 are too few to tell
    // a 1.5% rate (measured on 200 seeds) from 10%.
    let v = verdicts_n(
        100,
        |s| tune40(1.0, 0.10, s, 16),
        |s| tune40(0.97, 0.10, s, 16),
    );
    assert!(count(&v, Verdict::WithinNoise) >= 95, "tune: {v:?}");
}

#[test]
fn threshold_is_never_finer_than_the_baselines_noise() {
    // Five runs spread +-30%: the bootstrap interval of a 5-value median is
    // [min, max], so the baseline's own noise is (130 - 70) / 2 / 100 = 30%,
    // far more than the configured 5%, and a 20% drop stays within it.
    let base = bench(
        "nfs4",
        &[("sequential", vec![70.0, 85.0, 100.0, 115.0, 130.0])],
    );
    let new = bench(
        "nfs4",
        &[("sequential", vec![56.0, 68.0, 80.0, 92.0, 104.0])],
    );
    let c = compare(&base, &new, &opts(4)).unwrap();
    let item = &c.items[0];
    assert!((item.base_noise - 0.3).abs() < 1e-12, "{item:?}");
    assert_eq!(item.threshold, item.base_noise);
    assert_eq!(item.verdict, Verdict::WithinNoise, "{item:?}");
    // Constant samples: no noise of their own, the configured 5% applies.
    let flat = bench("nfs4", &[("sequential", vec![100.0; 5])]);
    let c = compare(&flat, &flat, &opts(4)).unwrap();
    assert_eq!(c.items[0].threshold, 0.05);
    assert_eq!(c.items[0].verdict, Verdict::WithinNoise);
}

#[test]
fn a_large_change_inside_a_huge_threshold_is_within_noise() {
    let o = CompareConfig {
        noise_threshold: 0.6,
        ..opts(1)
    };
    let c = compare(
        &bench5(100.0, 400.0, 0.1, 1),
        &bench5(50.0, 200.0, 0.1, 2),
        &o,
    )
    .unwrap();
    assert_eq!(c.overall, Verdict::WithinNoise);
}

#[test]
fn incomparable_filesystems_name_both_types() {
    let a = bench("ext4", &[("sequential", vec![1.0, 2.0])]);
    let b = bench("fuse.mfs", &[("sequential", vec![1.0, 2.0])]);
    let e = compare(&a, &b, &opts(0)).unwrap_err();
    assert!(matches!(e, CompareError::Incomparable { .. }));
    let msg = e.to_string();
    assert!(msg.contains("ext4") && msg.contains("fuse.mfs"), "{msg}");
}

#[test]
fn knee_outside_the_baselines_set_is_a_shift() {
    let base = tune(
        "nfs4",
        &[
            (8, noisy(800.0, 0.05, 20, 1)),
            (16, noisy(820.0, 0.05, 20, 2)),
        ],
        8,
        &[8],
    );
    let new = tune(
        "nfs4",
        &[
            (8, noisy(800.0, 0.05, 20, 3)),
            (16, noisy(820.0, 0.05, 20, 4)),
        ],
        16,
        &[16],
    );
    let c = compare(&base, &new, &opts(0)).unwrap();
    let k = c.knee_shift.clone().unwrap();
    assert_eq!((k.base_knee, k.new_knee, k.shifted), (8, 16, true));
    assert_eq!(c.overall, Verdict::WithinNoise);
    assert!(c.changed() && !c.regressed());
    assert_eq!(exit_code(&c, FailOn::Regressed), 0);
    assert_eq!(exit_code(&c, FailOn::AnyChange), 1);

    let wide = tune("nfs4", &[(8, noisy(800.0, 0.05, 20, 1))], 8, &[8, 16]);
    let c = compare(&wide, &new, &opts(0)).unwrap();
    assert!(!c.knee_shift.as_ref().unwrap().shifted);
    assert!(!c.changed());
}

#[test]
fn items_only_in_one_run_become_notes() {
    let base = tune(
        "nfs4",
        &[
            (1, noisy(100.0, 0.05, 20, 1)),
            (4, noisy(300.0, 0.05, 20, 2)),
        ],
        4,
        &[4],
    );
    let new = tune(
        "nfs4",
        &[
            (1, noisy(100.0, 0.05, 20, 3)),
            (32, noisy(900.0, 0.05, 20, 4)),
        ],
        4,
        &[4],
    );
    let c = compare(&base, &new, &opts(0)).unwrap();
    let names: Vec<&str> = c.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["P=1"]);
    assert_eq!(
        c.notes,
        ["P=4: only in the baseline", "P=32: only in the new run"]
    );
}

#[test]
fn nothing_comparable_is_an_error() {
    let a = bench("ext4", &[("sequential", vec![1.0])]);
    let e = compare(&a, &a, &opts(0)).unwrap_err().to_string();
    assert!(
        e.contains("no strategy with at least two valid samples"),
        "{e}"
    );
    assert!(e.contains("sequential: too few valid samples"), "{e}");
}

#[test]
fn same_inputs_give_the_same_comparison() {
    let (a, b) = (bench5(100.0, 400.0, 0.1, 1), bench5(90.0, 400.0, 0.1, 2));
    assert_eq!(
        compare(&a, &b, &opts(9)).unwrap(),
        compare(&a, &b, &opts(9)).unwrap()
    );
}

#[test]
fn json_round_trips() {
    let c = compare(&tune40(1.0, 0.1, 1, 16), &tune40(0.5, 0.1, 2, 4), &opts(0)).unwrap();
    let back: Comparison = serde_json::from_str(&c.to_json()).unwrap();
    // serde_json may be one ulp off when it parses a float: compare the
    // floats with a tolerance and everything else exactly.
    assert_eq!(
        (&back.overall, &back.knee_shift, &back.notes),
        (&c.overall, &c.knee_shift, &c.notes)
    );
    assert_eq!(back.items.len(), c.items.len());
    for (b, i) in back.items.iter().zip(&c.items) {
        assert_eq!(
            (&b.name, b.verdict, b.base_n, b.new_n),
            (&i.name, i.verdict, i.base_n, i.new_n)
        );
        for (x, y) in [
            (b.change, i.change),
            (b.ci_low, i.ci_low),
            (b.ci_high, i.ci_high),
            (b.p_value, i.p_value),
        ] {
            assert!((x - y).abs() <= 1e-12 * y.abs(), "{x} vs {y}");
        }
    }
    assert!(c.to_json().contains("\"overall\": \"REGRESSED\""));
}

#[test]
fn labels_default_to_host_and_date_and_can_be_replaced() {
    let a = bench5(100.0, 400.0, 0.1, 1);
    let c = compare(&a, &a, &opts(0)).unwrap();
    assert_eq!(c.base, "ci-host 2025-01-02T03:04:05Z");
    let c = c.with_labels("nightly", "run.json");
    assert_eq!((c.base.as_str(), c.new.as_str()), ("nightly", "run.json"));
}

/// Marks a result as coming from an interrupted run.
fn interrupted(mut r: ResultFile) -> ResultFile {
    match &mut r {
        ResultFile::Tune(t) => t.interrupted = true,
        ResultFile::Bench(b) => b.interrupted = true,
    }
    r
}

#[test]
fn interrupted_results_are_refused_unless_allowed() {
    let a = bench5(100.0, 400.0, 0.1, 1);
    let cut = interrupted(bench5(100.0, 400.0, 0.1, 2));
    let e = compare(&a, &cut, &opts(0)).unwrap_err();
    assert!(matches!(e, CompareError::Interrupted { which: "new run" }));
    assert!(e.to_string().contains("--allow-interrupted"), "{e}");
    let e = compare(&cut, &a, &opts(0)).unwrap_err().to_string();
    assert!(e.starts_with("the baseline run was interrupted"), "{e}");
    let t = interrupted(tune40(1.0, 0.05, 3, 16));
    assert!(compare(&t, &t, &opts(0)).is_err());

    let allowed = CompareConfig {
        allow_interrupted: true,
        ..opts(0)
    };
    let c = compare(&a, &cut, &allowed).unwrap();
    assert_eq!(
        c.notes[0],
        "the new run was interrupted: it holds only part of the measurement"
    );
}
