//! `tune --clients N` on simfs with a total cap: with the storage's total
//! bandwidth the bound, N clients at once each want about 1/N of the
//! single client's knee, and the tune says so.

mod util;

use std::time::Duration;

use preload_simfs::testing::{TestMount, capped, create_file, require_fuse};

use util::{preload, success_json};

const MIB: u64 = 1 << 20;
/// The storage's total bandwidth, MiB/s.
const CAP_MIB: u64 = 40;

fn fleet_tune(mnt: &TestMount, clients: usize, max_level: usize) -> serde_json::Value {
    let out = preload()
        .args(["tune", "--json", "--byte-budget", "1100MiB"])
        .args(["--max-level", &max_level.to_string()])
        .args(["--clients", &clients.to_string()])
        .arg(mnt.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    success_json(&out)
}

#[test]
fn four_clients_find_a_quarter_of_the_single_client_knee() {
    if !require_fuse() {
        return;
    }
    // 5 MiB/s per stream, 40 MiB/s in total: one client's knee is 8;
    // four clients share the 40, so each saturates at 10 MiB/s, at 2.
    let mnt = TestMount::new(capped(2, 5, CAP_MIB)).unwrap();
    for i in 0..24 {
        create_file(&mnt.backing().join(format!("shard-{i}")), 48 * MIB, i).unwrap();
    }
    // Each client needs a unit per reader: four clients stop at -P 8.
    let one = fleet_tune(&mnt, 1, 16);
    let (mut four, mut served) = served_while(&mnt, || fleet_tune(&mnt, 4, 8));
    // On this 2-core machine, loaded, simfs's timer runs late and serves
    // above its cap for a while (49.7 MiB/s of 40 in one CI run), and that
    // tune found 4. Such a miss is measured once more, as the model checks
    // do; a tune that misses twice fails.
    if !(1..=3).contains(&four["per_client_knee"].as_u64().unwrap()) {
        eprintln!(
            "four clients: knee {} (simfs served at most {:.1} MiB/s over 1 s): tuning again",
            four["per_client_knee"],
            peak_second(&served)
        );
        (four, served) = served_while(&mnt, || fleet_tune(&mnt, 4, 8));
    }
    let curve = |r: &serde_json::Value| -> Vec<(u64, f64)> {
        r["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["level"].as_u64().unwrap(),
                    l["aggregate_mib_s"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    eprintln!(
        "one client: {:.1?}\nfour clients: {:.1?}",
        curve(&one),
        curve(&four)
    );
    let (k1, k4) = (
        one["per_client_knee"].as_u64().unwrap(),
        four["per_client_knee"].as_u64().unwrap(),
    );
    eprintln!(
        "simfs served at most {:.1} MiB/s over 1 s during the four-client tune",
        peak_second(&served)
    );
    eprintln!(
        "knees: one client {k1}, four clients {k4} (aggregate at it {:.1} MiB/s)",
        four["aggregate_mib_s_at_knee"].as_f64().unwrap()
    );
    // The model says 8 and 2: about a quarter of the single client's knee.
    assert!((4..=16).contains(&k1), "single-client knee: {one}");
    assert!(
        (1..=3).contains(&k4),
        "per-client knee with 4 clients: {four}"
    );
    // Measured between completion instants over the window every client
    // read in, the clients together never read above what the storage
    // delivered by more than noise. Judged against simfs's own counter, not
    // the nominal cap: on a machine loaded past its cores simfs's timer runs
    // late and serves above its cap (47 MiB/s over 1 s of 40, measured).
    let cap = CAP_MIB as f64;
    let delivered = peak_second(&served).max(cap);
    // The aggregate is a rate over the window all four clients read in,
    // which can be shorter than the 1 s windows the counter is read in, so
    // it may exceed the best second a little (53.0 MiB/s at -P 8 against
    // 47.9 in a clean CI run on 2 Dec); the fault this catches, rates summed
    // over windows that do not overlap, overstates by up to the client count.
    let noise = 1.15;
    for (level, aggregate) in curve(&four) {
        assert!(
            aggregate <= delivered * noise,
            "-P {level}: aggregate {aggregate:.1} MiB/s; simfs served at most {delivered:.1}"
        );
    }
    for l in four["levels"].as_array().unwrap() {
        assert_eq!(l["per_client_mib_s"].as_array().unwrap().len(), 4);
    }
    // The aggregate at the 4-client knee is the storage's total, not 4x it.
    let agg = four["aggregate_mib_s_at_knee"].as_f64().unwrap();
    assert!(
        (cap * 0.75..=delivered * noise).contains(&agg),
        "aggregate {agg}"
    );
}

/// The mount's served bytes every 50 ms while `body` runs: what the storage
/// delivered, an instrument the tune's figures do not come from.
fn served_while<T>(mnt: &TestMount, body: impl FnOnce() -> T) -> (T, Vec<(Duration, u64)>) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let t0 = std::time::Instant::now();
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut v = Vec::new();
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                v.push((t0.elapsed(), mnt.mounted().stats().bytes_served));
                std::thread::sleep(Duration::from_millis(50));
            }
            v
        });
        let out = body();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (out, sampler.join().unwrap())
    })
}

/// The highest MiB/s over any 1 s between samples.
fn peak_second(samples: &[(Duration, u64)]) -> f64 {
    let mut peak: f64 = 0.0;
    for (i, &(t, b)) in samples.iter().enumerate() {
        if let Some(&(t1, b1)) = samples[i..]
            .iter()
            .find(|s| s.0 >= t + Duration::from_secs(1))
        {
            peak = peak.max((b1 - b) as f64 / MIB as f64 / (t1 - t).as_secs_f64());
        }
    }
    peak
}
